"""A manager books outside the rules (outside shifts, beyond capacity) with a reason that is journaled;
nobody else can, and the ordinary rules stay as they were for everyone else."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	make_user,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS
APPOINTMENT = "Service Appointment"


class TestOverride(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])  # 09:00-17:00

	def tearDown(self):
		frappe.set_user("Administrator")

	def event(self, name):
		return frappe.get_all(
			"Appointment Event",
			filters={"appointment": name},
			fields=["event_type", "changes"],
			order_by="stream_seq",
		)[0]

	def test_a_manager_books_outside_the_shifts_with_a_journaled_reason(self):
		doc = book(
			self.service.name, self.provider.name, at(2, 22), override_reason="Burst pipe, flat flooding"
		)
		self.assertEqual(doc.status, "Confirmed")
		self.assertEqual(doc.slots, [])
		self.assertEqual(str(doc.end_time)[-8:], "22:30:00")
		event = self.event(doc.name)
		self.assertEqual(event.event_type, "booked_with_override")
		self.assertEqual(json.loads(event.changes)["override_reason"], "Burst pipe, flat flooding")

	def test_a_full_slot_takes_one_more_by_override_and_no_more_by_the_rules(self):
		first = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(first.name)
		squeezed = book(
			self.service.name, self.provider.name, at(2, 10), override_reason="Regular client, emergency"
		)
		self.assertEqual(squeezed.status, "Confirmed")
		with self.assertRaises(SlotUnavailable):
			book(self.service.name, self.provider.name, at(2, 10))

	def test_nobody_else_may_and_nothing_is_stored(self):
		desk_user = make_user("Frappoint User")
		before = frappe.db.count(APPOINTMENT)
		frappe.set_user(desk_user)
		with self.assertRaises(frappe.PermissionError):
			book(self.service.name, self.provider.name, at(2, 22), override_reason="I say so")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count(APPOINTMENT), before)

	def test_a_reason_must_say_something_and_a_provider_must_be_named(self):
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, self.provider.name, at(2, 22), override_reason=" x ")
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, None, at(2, 22), override_reason="Emergency call-out")
