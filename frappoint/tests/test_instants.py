"""Bookings on the nights the clocks change, with the site and its providers in different zones.

The site runs in America/New_York here. The repeated hour of its fall-back night (7 November 2027,
01:00-02:00 local twice) names two instants in a naive site-zone datetime; availability, the ledger
and the journal must all mean the one the customer picked.
"""

import json
from contextlib import contextmanager
from datetime import date, datetime

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import booking as api
from frappoint.booking.clock import from_db, site_zone, to_db, to_site
from frappoint.booking.slot_generation import regenerate
from frappoint.patches import store_utc_instants
from frappoint.scheduling import zone
from frappoint.scheduling.compat import UTC
from frappoint.tests.fixtures import make_provider, make_service, site_timezone, use_booking_settings

FALL_BACK = date(2027, 11, 7)  # New York repeats 01:00-02:00 (05:00-06:00Z, then 06:00-07:00Z)
SPRING_FORWARD = date(2027, 3, 14)  # New York skips 02:00-03:00
LONDON_FALL_BACK = date(2027, 10, 31)  # London repeats 01:00-02:00 (00:00-01:00Z, then 01:00-02:00Z)
NEW_YORK = "America/New_York"


def utc(*args) -> datetime:
	return datetime(*args, tzinfo=UTC)


class TestInstantsAcrossClockChanges(FrappeTestCase):
	def setUp(self):
		self.zone = site_timezone(NEW_YORK)
		self.zone.__enter__()
		use_booking_settings(max_advance_days=730)
		self.service = make_service(duration_minutes=15)

	def tearDown(self):
		frappe.set_user("Administrator")
		self.zone.__exit__(None, None, None)

	def provider(self, timezone: str, weekday: str, start: str, end: str, *days: date):
		provider = make_provider(
			[self.service.name],
			shifts=[{"weekday": weekday, "start_time": start, "end_time": end}],
			generate_days=0,
			timezone=timezone,
			slot_minutes=15,
		)
		for day in days:
			regenerate(provider.name, day, day)
		return provider

	def offered(self, provider, day: date, timezone: str = NEW_YORK) -> list[str]:
		result = api.availability(
			self.service.name, str(day), str(day), provider=provider.name, timezone=timezone
		)
		return [s["start"] for s in result["slots"]]

	def hold(self, provider, start: str) -> dict:
		return api.hold(
			service_type=self.service.name,
			start=start,
			provider=provider.name,
			customer_name="Night Owl",
			customer_email="owl@example.com",
		)

	def test_the_repeated_hour_is_offered_once_per_occurrence_and_each_books_its_own_instant(self):
		self.assertEqual(site_zone().key, NEW_YORK)
		provider = self.provider(NEW_YORK, "Sunday", "00:30:00", "03:00:00", FALL_BACK)
		offered = self.offered(provider, FALL_BACK)
		self.assertEqual(offered.count("2027-11-07T01:30:00-04:00"), 1)
		self.assertEqual(offered.count("2027-11-07T01:30:00-05:00"), 1)
		self.assertEqual(len(offered), len(set(offered)))
		self.assertEqual(len(offered), 14)  # 3.5 elapsed hours

		later = self.hold(provider, "2027-11-07T01:30:00-05:00")
		earlier = self.hold(provider, "2027-11-07T01:30:00-04:00")
		self.assertEqual(later["start"], "2027-11-07T01:30:00-05:00")
		self.assertEqual(earlier["start"], "2027-11-07T01:30:00-04:00")
		for summary, instant in ((later, utc(2027, 11, 7, 6, 30)), (earlier, utc(2027, 11, 7, 5, 30))):
			doc = frappe.get_doc("Service Appointment", summary["name"])
			self.assertEqual(from_db(doc.start_utc), instant)
			self.assertEqual([r.slot for r in doc.slots], [f"{provider.name} {instant:%Y-%m-%d %H:%M}Z"])
			self.assertEqual(from_db(doc.slots[0].slot_start_utc), instant)
			event = frappe.get_all(
				"Appointment Event", filters={"appointment": doc.name}, fields=["changes"]
			)[0]
			self.assertEqual(datetime.fromisoformat(json.loads(event.changes)["start"]), instant)
		# both wall times read 01:30 in the desk: the display twin is what cannot tell them apart
		self.assertEqual(
			*[frappe.db.get_value("Service Appointment", s["name"], "start_time") for s in (later, earlier)]
		)
		left = self.offered(provider, FALL_BACK)
		self.assertNotIn("2027-11-07T01:30:00-05:00", left)
		self.assertNotIn("2027-11-07T01:30:00-04:00", left)
		self.assertEqual(len(left), 12)

	def test_a_provider_in_another_zone_keeps_the_utc_hour_the_site_repeats(self):
		london = self.provider("Europe/London", "Sunday", "05:00:00", "08:00:00", FALL_BACK)
		offered = [datetime.fromisoformat(s) for s in self.offered(london, FALL_BACK, "UTC")]
		self.assertEqual(len(offered), 12)
		for minute in (0, 15, 30, 45):
			self.assertIn(utc(2027, 11, 7, 6, minute), offered)
		booked = self.hold(london, "2027-11-07T06:15:00+00:00")
		self.assertEqual(booked["start"], "2027-11-07T01:15:00-05:00")
		self.assertNotIn(
			utc(2027, 11, 7, 6, 15),
			[datetime.fromisoformat(s) for s in self.offered(london, FALL_BACK, "UTC")],
		)

	def test_the_providers_own_fall_back_night_in_another_zone_than_the_site(self):
		london = self.provider("Europe/London", "Sunday", "00:30:00", "03:00:00", LONDON_FALL_BACK)
		offered = self.offered(london, LONDON_FALL_BACK, "Europe/London")
		self.assertEqual(offered.count("2027-10-31T01:30:00+01:00"), 1)
		self.assertEqual(offered.count("2027-10-31T01:30:00+00:00"), 1)
		self.assertEqual(len(offered), 14)
		booked = self.hold(london, "2027-10-31T01:30:00+00:00")
		self.assertEqual(booked["start"], "2027-10-30T21:30:00-04:00")  # in the site's zone
		self.assertEqual(
			from_db(frappe.db.get_value("Service Appointment", booked["name"], "start_utc")),
			utc(2027, 10, 31, 1, 30),
		)

	def test_spring_forward_skips_the_missing_hour_and_books_either_side(self):
		provider = self.provider(NEW_YORK, "Sunday", "01:00:00", "04:00:00", SPRING_FORWARD)
		offered = self.offered(provider, SPRING_FORWARD)
		self.assertEqual(len(offered), 8)  # 01:00-02:00 EST then 03:00-04:00 EDT
		self.assertFalse([s for s in offered if "T02:" in s])
		self.assertEqual(offered[3:5], ["2027-03-14T01:45:00-05:00", "2027-03-14T03:00:00-04:00"])
		booked = self.hold(provider, "2027-03-14T01:45:00-05:00")
		self.assertEqual(
			from_db(frappe.db.get_value("Service Appointment", booked["name"], "end_utc")),
			utc(2027, 3, 14, 7),
		)
		self.assertEqual(booked["end"], "2027-03-14T03:00:00-04:00")

	def test_a_desk_start_in_the_repeated_hour_means_its_first_occurrence(self):
		provider = self.provider(NEW_YORK, "Sunday", "00:30:00", "03:00:00", FALL_BACK)
		doc = frappe.get_doc(
			{
				"doctype": "Service Appointment",
				"service_type": self.service.name,
				"provider": provider.name,
				"requested_start": "2027-11-07 01:30:00",
				"customer_name": "Desk Walk-in",
			}
		).insert()
		self.assertEqual(from_db(doc.start_utc), utc(2027, 11, 7, 5, 30))


class TestUtcInstantsPatch(FrappeTestCase):
	"""Rows from before the `*_utc` columns get their instants, exactly where the row can tell."""

	def tearDown(self):
		frappe.db.rollback()

	def test_the_patch_recovers_the_second_occurrence_from_the_slot_name(self):
		with site_timezone(NEW_YORK):
			use_booking_settings(max_advance_days=730)
			service = make_service(duration_minutes=15, buffer_after_minutes=15)
			provider = make_provider(
				[service.name],
				shifts=[{"weekday": "Sunday", "start_time": "00:30:00", "end_time": "03:00:00"}],
				generate_days=0,
				timezone=NEW_YORK,
				slot_minutes=15,
			)
			regenerate(provider.name, FALL_BACK, FALL_BACK)
			booked = api.hold(
				service_type=service.name,
				start="2027-11-07T01:45:00-05:00",
				provider=provider.name,
				customer_name="Old Row",
			)
			columns = {
				"Service Appointment": [
					"start_utc",
					"end_utc",
					"block_start_utc",
					"block_end_utc",
					"hold_expires_utc",
				],
				"Service Appointment Slot": ["slot_start_utc", "hold_until_utc"],
				"Service Provider Slot": ["slot_start_utc", "slot_end_utc", "shift_start_utc"],
			}
			parent = {"Service Appointment": "name", "Service Appointment Slot": "parent"}
			before = {}
			for doctype, fields in columns.items():
				where = (
					{"provider": provider.name}
					if doctype == "Service Provider Slot"
					else {parent[doctype]: booked["name"]}
				)
				before[doctype] = frappe.get_all(
					doctype, filters=where, fields=["name", *fields], order_by="name"
				)
				frappe.db.set_value(doctype, where, dict.fromkeys(fields), update_modified=False)
			store_utc_instants.execute()
			for doctype, fields in columns.items():
				where = (
					{"provider": provider.name}
					if doctype == "Service Provider Slot"
					else {parent[doctype]: booked["name"]}
				)
				after = frappe.get_all(doctype, filters=where, fields=["name", *fields], order_by="name")
				# what the old columns could not say (a seat's hold) stays unknown; the rest is exact
				for row in before[doctype]:
					row.pop("hold_until_utc", None)
				self.assertEqual(
					[{k: v for k, v in r.items() if k != "hold_until_utc"} for r in after], before[doctype]
				)
			start = frappe.db.get_value("Service Appointment", booked["name"], ["start_utc", "start_time"])
			self.assertEqual(start[0], to_db(utc(2027, 11, 7, 6, 45)))
			self.assertEqual(start[1], to_site(utc(2027, 11, 7, 5, 45)))  # the same wall time

	def test_reading_an_old_naive_time_prefers_the_first_occurrence_unless_told_later(self):
		ny = zone(NEW_YORK)
		repeated = datetime(2027, 11, 7, 1, 30)
		self.assertEqual(store_utc_instants.reading(repeated, ny), utc(2027, 11, 7, 5, 30))
		self.assertEqual(
			store_utc_instants.reading(repeated, ny, after=utc(2027, 11, 7, 6, 0)), utc(2027, 11, 7, 6, 30)
		)
		self.assertEqual(
			store_utc_instants.utc_from_slot_name("Ann Lee 2027-11-07 06:30Z"), utc(2027, 11, 7, 6, 30)
		)
		self.assertIsNone(store_utc_instants.utc_from_slot_name("hand made"))
