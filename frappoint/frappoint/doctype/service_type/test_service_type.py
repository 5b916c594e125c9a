# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, make_service, use_booking_settings

test_ignore = IGNORED_TEST_RECORDS


class TestServiceType(FrappeTestCase):
	def setUp(self):
		# Whatever the site's admin chose: with billing on, a service also needs its Billing Item
		# (test_billing_settings covers that rule).
		use_booking_settings(bill_in_erpnext=0)

	def tearDown(self):
		frappe.db.rollback()

	def test_a_valid_service_saves(self):
		service = make_service(duration_minutes=45, buffer_before_minutes=15)
		self.assertEqual(service.pricing_tiers[0].rate, 50)

	def test_zero_or_negative_durations_are_refused(self):
		for duration in (0, -30):
			with self.assertRaises(InvalidBookingInput):
				make_service(duration_minutes=duration)

	def test_a_refusal_is_a_translated_message_not_the_cores_english(self):
		"""The core explains in English for logs ("buffer before cannot be negative"); a user reads a
		message that goes through the translation files."""
		from frappoint.booking.errors import input_message
		from frappoint.scheduling import InvalidDuration

		frappe.local.message_log = []
		with self.assertRaises(InvalidBookingInput):
			make_service(buffer_before_minutes=-5)
		shown = frappe.parse_json(frappe.local.message_log[-1])["message"]
		self.assertNotIn("cannot be negative", shown)
		self.assertEqual(shown, input_message(InvalidDuration("buffer before cannot be negative")))

	def test_tiers_must_exist_and_be_named_once(self):
		with self.assertRaises(frappe.ValidationError):
			make_service(pricing_tiers=[])
		with self.assertRaises(InvalidBookingInput):
			make_service(pricing_tiers=[{"tier": "A", "rate": 1}, {"tier": "A", "rate": 2}])

	def test_emergency_seats_need_an_emergency_tier(self):
		with self.assertRaises(InvalidBookingInput):
			make_service(emergency_reserved_seats=1, pricing_tiers=[{"tier": "Standard", "rate": 10}])
