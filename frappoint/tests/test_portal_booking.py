"""A guest books on the portal: hold first, details with the confirmation, the emails and their manage
link, release, cancellation and rescheduling through that link, and tokens that are not theirs."""

from datetime import timedelta

import frappe

from frappoint.api import booking as api
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import HoldExpired, InvalidBookingInput, NotBookableTime
from frappoint.booking.tokens import signed_token
from frappoint.portal.views import manage_url
from frappoint.tests.fixtures import at, expire_hold_now, use_booking_settings
from frappoint.tests.portal import APPOINTMENT, PortalCase, iso, mail_text, status_of


class TestPortalBooking(PortalCase):
	def test_a_guest_holds_first_and_gives_details_with_the_confirmation(self):
		frappe.set_user("Guest")
		held = self.hold()
		self.assertEqual(held["status"], "Open")
		self.assertTrue(held["hold_expires_at"])
		confirmed = api.confirm(
			held["name"],
			token=held["token"],
			customer_name="Ann Guest",
			customer_email="ann@example.com",
			customer_phone="+44 20 7946 0000",
			timezone="Europe/London",
		)
		self.assertEqual(confirmed["status"], "Confirmed")
		frappe.set_user("Administrator")
		doc = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual(
			(doc.customer_name, doc.customer_email, doc.customer_phone, doc.source),
			("Ann Guest", "ann@example.com", "+44 20 7946 0000", "Portal"),
		)

	def test_the_confirmation_email_carries_a_working_manage_link(self):
		frappe.set_user("Guest")
		held = self.hold()
		confirmed = api.confirm(
			held["name"], token=held["token"], customer_name="Ann", customer_email="ann@example.com"
		)
		self.assertTrue(confirmed["emailed"])
		frappe.set_user("Administrator")
		[queued] = frappe.get_all(
			"Email Queue",
			filters={"reference_name": held["name"]},
			fields=["name", "message"],
		)
		recipients = frappe.get_all(
			"Email Queue Recipient", filters={"parent": queued.name}, pluck="recipient"
		)
		self.assertEqual(recipients, ["ann@example.com"])
		body = mail_text(queued.message)
		link = manage_url(frappe.get_doc(APPOINTMENT, held["name"]))
		self.assertIn(frappe.utils.escape_html(link), body)
		token = link.split("token=")[1]
		frappe.set_user("Guest")
		self.assertEqual(api.appointment(held["name"], token=token)["status"], "Confirmed")

	def test_customer_text_is_escaped_in_the_email(self):
		frappe.set_user("Guest")
		held = self.hold()
		api.confirm(
			held["name"],
			token=held["token"],
			customer_name='Eve <img src=x onerror="alert(1)">',
			customer_email="eve@example.com",
		)
		frappe.set_user("Administrator")
		[body] = self.queued_mail(held["name"])
		self.assertNotIn("<img", body)
		self.assertIn("Eve", body)

	def test_a_hold_without_details_cannot_be_confirmed_until_they_are_given(self):
		frappe.set_user("Guest")
		held = self.hold()
		error = self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"]), InvalidBookingInput, held["name"]
		)
		self.assertEqual(error.http_status_code, 400)
		self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"], customer_name="Ann"),
			InvalidBookingInput,
			held["name"],
		)

	def test_malformed_details_are_refused_and_the_hold_is_unchanged(self):
		frappe.set_user("Guest")
		held = self.hold()
		for bad in (
			{"customer_name": "Ann", "customer_email": "not-an-email"},
			{"customer_name": "   ", "customer_email": "ann@example.com"},
			{"customer_name": "A" * 141, "customer_email": "ann@example.com"},
			{"customer_name": "Ann", "customer_email": "ann@example.com", "customer_phone": "call me maybe"},
			{"customer_name": "Ann", "customer_email": "a" * 140 + "@example.com"},
		):
			self.assert_unchanged(
				lambda bad=bad: api.confirm(held["name"], token=held["token"], **bad),
				InvalidBookingInput,
				held["name"],
			)
		self.assertEqual(status_of(held["name"]), "Open")

	def test_hold_refuses_an_email_without_a_name(self):
		self.assert_unchanged(lambda: self.hold(customer_email="ann@example.com"), InvalidBookingInput)

	def test_an_expired_hold_is_a_clear_409_and_nothing_is_confirmed_or_sent(self):
		frappe.set_user("Guest")
		held = self.hold()
		expire_hold_now(held["name"])
		details = {"customer_name": "Ann", "customer_email": "ann@example.com"}
		error = self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"], **details), HoldExpired, held["name"]
		)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("expired", str(error))

	def test_a_hold_swept_by_the_scheduler_also_reads_as_expired(self):
		frappe.set_user("Guest")
		held = self.hold()
		expire_hold_now(held["name"])
		frappe.set_user("Administrator")
		from frappoint.booking import actions

		actions.expire(held["name"])
		frappe.set_user("Guest")
		error = self.assert_unchanged(
			lambda: api.confirm(
				held["name"], token=held["token"], customer_name="Ann", customer_email="ann@example.com"
			),
			HoldExpired,
			held["name"],
		)
		self.assertEqual(error.http_status_code, 409)

	def test_a_guest_may_release_a_hold_inside_the_cancellation_cutoff(self):
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		frappe.set_user("Guest")
		held = self.hold()
		released = api.cancel(held["name"], token=held["token"], reason="Released")
		self.assertEqual(released["status"], "Cancelled")
		self.assertFalse(released["emailed"])

	def test_a_confirmed_booking_inside_the_cutoff_cannot_be_cancelled_online(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		error = self.assert_unchanged(
			lambda: api.cancel(held["name"], token=held["token"]), NotBookableTime, held["name"]
		)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("too late", str(error))

	def test_cancelling_a_confirmed_booking_sends_a_cancellation_without_a_link(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		cancelled = api.cancel(held["name"], token=held["token"], reason="<b>moving house</b>")
		self.assertEqual(cancelled["status"], "Cancelled")
		self.assertTrue(cancelled["emailed"])
		frappe.set_user("Administrator")
		confirmation, cancellation = self.queued_mail(held["name"])
		self.assertIn("token=", confirmation)
		self.assertNotIn("token=", cancellation)

	def test_rescheduling_sends_the_new_manage_link(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		moved = api.reschedule(held["name"], iso(at(2, 15)), token=held["token"], provider=self.provider.name)
		self.assertEqual((moved["status"], moved["rescheduled_from"]), ("Confirmed", held["name"]))
		self.assertTrue(moved["emailed"])
		frappe.set_user("Administrator")
		[body] = self.queued_mail(moved["name"])
		self.assertIn(f"/appointments/{moved['name']}?token=", body)
		self.assertEqual(status_of(held["name"]), "Cancelled")

	def test_reschedule_to_an_unknown_provider_is_a_clear_400(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		self.assert_unchanged(
			lambda: api.reschedule(held["name"], iso(at(2, 15)), token=held["token"], provider="Nobody"),
			InvalidBookingInput,
			held["name"],
		)

	def test_someone_elses_token_or_a_tampered_one_changes_nothing(self):
		frappe.set_user("Guest")
		mine = self.hold(customer_name="Ann", customer_email="ann@example.com")
		theirs = self.hold(start=at(2, 12), customer_name="Bo", customer_email="bo@example.com")
		expired = signed_token(mine["name"], clock_now() - timedelta(seconds=1))
		# The signature is hex: flip its last digit to another one (a fixed "0" left it intact 1 in 16).
		tampered = mine["token"][:-1] + ("1" if mine["token"].endswith("0") else "0")
		for token in (theirs["token"], tampered, expired, "", None, "a.b.c"):
			self.assert_unchanged(
				lambda token=token: api.confirm(mine["name"], token=token),
				frappe.PermissionError,
				mine["name"],
			)
			self.assert_unchanged(
				lambda token=token: api.cancel(mine["name"], token=token),
				frappe.PermissionError,
				mine["name"],
			)
			self.assert_unchanged(
				lambda token=token: api.reschedule(mine["name"], iso(at(2, 15)), token=token),
				frappe.PermissionError,
				mine["name"],
			)
			with self.assertRaises(frappe.PermissionError):
				api.appointment(mine["name"], token=token)
