# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)


def slot_count(provider):
	return frappe.db.count("Service Provider Slot", {"provider": provider})


test_ignore = IGNORED_TEST_RECORDS


class TestServiceProvider(FrappeTestCase):
	def setUp(self):
		use_booking_settings(max_advance_days=3)
		self.service = make_service()

	def tearDown(self):
		frappe.db.rollback()

	def test_an_unknown_timezone_is_refused(self):
		with self.assertRaises(InvalidBookingInput):
			make_provider([self.service.name], timezone="Mars/Olympus", generate_days=0)

	def test_overlapping_shifts_are_refused(self):
		shifts = [
			{"weekday": "Monday", "start_time": "09:00:00", "end_time": "13:00:00"},
			{"weekday": "Monday", "start_time": "12:00:00", "end_time": "17:00:00"},
		]
		with self.assertRaises(InvalidBookingInput):
			make_provider([self.service.name], shifts=shifts, generate_days=0)

	def test_a_slot_size_that_does_not_divide_the_shift_is_refused(self):
		with self.assertRaises(InvalidBookingInput):
			make_provider([self.service.name], slot_minutes=7, generate_days=0)
		shifts = [{"weekday": "Monday", "start_time": "09:00:00", "end_time": "09:45:00"}]
		with self.assertRaises(InvalidBookingInput):
			make_provider([self.service.name], shifts=shifts, slot_minutes=30, generate_days=0)

	def test_the_generate_button_fills_the_horizon_once(self):
		provider = make_provider([self.service.name], generate_days=0)
		first = provider.generate_slots()
		self.assertEqual(first["created"], 4 * 32)  # today and three days ahead, 09:00-17:00 in quarters
		again = provider.generate_slots()
		self.assertEqual((again["created"], again["removed"], again["kept"]), (0, 0, 4 * 32))
		self.assertEqual(slot_count(provider.name), 4 * 32)

	def test_a_shift_change_regenerates_but_never_touches_booked_seats(self):
		provider = make_provider([self.service.name], generate_days=0)
		provider.generate_slots()
		booked = book(self.service.name, provider.name, at(2, 16))
		provider.reload()
		for row in provider.shifts:
			row.end_time = "12:00:00"
		provider.save()
		report = provider.generate_slots()
		self.assertEqual(len(report["conflicts"]), 2)  # the 16:00 and 16:15 slots stay, reported
		self.assertTrue(all(frappe.db.exists("Service Provider Slot", row.slot) for row in booked.slots))
		self.assertFalse(
			frappe.db.exists("Service Provider Slot", {"provider": provider.name, "slot_start": at(2, 14)})
		)
