"""Availability reads: which windows a service can be booked in, over a range, for one provider or
all who offer it. Reads only (no locks): the booking itself re-checks under lock. Listing reads each
provider's windows per day from `window_cache`, computing only what is missing there; other apps may
narrow the result (see `extensions`)."""

from datetime import timedelta

import frappe

from frappoint.booking import extensions, locations, records
from frappoint.booking.clock import from_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.ledger import claims_as_core, seat_claims_between, unit_rows, uses_of
from frappoint.booking.locks import read_committed
from frappoint.booking.window_cache import (
	Row,
	WindowCache,
	as_rows,
	as_windows,
	days_between,
	first_lapse,
	lapses_by_day,
	merged,
	reach_of,
)
from frappoint.scheduling import (
	ANY_TIME,
	NotBookable,
	Window,
	acceptable_starts,
	allocate_units,
	bookable_windows,
	in_booking_window,
	seats_taken,
)

DAY = timedelta(days=1)


def providers_for(service_name: str, provider: str | None = None, location: str | None = None) -> list[str]:
	"""Active providers offering the service (only `provider`, only those working at `location`), in
	name order: one query (every availability read asks)."""
	return frappe.db.sql_list(
		"""select p.name from `tabService Provider` p
		where p.active = 1 and exists (select 1 from `tabService Provider Service` s
			where s.parent = p.name and s.parenttype = 'Service Provider' and s.service_type = %(service)s)"""
		+ (" and p.name = %(provider)s" if provider else "")
		+ (" and p.location = %(location)s" if location else "")
		+ " order by p.name",
		{"service": service_name, "provider": provider, "location": location},
	)


def windows_for(
	service,
	range_start,
	range_end,
	provider: str | None = None,
	emergency: bool = False,
	customer: bool = False,
	fresh: bool = False,
	location: str | None = None,
) -> list[Window]:
	"""Bookable windows whose service start lies in [range_start, range_end] (for a `customer`:
	under the customer's booking window, see `records.booking_policy`), of the providers at `location`
	if given. `fresh` reads the ledger itself rather than the cache (for a booking choosing among
	providers)."""
	providers = providers_for(service.name, provider, location)
	if not providers:
		return []
	now = clock_now()
	policy = records.booking_policy(service, customer=customer)
	if fresh:
		windows = computed(service, providers, range_start, range_end, now, emergency)[0]
		windows = in_booking_window(windows, now, policy)
	else:
		windows = as_windows(
			cached(service, providers, range_start, range_end, now, emergency, policy), providers
		)
	return extensions.narrowed(service.name, windows, range_start, range_end)


def free_rows(service, range_start, range_end, provider=None, emergency=False, customer=False, location=None):
	"""The windows `windows_for` lists, as (provider names, rows of integers: see window_cache.Row):
	for answering thousands at once without an object per window. Other apps' hooks take Windows, so
	with a hook installed the windows are made and narrowed first."""
	if extensions.installed():
		return as_rows(
			windows_for(service, range_start, range_end, provider, emergency, customer, location=location)
		)
	providers = providers_for(service.name, provider, location)
	if not providers:
		return [], []
	policy = records.booking_policy(service, customer=customer)
	return providers, cached(service, providers, range_start, range_end, clock_now(), emergency, policy)


def cached(service, providers: list[str], range_start, range_end, now, emergency: bool, policy) -> list[Row]:
	"""The windows (as rows) of these providers starting in [range_start, range_end] inside the
	booking window, from the cache where it has them; what it lacks is computed, reading the ledger
	for just the providers and days missing, and stored."""
	if frappe.db.transaction_writes and not frappe.flags.in_test:
		# This transaction changed something: answer from its own view and store nothing.
		windows = computed(service, providers, range_start, range_end, now, emergency)[0]
		return as_rows(in_booking_window(windows, now, policy), providers)[1]
	read_committed()  # what is computed below must include every change whose version is read next
	days = days_between(range_start, range_end)
	reach = reach_of(records.service_rule(service))
	cache = WindowCache(
		service.name, emergency, bool(records.required_units(service)), providers, days, reach
	)
	found, missing = cache.read(now)
	for wanted, first, last in runs(missing):
		windows, lapses, everywhere = computed(
			service, wanted, first, last + DAY - timedelta(microseconds=1), now, emergency
		)
		places = [(provider, day) for provider in wanted for day in days_between(first, last)]
		found.update(cache.fill(places, windows, lapses, everywhere))
	# The booking window's intervals (the core's rule), narrowed to the range asked for.
	bounds = (range_start.timestamp(), range_end.timestamp())
	intervals = [
		(max(lo.timestamp(), bounds[0]), min(hi.timestamp(), bounds[1]))
		for lo, hi in acceptable_starts(now, policy)
	]
	return merged(found, providers, days, intervals)


def runs(missing: list) -> list[tuple[list[str], object, object]]:
	"""The missing (provider, day) places as few reads as cover exactly them: providers missing the
	same days together, over each run of consecutive days (after a booking: one provider, its days)."""
	by_provider: dict = {}
	for provider, day in missing:
		by_provider.setdefault(provider, set()).add(day)
	groups: dict = {}
	for provider, wanted in by_provider.items():
		groups.setdefault(frozenset(wanted), []).append(provider)
	found = []
	for wanted, providers in groups.items():
		first = last = None
		for day in sorted(wanted):
			if last is not None and day - last == DAY:
				last = day
				continue
			if first is not None:
				found.append((sorted(providers), first, last))
			first = last = day
		found.append((sorted(providers), first, last))
	return found


def computed(service, providers: list[str], range_start, range_end, now, emergency: bool):
	"""Windows starting in [range_start, range_end] at any time of day (no booking window applied),
	per (provider, UTC day) the first moment one of the seat holds counted for it lapses, and the
	first moment a unit hold counted lapses (for every place)."""
	rule = records.service_rule(service)
	first = range_start - timedelta(minutes=rule.buffer_before_minutes)
	last = range_end + timedelta(minutes=rule.block_minutes)
	slots = records.provider_slots(providers, first, last)
	claims = seat_claims_between(providers, first, last)
	slot_keys = {row.slot: (row.provider, from_db(row.slot_start_utc)) for row in claims}
	taken = seats_taken(claims_as_core(claims, slot_keys), now)
	windows = [
		w
		for w in bookable_windows(slots, rule, taken, now=now, policy=ANY_TIME, emergency=emergency)
		if range_start <= w.start <= range_end
	]
	lapses = lapses_by_day(claims, now, reach_of(rule))
	windows, unit_lapse = _with_free_units(service, windows, now)
	return windows, lapses, unit_lapse


def _with_free_units(service, windows: list[Window], now):
	"""The windows whose rooms and machines (at their provider's location) are free too, and when the
	first unit hold counted lapses."""
	required = records.required_units(service)
	if not required or not windows:
		return windows, None
	units = records.service_units(required)
	where = locations.provider_locations({w.provider for w in windows})
	first = min(w.slots[0].start for w in windows)
	last = max(w.slots[-1].end for w in windows)
	rows = unit_rows([u.name for u in units], first, last)
	uses = uses_of(rows, now)
	kept = []
	for window in windows:
		try:
			start, end = window.slots[0].start, window.slots[-1].end
			allocate_units(required, units, uses, start=start, end=end, location=where.get(window.provider))
			kept.append(window)
		except NotBookable:
			continue
	return kept, first_lapse(rows, now, by=lambda row: None).get(None)
