"""A booking outside the rules takes the free seats and units first and overbooks only the rest, so
the time goes off sale; bad input is a 4xx that stores nothing."""

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_site, to_db
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	live_seats,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	use_booking_settings,
)
from frappoint.tests.portal import APPOINTMENT

test_ignore = IGNORED_TEST_RECORDS


class TestOverrideTakesWhatIsFree(FrappeTestCase):
	"""A 30-minute service needing one treatment room (there is one) with a provider working 09-17 on
	15-minute slots, and a second provider of the same service."""

	def setUp(self):
		use_booking_settings()
		self.room_type = make_unit_type()
		self.room = make_unit(self.room_type.name)
		self.service = make_service(required_unit_types=[{"unit_type": self.room_type.name, "qty": 1}])
		self.provider = make_provider([self.service.name])
		self.other = make_provider([self.service.name])

	def override(self, start, reason="Burst pipe, flat flooding", provider=None):
		return book(self.service.name, provider or self.provider.name, start, override_reason=reason)

	def units_of(self, name):
		return frappe.get_all(
			"Service Appointment Unit", filters={"parent": name, "live": 1}, pluck="service_unit"
		)

	def offered(self, provider, start):
		windows = windows_for(
			self.service, from_site(start), from_site(start) + timedelta(minutes=1), provider=provider
		)
		return [w for w in windows if w.start == from_site(start)]

	def test_an_override_takes_the_free_seats_and_room_so_the_time_is_off_sale(self):
		doc = self.override(at(2, 10))
		self.assertEqual(len(live_seats(doc.name)), 2)  # 10:00 and 10:15
		self.assertEqual(self.units_of(doc.name), [self.room.name])
		self.assertFalse(doc.overbooked)
		self.assertEqual(self.offered(self.provider.name, at(2, 10)), [])  # not on sale on /book
		with self.assertRaises(SlotUnavailable):
			book(self.service.name, self.provider.name, at(2, 10))
		with self.assertRaises(SlotUnavailable):  # the other provider: the room is taken
			book(self.service.name, self.other.name, at(2, 10))

	def test_an_override_overbooks_only_what_is_not_free(self):
		first = book(self.service.name, self.provider.name, at(2, 10, 30))  # 10:30, 10:45 and the room
		actions.confirm(first.name)
		doc = self.override(at(2, 10, 15))  # 10:15 is free, 10:30 is not, nor is the room
		self.assertEqual([k.split("#")[0] for k in live_seats(doc.name)], [self._slot(at(2, 10, 15))])
		self.assertEqual(self.units_of(doc.name), [])
		self.assertIn("10:30", doc.overbooked)
		self.assertIn(self.room_type.name, doc.overbooked)
		squeezed = self.override(at(2, 10, 30), reason="Regular client, emergency")  # nothing is free
		self.assertEqual((live_seats(squeezed.name), self.units_of(squeezed.name)), ([], []))
		event = frappe.get_all(
			"Appointment Event",
			{"appointment": squeezed.name},
			["event_type", "changes"],
			order_by="stream_seq",
		)[0]
		self.assertEqual(event.event_type, "booked_with_override")
		overbooked = frappe.parse_json(event.changes)["overbooked"]
		self.assertEqual((len(overbooked["slots"]), overbooked["units"]), (2, {self.room_type.name: 1}))

	def test_outside_the_shifts_only_the_room_is_taken(self):
		doc = self.override(at(2, 22))
		self.assertEqual((live_seats(doc.name), self.units_of(doc.name)), ([], [self.room.name]))
		self.assertTrue(doc.overbooked)

	def test_bad_override_input_is_a_4xx_that_stores_nothing(self):
		for start, reason in (
			("9999-12-31 23:00:00", "Emergency call-out"),
			("0001-01-01 00:00:00", "Emergency call-out"),
			("not a date", "Emergency call-out"),
			(at(2, 22) + timedelta(days=800), "Emergency call-out"),
			(at(2, 22) - timedelta(days=800), "Emergency call-out"),
			(at(2, 22), "x" * 70_000),
		):
			with self.subTest(start=str(start)[:20], reason=len(reason)):
				before = (frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event"))
				with self.assertRaises(frappe.ValidationError) as caught:
					self.override(start, reason=reason)
				self.assertIsInstance(caught.exception, InvalidBookingInput)
				self.assertTrue(400 <= caught.exception.http_status_code < 500)
				self.assertEqual((frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")), before)

	def _slot(self, start):
		return frappe.db.get_value(
			"Service Provider Slot",
			{"provider": self.provider.name, "slot_start_utc": to_db(from_site(start))},
		)
