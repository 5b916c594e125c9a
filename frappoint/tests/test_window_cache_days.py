"""A booking invalidates the cached availability of its own provider's days only (booking.window_cache):
the other providers' entries and the provider's other days stay valid, and the next read computes
just what was invalidated. Shown by the entries' keys and the ledger reads, not by timings."""

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.ledger import seat_claims_between
from frappoint.booking.window_cache import WindowCache, day_of, days_between
from frappoint.tests.fixtures import at, book, make_provider, make_service, use_booking_settings

DAY = timedelta(days=1)


class TestWindowCacheDays(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service(duration_minutes=30)
		self.booked = make_provider([self.service.name], generate_days=7).name
		self.other = make_provider([self.service.name], generate_days=7).name
		self.first, self.last = from_site(at(1, 0)), from_site(at(6, 0))
		self.start = from_site(at(3, 10))
		self.seat_day = day_of(self.start)

	def windows(self, fresh=False):
		svc = frappe.get_doc("Service Type", self.service.name)
		return windows_for(svc, self.first, self.last, fresh=fresh)

	def entries(self):
		"""The cache's keys for both providers over the range, and which of them it holds."""
		days = days_between(self.first, self.last)
		cache = WindowCache(self.service.name, False, False, [self.booked, self.other], days)
		return cache.keys, cache.read(clock_now())[1]

	def test_a_booking_leaves_other_providers_and_other_days_cached(self):
		self.windows()
		keys, missing = self.entries()
		self.assertEqual(missing, [], "the first read filled every provider's every day")
		book(self.service.name, self.booked, at(3, 10))
		after, missing = self.entries()
		# A 30-minute service: a seat on day D is used by windows starting on D, or late on D - 1.
		touched = {(self.booked, self.seat_day - DAY), (self.booked, self.seat_day)}
		self.assertEqual(set(missing), touched)
		self.assertEqual({place for place in keys if keys[place] != after[place]}, touched)
		self.assertGreater(len(keys), len(touched) + 8, "two providers over six days")

	def test_the_read_after_a_booking_computes_only_the_invalidated_days(self):
		self.windows()
		book(self.service.name, self.booked, at(3, 10))
		with patch(
			"frappoint.booking.availability.seat_claims_between", wraps=seat_claims_between
		) as ledger_read:
			cached = self.windows()
		[(providers, first, last)] = [call.args for call in ledger_read.call_args_list]
		self.assertEqual(providers, [self.booked])
		self.assertGreaterEqual(first, self.seat_day - 2 * DAY)
		self.assertLess(last, self.seat_day + 2 * DAY)
		self.assertNotIn(self.start, {w.start for w in cached if w.provider == self.booked})
		shape = lambda windows: [(w.provider, w.start, w.end, w.free_seats) for w in windows]  # noqa: E731
		self.assertEqual(
			shape(cached), shape(self.windows(fresh=True)), "the cache says what the ledger says"
		)
		_keys, missing = self.entries()
		self.assertEqual(missing, [], "the read stored what it computed")

	def test_cancelling_frees_the_time_in_the_cache_at_once(self):
		appointment = book(self.service.name, self.booked, at(3, 10))
		self.assertNotIn(self.start, {w.start for w in self.windows() if w.provider == self.booked})
		frappe.get_doc("Service Appointment", appointment.name).cancel_appointment()
		self.assertIn(self.start, {w.start for w in self.windows() if w.provider == self.booked})
