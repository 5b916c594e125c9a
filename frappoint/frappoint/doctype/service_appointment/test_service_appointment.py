# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

"""What a hold claims: its times, price and seats from the rules, each seat once (the database refuses
a duplicate too), reserved seats for the emergency tier only, the units a service requires, and the
refusals with their reasons."""

import frappe
from pymysql.err import IntegrityError

from frappoint.booking import actions
from frappoint.booking.errors import InvalidBookingInput, NotBookableTime, SlotUnavailable
from frappoint.tests.appointments import AppointmentCase, events_of
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	live_seats,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
)

test_ignore = IGNORED_TEST_RECORDS


class TestAHoldClaimsSeatsAndUnits(AppointmentCase):
	def test_a_hold_takes_its_times_price_and_seats_from_the_rules(self):
		doc = book(self.service.name, self.provider.name, at(2, 10), status="Completed", rate=1)
		self.assertEqual(doc.status, "Open")
		self.assertEqual(doc.rate, 50)  # the tier price, not what the caller sent
		self.assertEqual(str(doc.start_time), str(at(2, 10)))
		self.assertEqual(str(doc.end_time), str(at(2, 10, 30)))
		self.assertEqual(len(doc.slots), 3)  # 30 min + 15 min buffer on 15-minute slots
		self.assertEqual(len(live_seats(doc.name)), 3)
		self.assertTrue(doc.hold_expires_at)
		self.assertEqual(events_of(doc.name), ["held"])

	def test_second_claim_on_last_seat_is_refused(self):
		book(self.service.name, self.provider.name, at(2, 10))
		before = frappe.db.count("Service Appointment")
		with self.assertRaises(SlotUnavailable) as caught:
			book(self.service.name, self.provider.name, at(2, 10, 15))
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(frappe.db.count("Service Appointment"), before)

	def test_the_database_refuses_a_duplicate_seat_even_without_the_service(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		row = doc.slots[0]
		with self.assertRaises(IntegrityError):
			frappe.db.sql(
				"""insert into `tabService Appointment Slot` (name, parent, parenttype, parentfield, slot, seat_no, seat_key)
				values (%s, 'X', 'Service Appointment', 'slots', %s, 1, %s)""",
				(frappe.generate_hash(), row.slot, row.seat_key),
			)

	def test_times_outside_the_rules_are_refused_with_their_reason(self):
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 18))  # after the shift
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 16, 45))  # the buffer runs past 17:00
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 10, 5))  # not a slot start
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(-1, 10))  # in the past

	def test_a_group_slot_fills_up_seat_by_seat(self):
		group = make_service(max_clients_per_slot=2)
		provider = make_provider([group.name], slot_capacity=2)
		first = book(group.name, provider.name, at(2, 10))
		second = book(group.name, provider.name, at(2, 10))
		self.assertEqual({first.slots[0].seat_no, second.slots[0].seat_no}, {1, 2})
		with self.assertRaises(SlotUnavailable):
			book(group.name, provider.name, at(2, 10))

	def test_only_the_emergency_tier_uses_reserved_seats(self):
		repair = make_service(max_clients_per_slot=2, emergency_reserved_seats=1)
		provider = make_provider([repair.name], slot_capacity=2)
		book(repair.name, provider.name, at(2, 10))
		with self.assertRaises(NotBookableTime):
			book(repair.name, provider.name, at(2, 10))
		emergency = book(repair.name, provider.name, at(2, 10), pricing_tier="Emergency")
		self.assertEqual(emergency.rate, 150)

	def test_an_unknown_tier_is_refused(self):
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, self.provider.name, at(2, 10), pricing_tier="Free")

	def test_a_provider_who_does_not_offer_the_service_is_refused(self):
		other = make_provider([], generate_days=0)
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, other.name, at(2, 10))

	def test_a_required_unit_is_allocated_and_never_double_used(self):
		room_type = make_unit_type()
		room = make_unit(room_type.name)
		massage = make_service(required_unit_types=[{"unit_type": room_type.name, "qty": 1}])
		alice = make_provider([massage.name])
		bob = make_provider([massage.name])
		first = book(massage.name, alice.name, at(2, 10))
		self.assertEqual([u.service_unit for u in first.units], [room.name])
		with self.assertRaises(SlotUnavailable):
			book(massage.name, bob.name, at(2, 10, 15))  # Bob is free, the only room is not
		actions.cancel(first.name)
		self.assertEqual(book(massage.name, bob.name, at(2, 10, 15)).units[0].service_unit, room.name)

	def test_units_that_allow_overlap_are_shared(self):
		lobby_type = make_unit_type(allow_overlap=1)
		make_unit(lobby_type.name)
		wait = make_service(required_unit_types=[{"unit_type": lobby_type.name, "qty": 1}])
		alice, bob = make_provider([wait.name]), make_provider([wait.name])
		book(wait.name, alice.name, at(2, 10))
		self.assertTrue(book(wait.name, bob.name, at(2, 10)).units)
