"""`book`: hold and confirm in one request for a caller who has every detail. It is `hold` then
`confirm` in one transaction: the same rules, caps and journal events, and bad input changes nothing."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import booking as api
from frappoint.booking.clock import from_site
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable, TooManyHolds
from frappoint.tests.accounting import DepositCase, appointment_value, needs_erpnext
from frappoint.tests.fixtures import at, make_provider, make_service, use_booking_settings


def iso(naive):
	return from_site(naive).isoformat()


def stored() -> tuple[int, int]:
	return frappe.db.count("Service Appointment"), frappe.db.count("Appointment Event")


class TestBookInOneRequest(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def book(self, **values):
		payload = {
			"service_type": self.service.name,
			"start": iso(at(2, 10)),
			"customer_name": "Ann Guest",
			"customer_email": "ann@example.com",
			"provider": self.provider.name,
		}
		return api.book(**{**payload, **values})

	def assert_nothing_stored(self, call, exc=InvalidBookingInput):
		before = stored()
		with self.assertRaises(exc) as caught:
			call()
		self.assertEqual(stored(), before)
		return caught.exception

	def events(self, name) -> list[str]:
		return frappe.get_all(
			"Appointment Event", {"appointment": name}, pluck="event_type", order_by="stream_seq"
		)

	def test_a_guest_books_in_one_request_and_the_journal_shows_the_hold_and_the_confirmation(self):
		frappe.set_user("Guest")
		booked = self.book()
		self.assertEqual(booked["status"], "Confirmed")
		self.assertTrue(booked["token"], "the guest gets the manage link's token, as confirm gives it")
		frappe.set_user("Administrator")
		self.assertEqual(self.events(booked["name"]), ["held", "confirmed"])
		doc = frappe.get_doc("Service Appointment", booked["name"])
		self.assertEqual(
			(doc.customer_email, doc.source, doc.hold_expires_utc), ("ann@example.com", "Portal", None)
		)

	def test_staff_book_in_one_request_as_the_api(self):
		booked = self.book()
		self.assertEqual(booked["status"], "Confirmed")
		self.assertNotIn("token", booked)
		self.assertEqual(frappe.db.get_value("Service Appointment", booked["name"], "source"), "API")

	def test_bad_input_is_a_400_that_stores_nothing(self):
		frappe.set_user("Guest")
		for bad in (
			{"start": "2026-13-40 25:00"},
			{"start": str(at(2, 10))},  # no offset
			{"customer_email": "not-an-email"},
			{"customer_email": None},  # confirm would ask for it: asked before anything is held
			{"customer_name": None},
			{"customer_name": "   "},
			{"customer_phone": "call me"},
			{"service_type": "Nope"},
			{"provider": "Nobody"},
			{"tier": "Free"},
			{"timezone": "Mars/Olympus"},
			{"provider": None, "latitude": 95, "longitude": 10},
			{"customer_name": "Ann \ud800"},
			{"service_type": ["a", "list"]},
		):
			with self.subTest(bad=bad):
				error = self.assert_nothing_stored(lambda bad=bad: self.book(**bad))
				self.assertEqual(error.http_status_code, 400)

	def test_a_taken_time_is_a_409_and_stores_nothing(self):
		self.book()
		frappe.set_user("Guest")
		error = self.assert_nothing_stored(
			lambda: self.book(customer_email="late@example.com"), SlotUnavailable
		)
		self.assertEqual(error.http_status_code, 409)

	def test_the_hold_caps_apply_as_they_do_to_hold(self):
		use_booking_settings(holds_per_email=1)
		frappe.set_user("Guest")
		api.hold(
			service_type=self.service.name,
			start=iso(at(2, 11)),
			customer_name="Ann Guest",
			customer_email="ann@example.com",
			provider=self.provider.name,
		)
		error = self.assert_nothing_stored(lambda: self.book(), TooManyHolds)
		self.assertEqual(error.http_status_code, 429)


@needs_erpnext
class TestBookWithADeposit(DepositCase):
	def test_a_deposit_booking_answers_with_the_payment_url_and_keeps_the_hold(self):
		frappe.set_user("Guest")
		booked = api.book(
			service_type=self.service.name,
			start=iso(at(2, 10)),
			provider=self.provider.name,
			customer_name="Dee Posit",
			customer_email="dee-book@example.com",
		)
		frappe.set_user("Administrator")
		self.assertEqual((booked["status"], booked["due_at_booking"]), ("Open", 10))
		self.assertIn("test_gateway.checkout", booked["payment_url"])
		self.assertTrue(booked["token"])
		self.assertTrue(appointment_value(booked["name"], "payment_request"))
