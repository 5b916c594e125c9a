# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput, NotBookableTime
from frappoint.booking.slot_generation import regenerate
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	day,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestProviderAvailabilityException(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.db.rollback()

	def exception(self, kind, start, end):
		return frappe.get_doc(
			{
				"doctype": "Provider Availability Exception",
				"provider": self.provider.name,
				"kind": kind,
				"from_datetime": start,
				"to_datetime": end,
			}
		).insert()

	def test_an_exception_must_end_after_it_starts(self):
		with self.assertRaises(InvalidBookingInput):
			self.exception("Leave", at(2, 12), at(2, 11))

	def test_leave_removes_slots_and_explains_the_refusal(self):
		self.exception("Leave", at(2, 12), at(2, 13))
		report = regenerate(self.provider.name, day(2), day(2))
		self.assertEqual(report.removed, 4)
		with self.assertRaises(NotBookableTime) as caught:
			book(self.service.name, self.provider.name, at(2, 12))
		self.assertIn("not available", str(caught.exception))

	def test_an_extra_shift_adds_bookable_time(self):
		self.exception("Extra Shift", at(2, 18), at(2, 20))
		report = regenerate(self.provider.name, day(2), day(2))
		self.assertEqual(report.created, 8)
		self.assertEqual(book(self.service.name, self.provider.name, at(2, 18)).status, "Open")
