"""Text too long for its column is a 400 that stores nothing, on insert and on save (issue 25: a
70,000-character reason was a 500 from MariaDB)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput
from frappoint.frappoint.doctype.service_appointment.service_appointment import MAX_TEXT_LENGTH
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS
APPOINTMENT = "Service Appointment"


class TestTextLimits(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def test_an_overlong_note_is_refused_on_insert_and_nothing_is_stored(self):
		before = frappe.db.count(APPOINTMENT)
		with self.assertRaises(InvalidBookingInput) as refused:
			book(self.service.name, self.provider.name, at(2, 10), notes="x" * 70_000)
		self.assertEqual(refused.exception.http_status_code, 400)
		self.assertEqual(frappe.db.count(APPOINTMENT), before)

	def test_an_overlong_note_is_refused_on_save_and_the_stored_one_stays(self):
		appointment = book(self.service.name, self.provider.name, at(2, 10), notes="Ring twice")
		appointment.notes = "x" * (MAX_TEXT_LENGTH + 1)
		with self.assertRaises(InvalidBookingInput):
			appointment.save()
		self.assertEqual(frappe.db.get_value(APPOINTMENT, appointment.name, "notes"), "Ring twice")
		appointment.reload()
		appointment.notes = "x" * MAX_TEXT_LENGTH  # the limit itself is allowed
		appointment.save()
		self.assertEqual(len(frappe.db.get_value(APPOINTMENT, appointment.name, "notes")), MAX_TEXT_LENGTH)
