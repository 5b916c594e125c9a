"""The whitelisted booking API, called as the portal and integrations call it."""

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import booking as api
from frappoint.booking.clock import from_site
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable
from frappoint.tests.fixtures import (
	at,
	day,
	expire_hold_now,
	make_provider,
	make_service,
	use_booking_settings,
)


def iso(naive):
	return from_site(naive).isoformat()


class TestBookingAPI(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def hold(self, start=None, **values):
		payload = {
			"service_type": self.service.name,
			"start": start if isinstance(start, str) else iso(start or at(2, 10)),
			"customer_name": "Ann Guest",
			"customer_email": "ann@example.com",
			"provider": self.provider.name,
		}
		payload.update(values)
		return api.hold(**payload)

	def assert_nothing_stored(self, call, exc=InvalidBookingInput):
		before = frappe.db.count("Service Appointment"), frappe.db.count("Appointment Event")
		with self.assertRaises(exc) as caught:
			call()
		self.assertEqual(
			(frappe.db.count("Service Appointment"), frappe.db.count("Appointment Event")), before
		)
		return caught.exception

	def test_an_appointment_held_through_the_api_takes_its_providers_calendar_colour(self):
		coloured = make_provider([self.service.name], color="#4f7cff")
		held = self.hold(provider=coloured.name)
		self.assertEqual(frappe.db.get_value("Service Appointment", held["name"], "color"), "#4f7cff")

	# --- availability ---

	def test_the_packed_slot_read_equals_a_row_by_row_read(self):
		from frappoint.booking import records
		from frappoint.booking.clock import to_db
		from frappoint.booking.slot_generation import slot_name

		first, last = from_site(at(1, 0)), from_site(at(3, 23))
		packed = records.provider_slots([self.provider.name], first, last)
		rows = frappe.get_all(
			"Service Provider Slot",
			filters={
				"provider": self.provider.name,
				"slot_start_utc": ("between", [to_db(first), to_db(last)]),
			},
			fields=["provider", "slot_start_utc", "slot_end_utc", "shift_start_utc", "capacity"],
			order_by="slot_start_utc",
		)
		self.assertEqual(len(packed), 3 * 32)
		self.assertEqual(packed, [records.slot_from_row(r) for r in rows])
		self.assertEqual(records.slot_key(slot_name(self.provider.name, packed[5].start)), packed[5].key)
		self.assertIsNone(records.slot_key("not a slot"))

	def test_availability_lists_free_times_with_offsets_in_the_customers_zone(self):
		result = api.availability(self.service.name, str(day(2)), str(day(2)), timezone="America/New_York")
		starts = [s["start"] for s in result["slots"]]
		self.assertEqual(len(starts), 31)  # 09:00 to 16:30 in quarters
		self.assertTrue(all(s[-6:] in ("-05:00", "-04:00") for s in starts))
		self.hold()
		after = api.availability(self.service.name, str(day(2)), str(day(2)))
		self.assertEqual(len(after["slots"]), 31 - 3)  # starts 09:45, 10:00 and 10:15 would overlap it

	def test_the_compact_shape_answers_the_same_windows_naming_each_time_and_provider_once(self):
		second = make_provider([self.service.name])
		args = (self.service.name, str(day(2)), str(day(3)))
		slots = api.availability(*args, timezone="Asia/Kolkata")
		packed = api.availability(*args, timezone="Asia/Kolkata", format="compact")
		self.assertEqual(packed["duration_minutes"], 30)
		self.assertEqual(sorted(packed["providers"]), sorted([self.provider.name, second.name]))
		self.assertEqual(len(packed["times"]), len(set(packed["times"])))
		self.assertEqual(packed["times"], sorted(packed["times"]))
		unpacked = [
			{"start": packed["times"][t], "provider": packed["providers"][p], "free_seats": seats}
			for t, p, seats in packed["free"]
		]
		self.assertEqual(
			unpacked, [{k: s[k] for k in ("start", "provider", "free_seats")} for s in slots["slots"]]
		)
		self.assertEqual(len(unpacked), 2 * 2 * 31)
		with self.assertRaises(InvalidBookingInput):
			api.availability(*args, format="xml")

	def test_expired_holds_read_as_free(self):
		held = self.hold()
		expire_hold_now(held["name"])
		self.assertEqual(len(api.availability(self.service.name, str(day(2)), str(day(2)))["slots"]), 31)

	def test_availability_refuses_bad_ranges_and_zones(self):
		with self.assertRaises(InvalidBookingInput):
			api.availability(self.service.name, str(day(1)), str(day(70)))
		with self.assertRaises(InvalidBookingInput):
			api.availability(self.service.name, str(day(3)), str(day(1)))
		with self.assertRaises(InvalidBookingInput):
			api.availability(self.service.name, "tomorrow", str(day(1)))
		with self.assertRaises(InvalidBookingInput):
			api.availability(self.service.name, str(day(1)), str(day(1)), timezone="Nowhere/Land")
		with self.assertRaises(InvalidBookingInput):
			api.availability("No Such Service", str(day(1)), str(day(1)))

	# --- hold and the rest ---

	def test_a_guest_holds_confirms_and_cancels_with_the_manage_token(self):
		frappe.set_user("Guest")
		held = self.hold()
		self.assertEqual(held["status"], "Open")
		self.assertTrue(held["token"])
		confirmed = api.confirm(held["name"], token=held["token"])
		self.assertEqual(confirmed["status"], "Confirmed")
		cancelled = api.cancel(held["name"], token=held["token"])
		self.assertEqual(cancelled["status"], "Cancelled")

	def test_a_wrong_or_foreign_token_is_refused_and_changes_nothing(self):
		frappe.set_user("Guest")
		mine, other = self.hold(), self.hold(start=at(2, 11), customer_email="bo@example.com")
		for token in (None, "nonsense", other["token"], mine["token"][:-2] + "00"):
			with self.assertRaises(frappe.PermissionError):
				api.cancel(mine["name"], token=token)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Service Appointment", mine["name"], "status"), "Open")

	def test_malformed_hold_input_gets_a_clear_error_and_stores_nothing(self):
		self.assert_nothing_stored(lambda: self.hold(start="2026-13-40 25:00"))
		self.assert_nothing_stored(lambda: self.hold(start=str(at(2, 10))))  # no offset
		self.assert_nothing_stored(lambda: self.hold(customer_email="not-an-email"))
		self.assert_nothing_stored(lambda: self.hold(customer_name="   "))
		self.assert_nothing_stored(lambda: self.hold(service_type="Nope"))
		self.assert_nothing_stored(lambda: self.hold(provider="Nobody"))
		self.assert_nothing_stored(lambda: self.hold(tier="Free"))
		self.assert_nothing_stored(lambda: self.hold(provider=None, latitude=95, longitude=10))
		# A lone UTF-16 surrogate is no character: JSON can carry one, MariaDB cannot store it.
		self.assert_nothing_stored(lambda: self.hold(customer_name="Ann \ud800"))
		self.assert_nothing_stored(lambda: self.hold(tier="\udfff"))

	def test_a_taken_time_is_a_409_and_stores_nothing(self):
		self.hold()
		error = self.assert_nothing_stored(
			lambda: self.hold(customer_email="late@example.com"), SlotUnavailable
		)
		self.assertEqual(error.http_status_code, 409)

	def test_price_and_status_sent_by_the_client_are_ignored(self):
		with self.assertRaises(TypeError):
			self.hold(rate=1)
		held = self.hold()
		self.assertEqual(held["rate"], 50)

	def test_reschedule_through_the_api_keeps_the_token_flow(self):
		frappe.set_user("Guest")
		held = self.hold()
		moved = api.reschedule(held["name"], iso(at(2, 15)), token=held["token"])
		self.assertEqual(moved["rescheduled_from"], held["name"])
		self.assertTrue(moved["token"])
		self.assertEqual(api.appointment(moved["name"], token=moved["token"])["status"], "Open")

	def test_any_provider_through_the_api(self):
		held = self.hold(provider=None)
		self.assertEqual(held["provider"], self.provider.name)

	def test_the_lead_time_is_enforced_on_the_server(self):
		use_booking_settings(lead_time_minutes=60 * 24 * 3)
		with self.assertRaises(frappe.ValidationError) as caught:
			self.hold()
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertIn("too soon", str(caught.exception))

	def test_services_list_prices_and_providers(self):
		frappe.set_user("Guest")
		[row] = [r for r in api.services() if r["name"] == self.service.name]
		self.assertEqual(row["tiers"][0]["rate"], 50)
		self.assertEqual(row["providers"], [self.provider.name])

	def test_manage_tokens_expire(self):
		from frappoint.booking.tokens import signed_token, token_grants

		now = from_site(at(0, 12))
		token = signed_token("APT-X", now + timedelta(minutes=1))
		self.assertTrue(token_grants(token, "APT-X", now))
		self.assertFalse(token_grants(token, "APT-X", now + timedelta(minutes=2)))
		self.assertFalse(token_grants(token, "APT-Y", now))
		encoded, signature = token.split(".")
		for forged in (f"{encoded}.{signature[:-1]}é", f"{encoded}é.{signature}", f"{encoded}.\ud800"):
			self.assertFalse(token_grants(forged, "APT-X", now))  # refused, not an error
