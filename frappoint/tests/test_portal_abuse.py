"""The portal against abuse: live holds capped per session, address and email, and every guest
endpoint rate-limited per address."""

import frappe

from frappoint.api import booking as api
from frappoint.booking.errors import TooManyHolds
from frappoint.tests.fixtures import at, expire_hold_now, use_booking_settings
from frappoint.tests.portal import APPOINTMENT, PortalCase, iso


class TestHoldCaps(PortalCase):
	def setUp(self):
		super().setUp()
		use_booking_settings(holds_per_session=2, holds_per_ip=3, holds_per_email=2)
		frappe.set_user("Guest")

	def test_a_session_may_keep_only_so_many_live_holds(self):
		self.hold(start=at(2, 9))
		self.hold(start=at(2, 10))
		error = self.assert_unchanged(lambda: self.hold(start=at(2, 11)), TooManyHolds)
		self.assertEqual(error.http_status_code, 429)
		self.assertIn("already holding 2", str(error))
		# Another browser on another network is not affected.
		self.visit(ip="203.0.113.9", session=frappe.generate_hash())
		self.hold(start=at(2, 11))

	def test_an_ip_address_is_capped_across_sessions(self):
		for hour in (9, 10, 11):
			self.visit(ip=self.ip, session=frappe.generate_hash())
			self.hold(start=at(2, hour))
		self.visit(ip=self.ip, session=frappe.generate_hash())
		self.assert_unchanged(lambda: self.hold(start=at(2, 12)), TooManyHolds)

	def test_an_email_is_capped_across_visitors(self):
		for hour in (9, 10):
			self.visit(ip=f"192.0.2.{hour}", session=frappe.generate_hash())
			self.hold(start=at(2, hour), customer_name="Mallory", customer_email="m@example.com")
		self.visit(ip="192.0.2.99", session=frappe.generate_hash())
		self.assert_unchanged(
			lambda: self.hold(start=at(2, 12), customer_name="Mallory", customer_email="M@example.com"),
			TooManyHolds,
		)

	def test_released_confirmed_and_expired_holds_free_the_place(self):
		first = self.hold(start=at(2, 9), customer_name="Ann", customer_email="ann@example.com")
		second = self.hold(start=at(2, 10))
		api.confirm(first["name"], token=first["token"])
		api.cancel(second["name"], token=second["token"], reason="Released")
		third = self.hold(start=at(2, 11))
		self.hold(start=at(2, 12))
		expire_hold_now(third["name"])
		self.hold(start=at(2, 13))

	def test_staff_are_not_capped(self):
		frappe.set_user("Administrator")
		for hour in (9, 10, 11, 12):
			self.hold(start=at(2, hour), customer_name="Desk", customer_email="desk@example.com")


class TestGuestRateLimits(PortalCase):
	GUEST_ENDPOINTS = ("services", "availability", "hold", "confirm", "cancel", "reschedule", "appointment")

	def test_every_guest_endpoint_is_rate_limited_per_ip(self):
		use_booking_settings(guest_requests_per_minute=2)
		frappe.set_user("Guest")
		calls = {
			"services": lambda: api.services(),
			"availability": lambda: api.availability(
				self.service.name, str(at(2, 0).date()), str(at(2, 0).date())
			),
			"hold": lambda: self.hold(start=at(2, 9)),
			"confirm": lambda: api.confirm("APT-NONE", token="x"),
			"cancel": lambda: api.cancel("APT-NONE", token="x"),
			"reschedule": lambda: api.reschedule("APT-NONE", iso(at(2, 9)), token="x"),
			"appointment": lambda: api.appointment("APT-NONE", token="x"),
		}
		self.assertEqual(set(calls), set(self.GUEST_ENDPOINTS))
		for endpoint, call in calls.items():
			self.visit(ip=self.ip, session=self.session, cmd=f"frappoint.api.booking.{endpoint}")
			for _ in range(2):
				try:
					call()
				except (frappe.ValidationError, frappe.PermissionError, frappe.DoesNotExistError):
					pass  # refused for its own reasons; the request still counts
			before = frappe.db.count(APPOINTMENT)
			with self.assertRaises(frappe.RateLimitExceededError, msg=endpoint) as caught:
				call()
			self.assertEqual(caught.exception.http_status_code, 429)
			self.assertEqual(frappe.db.count(APPOINTMENT), before)
