"""A walk-in booked in the desk is confirmed when saved (Settings can keep the hold step); a customer's
or an integration's booking still starts as a hold; the pricing tier comes from the service's own."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import booking as booking_api
from frappoint.booking import actions
from frappoint.booking.clock import from_site
from frappoint.booking.errors import InvalidBookingInput
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


class TestDeskBooking(FrappeTestCase):
	def setUp(self):
		use_booking_settings(desk_bookings_confirmed=1)
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def test_a_walk_in_saved_in_the_desk_is_confirmed_and_journaled_so(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(doc.status, "Confirmed")
		self.assertFalse(doc.hold_expires_utc)
		events = frappe.get_all("Appointment Event", filters={"appointment": doc.name}, pluck="event_type")
		self.assertEqual(events, ["confirmed"])

	def test_the_setting_keeps_the_hold_step(self):
		use_booking_settings(desk_bookings_confirmed=0)
		doc = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(doc.status, "Open")
		self.assertTrue(doc.hold_expires_utc)

	def test_a_booking_through_the_api_is_still_a_hold(self):
		held = booking_api.hold(
			service_type=self.service.name,
			provider=self.provider.name,
			start=from_site(at(2, 11)).isoformat(),
			customer_name="Api Caller",
			customer_email="api@example.com",
		)
		self.assertEqual(frappe.db.get_value(APPOINTMENT, held["name"], "status"), "Open")

	def test_moving_a_desk_hold_keeps_it_a_hold(self):
		use_booking_settings(desk_bookings_confirmed=0)
		doc = book(self.service.name, self.provider.name, at(2, 10))
		use_booking_settings(desk_bookings_confirmed=1)
		moved = actions.reschedule(doc.name, at(2, 14))
		self.assertEqual(moved.status, "Open")

	def test_the_tier_is_one_of_the_services(self):
		doc = book(self.service.name, self.provider.name, at(2, 10), pricing_tier="Emergency")
		self.assertEqual((doc.pricing_tier, doc.rate), ("Emergency", 150))
		self.assertEqual(frappe.get_meta(APPOINTMENT).get_field("pricing_tier").fieldtype, "Select")
		before = frappe.db.count(APPOINTMENT)
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, self.provider.name, at(2, 12), pricing_tier="Platinum")
		self.assertEqual(frappe.db.count(APPOINTMENT), before)


class TestResourceDay(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		from frappoint.tests.fixtures import make_unit, make_unit_type

		self.room_type = make_unit_type()
		self.room = make_unit(self.room_type.name)
		self.service = make_service(required_unit_types=[{"unit_type": self.room_type.name, "qty": 1}])
		self.provider = make_provider([self.service.name])
		self.booked = book(self.service.name, self.provider.name, at(1, 10))
		actions.confirm(self.booked.name)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_day_shows_each_providers_and_each_units_bookings(self):
		from frappoint.api.desk import resource_day

		day = resource_day(str(frappe.utils.getdate(at(1, 10))))
		rows = {r["name"]: r["items"] for r in day["providers"]}
		units = {r["name"]: r["items"] for r in day["units"]}
		self.assertEqual([i["name"] for i in rows[self.provider.name]], [self.booked.name])
		self.assertEqual([i["name"] for i in units[self.room.name]], [self.booked.name])
		self.assertEqual(rows[self.provider.name][0]["start"][11:16], "10:00")
		other_day = resource_day(str(frappe.utils.getdate(at(2, 10))))
		self.assertEqual({r["name"]: r["items"] for r in other_day["providers"]}[self.provider.name], [])

	def test_guests_see_nothing_and_a_bad_day_is_refused(self):
		from frappoint.api.desk import resource_day

		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			resource_day(str(frappe.utils.getdate(at(1, 10))))
		frappe.set_user("Administrator")
		with self.assertRaises(InvalidBookingInput):
			resource_day("yesterday-ish")
