"""Availability reads: which windows a service can be booked in, over a range, for one provider or
all who offer it. Reads only (no locks): the booking itself re-checks under lock. Other apps may
narrow the result (see `extensions`)."""

from datetime import timedelta

import frappe

from frappoint.booking import extensions, records
from frappoint.booking.clock import from_db, to_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.service import claims_as_core, seat_claims, unit_uses
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
	before = timedelta(minutes=rule.buffer_before_minutes)
	rows = frappe.get_all(
		"Service Provider Slot",
		filters={
			"provider": ("in", providers),
			"slot_start_utc": (
				"between",
				[to_db(range_start - before), to_db(range_end + timedelta(minutes=rule.block_minutes))],
			),
		},
		fields=["name", "provider", "slot_start_utc", "slot_end_utc", "shift_start_utc", "capacity"],
		order_by="provider, slot_start_utc",
		limit_page_length=0,
	)
	slot_keys = {r.name: (r.provider, from_db(r.slot_start_utc)) for r in rows}
	taken = seats_taken(claims_as_core(seat_claims(list(slot_keys)), slot_keys), now)
	windows = [
		w
		for w in bookable_windows(
			[records.slot_from_row(r) for r in rows], rule, taken, now, policy, emergency
		)
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
