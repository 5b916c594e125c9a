"""A customer on the portal: only times inside the customer booking window, and a logged-in customer
booking as themselves and seeing their own appointments without a token."""

import frappe

from frappoint.api import booking as api
from frappoint.booking.errors import NotBookableTime
from frappoint.booking.slot_generation import regenerate
from frappoint.tests.fixtures import at, day, use_booking_settings
from frappoint.tests.portal import APPOINTMENT, PortalCase, make_customer


class TestCustomerBookingWindow(PortalCase):
	def test_customers_never_see_or_hold_past_times_even_when_staff_may(self):
		use_booking_settings(allow_past_booking=1, max_past_days=7)
		regenerate(self.provider.name, day(-1), day(3))
		frappe.set_user("Administrator")
		yesterday = str(day(-1))
		self.assertTrue(api.availability(self.service.name, yesterday, yesterday)["slots"])
		frappe.set_user("Guest")
		self.assertEqual(api.availability(self.service.name, yesterday, yesterday)["slots"], [])
		error = self.assert_unchanged(lambda: self.hold(start=at(-1, 10)), NotBookableTime)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("already passed", str(error))
		frappe.set_user("Administrator")
		self.hold(start=at(-1, 10), customer_name="Walk In", customer_email="walkin@example.com")


class TestLoggedInCustomer(PortalCase):
	def setUp(self):
		super().setUp()
		self.customer = make_customer(self)
		frappe.set_user(self.customer)

	def test_a_logged_in_customer_books_as_themselves_and_their_contact(self):
		held = self.hold()
		frappe.set_user("Administrator")
		doc = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual((doc.customer_email, doc.customer_name), (self.customer, "Cleo Customer"))
		self.assertEqual(doc.party_type, "Contact")
		frappe.set_user(self.customer)
		# They may name someone else, but the booking stays under their own email.
		api.confirm(held["name"], customer_name="Cleo C.", customer_email="other@example.com")
		self.assertEqual(
			frappe.db.get_value(APPOINTMENT, held["name"], ["customer_name", "customer_email"]),
			("Cleo C.", self.customer),
		)

	def test_their_own_appointments_need_no_token_but_others_stay_closed(self):
		mine = self.hold()
		api.confirm(mine["name"])
		frappe.set_user("Guest")
		theirs = self.hold(start=at(2, 12), customer_name="Bo", customer_email="bo@example.com")
		frappe.set_user(self.customer)
		self.assertEqual(api.appointment(mine["name"])["status"], "Confirmed")
		self.assert_unchanged(lambda: api.cancel(theirs["name"]), frappe.PermissionError, theirs["name"])
		self.assertEqual(api.cancel(mine["name"])["status"], "Cancelled")
