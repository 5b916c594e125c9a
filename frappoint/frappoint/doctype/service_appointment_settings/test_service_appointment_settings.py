# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS

test_ignore = IGNORED_TEST_RECORDS


class TestServiceAppointmentSettings(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_a_slot_size_that_does_not_divide_a_day_is_refused(self):
		settings = frappe.get_doc("Service Appointment Settings")
		settings.default_slot_minutes = 7
		with self.assertRaises(InvalidBookingInput):
			settings.save()

	def test_the_journal_head_cannot_be_edited_in_the_desk(self):
		settings = frappe.get_doc("Service Appointment Settings")
		settings.journal_sequence = (settings.journal_sequence or 0) + 5
		with self.assertRaises(InvalidBookingInput):
			settings.save()
