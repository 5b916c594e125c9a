# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.frappoint.doctype.appointment_event.appointment_event import JournalIsAppendOnly
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestAppointmentEvent(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		service = make_service()
		self.appointment = book(service.name, make_provider([service.name]).name, at(2, 10))
		self.event = frappe.get_last_doc("Appointment Event", filters={"appointment": self.appointment.name})

	def tearDown(self):
		frappe.db.rollback()

	def test_events_cannot_be_written_edited_or_deleted_through_frappe(self):
		with self.assertRaises(JournalIsAppendOnly):
			frappe.get_doc({"doctype": "Appointment Event", "event_type": "forged"}).insert(
				ignore_permissions=True
			)
		self.event.event_type = "confirmed"
		with self.assertRaises(JournalIsAppendOnly):
			self.event.save(ignore_permissions=True)
		with self.assertRaises(JournalIsAppendOnly):
			frappe.delete_doc("Appointment Event", self.event.name, ignore_permissions=True)

	def test_no_role_may_write_or_delete_events(self):
		for perm in frappe.get_meta("Appointment Event").permissions:
			self.assertFalse(perm.write or perm.delete or perm.create, perm.role)

	def test_events_hold_no_personal_data(self):
		row = frappe.db.get_value("Appointment Event", self.event.name, ["party", "changes"], as_dict=True)
		self.assertNotIn(self.appointment.customer_email, row.party + row.changes)
		self.assertNotIn(self.appointment.customer_name, row.changes)
