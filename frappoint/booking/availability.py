"""Availability reads: which windows a service can be booked in, over a range, for one provider or
all who offer it. Reads only (no locks): the booking itself re-checks under lock. Other apps may
narrow the result (see `extensions`)."""

from datetime import timedelta

import frappe

from frappoint.booking import extensions, records
from frappoint.booking.clock import now as clock_now
from frappoint.booking.service import claims_as_core, seat_claims_between, unit_uses
from frappoint.scheduling import NotBookable, Window, allocate_units, bookable_windows, seats_taken


def providers_for(service_name: str, provider: str | None = None) -> list[str]:
	filters = {"service_type": service_name, "parenttype": "Service Provider"}
	if provider:
		filters["parent"] = provider
	offering = frappe.get_all("Service Provider Service", filters=filters, pluck="parent", distinct=True)
	if not offering:
		return []
	return frappe.get_all(
		"Service Provider", filters={"name": ("in", offering), "active": 1}, pluck="name", order_by="name"
	)


def windows_for(
	service,
	range_start,
	range_end,
	provider: str | None = None,
	emergency: bool = False,
	customer: bool = False,
) -> list[Window]:
	"""Bookable windows whose service start lies in [range_start, range_end] (for a `customer`:
	under the customer's booking window, see `records.booking_policy`)."""
	rule = records.service_rule(service)
	providers = providers_for(service.name, provider)
	if not providers:
		return []
	now = clock_now()
	policy = records.booking_policy(service, customer=customer)
	first = range_start - timedelta(minutes=rule.buffer_before_minutes)
	last = range_end + timedelta(minutes=rule.block_minutes)
	slots = records.provider_slots(providers, first, last)
	wanted = set(providers)
	claims, slot_keys = [], {}
	for row in seat_claims_between(first, last):
		key = records.slot_key(row.slot)
		if key and key[0] in wanted:
			claims.append(row)
			slot_keys[row.slot] = key
	taken = seats_taken(claims_as_core(claims, slot_keys), now)
	windows = [
		w
		for w in bookable_windows(slots, rule, taken, now, policy, emergency)
		if range_start <= w.start <= range_end
	]
	return extensions.narrowed(service.name, _with_free_units(service, windows, now), range_start, range_end)


def _with_free_units(service, windows: list[Window], now) -> list[Window]:
	required = records.required_units(service)
	if not required or not windows:
		return windows
	units = records.service_units(required)
	first = min(w.slots[0].start for w in windows)
	last = max(w.slots[-1].end for w in windows)
	uses = unit_uses([u.name for u in units], first, last, now)
	kept = []
	for window in windows:
		try:
			allocate_units(required, units, uses, window.slots[0].start, window.slots[-1].end)
			kept.append(window)
		except NotBookable:
			continue
	return kept
