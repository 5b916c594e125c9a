"""Cached availability (booking.window_cache) changes the moment what decides it changes: bookings,
cancellations from the desk, lapsing holds, leave, service rules and rooms shared between providers.
Every check reads availability twice, so the second read comes from the cache."""

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions, window_cache
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_db, from_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.numbering import APPOINTMENT_NUMBERS
from frappoint.tests.fixtures import (
	at,
	book,
	day,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	use_booking_settings,
)


class TestWindowCache(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service(duration_minutes=30)
		self.provider = make_provider([self.service.name])
		self.start = from_site(at(1, 10))

	def starts(self, provider=None, service=None) -> set:
		svc = frappe.get_doc("Service Type", (service or self.service).name)
		first = from_site(at(1, 0))
		found = [windows_for(svc, first, first + timedelta(days=1), provider=provider) for _ in range(2)]
		self.assertEqual(found[0], found[1])  # the second read, from the cache, agrees with the first
		return {w.start for w in found[1] if w.provider == (provider or self.provider.name)}

	def test_a_booking_and_its_cancellation_in_the_desk_show_at_once(self):
		self.assertIn(self.start, self.starts())
		appointment = book(self.service.name, self.provider.name, at(1, 10))
		self.assertNotIn(self.start, self.starts())
		doc = frappe.get_doc("Service Appointment", appointment.name)
		doc.cancel_appointment()  # the desk's Cancel button
		self.assertIn(self.start, self.starts())

	def test_a_hold_lapses_in_the_cache_without_any_write(self):
		held = book(self.service.name, self.provider.name, at(1, 10))
		self.assertNotIn(self.start, self.starts())
		later = from_db(held.hold_expires_utc) + timedelta(seconds=1)
		with patch("frappoint.booking.availability.clock_now", return_value=later):
			self.assertIn(self.start, self.starts())

	def test_leave_taken_after_a_read_removes_its_times(self):
		self.assertIn(self.start, self.starts())
		frappe.get_doc(
			{
				"doctype": "Provider Availability Exception",
				"provider": self.provider.name,
				"kind": "Leave",
				"from_datetime": at(1, 9),
				"to_datetime": at(1, 12),
			}
		).insert()
		frappe.get_doc("Service Provider", self.provider.name).generate_slots()
		self.assertNotIn(self.start, self.starts())

	def test_a_longer_buffer_on_the_service_narrows_the_day_at_once(self):
		before = self.starts()
		self.service.reload()
		self.service.buffer_after_minutes = 60
		self.service.save()
		after = self.starts()
		self.assertTrue(after < before, "a longer block leaves fewer starts before the shift ends")
		self.assertNotIn(from_site(at(1, 16)), after)

	def test_a_room_taken_through_one_provider_is_gone_for_another(self):
		room_type = make_unit_type()
		make_unit(room_type.name)
		service = make_service(
			duration_minutes=30, required_unit_types=[{"unit_type": room_type.name, "qty": 1}]
		)
		first = make_provider([service.name])
		second = make_provider([service.name])
		self.assertIn(self.start, self.starts(second.name, service))
		book(service.name, first.name, at(1, 10))
		self.assertNotIn(self.start, self.starts(second.name, service))

	def test_an_entry_records_when_its_first_hold_lapses(self):
		held = book(self.service.name, self.provider.name, at(1, 10))
		self.starts()

		def entries():
			place = [self.provider.name], [window_cache.day_of(self.start)]
			return window_cache.WindowCache(self.service.name, False, False, *place).read(clock_now())

		found, missing = entries()
		self.assertFalse(missing)
		[entry] = found.values()
		self.assertEqual(entry[0], int(from_db(held.hold_expires_utc).timestamp()))
		actions.confirm(held.name)
		found, missing = entries()
		self.assertEqual(len(missing), 1, "confirming changed the provider's version")


class TestSeatsByProvider(FrappeTestCase):
	def test_availability_reads_the_seats_of_the_providers_it_asks_about_only(self):
		from frappoint.booking.ledger import seat_claims_between
		from frappoint.patches import seat_provider

		use_booking_settings()
		svc = make_service()
		mine, other = make_provider([svc.name]), make_provider([svc.name])
		booked = [book(svc.name, p.name, at(1, 10)) for p in (mine, other)]
		first, last = from_site(at(1, 0)), from_site(at(2, 0))
		found = seat_claims_between([mine.name], first, last)
		self.assertEqual({r.appointment for r in found}, {booked[0].name})
		self.assertEqual({r.provider for r in booked[0].slots}, {mine.name})
		# Seats stored before the column existed learn their provider from their slot.
		frappe.db.set_value("Service Appointment Slot", {"parent": booked[1].name}, "provider", None)
		self.assertEqual(seat_claims_between([other.name], first, last), [])
		seat_provider.execute()
		self.assertEqual(
			{r.appointment for r in seat_claims_between([other.name], first, last)}, {booked[1].name}
		)


class TestAppointmentNumbers(FrappeTestCase):
	def test_bookings_are_numbered_from_the_sequence_not_a_locked_counter_row(self):
		use_booking_settings()
		svc = make_service()
		provider = make_provider([svc.name])
		counter = frappe.db.sql("select current from `tabSeries` where name = %s", f"APT-{day(0):%Y}-")
		first = book(svc.name, provider.name, at(1, 10))
		second = book(svc.name, provider.name, at(1, 11))
		number = lambda name: int(name.rsplit("-", 1)[1])  # noqa: E731
		self.assertTrue(first.name.startswith(f"APT-{day(0):%Y}-"))
		self.assertEqual(number(second.name), number(first.name) + 1)
		self.assertEqual(
			frappe.db.sql("select current from `tabSeries` where name = %s", f"APT-{day(0):%Y}-"), counter
		)
		self.assertGreater(
			frappe.db.sql(f"select nextval(`{APPOINTMENT_NUMBERS}`)")[0][0], number(second.name)
		)

	def test_an_action_leaves_no_version_row_and_its_history_is_in_the_timeline(self):
		use_booking_settings()
		svc = make_service()
		provider = make_provider([svc.name])
		held = book(svc.name, provider.name, at(1, 10))
		actions.confirm(held.name)
		self.assertFalse(
			frappe.get_all("Version", filters={"ref_doctype": "Service Appointment", "docname": held.name})
		)
		from frappoint.booking.journal import timeline

		self.assertEqual(len(timeline("Service Appointment", held.name)), 2)  # held, confirmed
