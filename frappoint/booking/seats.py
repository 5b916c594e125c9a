"""Claiming seats and units: for a service starting at an instant, lock the provider's slot rows (and
the units), expire lapsed holds found on the way, ask the core whether the window is bookable, and
write the appointment's ledger rows. Lock order and the unique seat index: `ledger`.
"""

from datetime import timedelta

import frappe
from frappe.utils import cint

from frappoint.booking import extensions, records
from frappoint.booking.clock import from_db, put, to_db, to_site
from frappoint.booking.ledger import (
	claims_as_core,
	lock_lapsed_hold,
	lock_slots,
	lock_units,
	seat_claims,
	unit_uses,
)
from frappoint.booking.lifecycle import expire
from frappoint.scheduling import (
	NotBookable,
	ProviderDay,
	Reason,
	Status,
	allocate_units,
	bookable_windows,
	holds_resources,
	seats_taken,
	why_not,
)


def claim(appointment, service, provider, start, now, policy, emergency: bool) -> None:
	"""Lock `provider`'s slots (and the units) for a service starting at `start`, check them with the
	core, and write the appointment's ledger rows (lock order: see `ledger`); raises NotBookable."""
	rule = records.service_rule(service)
	block_start = start - timedelta(minutes=rule.buffer_before_minutes)
	block_end = block_start + timedelta(minutes=rule.block_minutes)
	rows = lock_slots(provider.name, block_start, block_end)
	slot_keys = {r.name: (r.provider, from_db(r.slot_start_utc)) for r in rows}
	claims = expire_stale_holds(seat_claims(list(slot_keys), current=True), now)
	taken = seats_taken(claims_as_core(claims, slot_keys), now)
	slots = [records.slot_from_row(r) for r in rows]
	window = next(
		(
			w
			for w in bookable_windows(slots, rule, taken, now=now, policy=policy, emergency=emergency)
			if w.start == start
		),
		None,
	)
	if window is None:
		raise NotBookable(_why_not_here(start, rule, provider, taken, now, policy, emergency))
	kept = extensions.narrowed(service.name, [window], start, start)
	if not any(w.start == start and w.provider == provider.name for w in kept):
		raise NotBookable(Reason.FULL, "an availability hook keeps this time free")

	required = records.required_units(service)
	allocation = {}
	if required:  # only units at the provider's location (or at none) may be used: the core's rule
		units = lock_units(required)
		uses = unit_uses([u.name for u in units], block_start, block_end, now, current=True)
		allocation = allocate_units(
			required, units, uses, start=block_start, end=block_end, location=provider.get("location")
		)

	names_by_key = {key: name for name, key in slot_keys.items()}
	used_seats = {}
	for r in claims:
		used_seats.setdefault(r.slot, set()).add(cint(r.seat_no))
	hold_until = appointment.hold_expires_utc if appointment.status == Status.OPEN else None
	block_start, block_end = window.slots[0].start, window.slots[-1].end
	appointment.provider = provider.name
	appointment.location = provider.get("location")
	put(appointment, window.start, "start_utc", "start_time")
	put(appointment, window.end, "end_utc", "end_time")
	put(appointment, block_start, "block_start_utc")
	put(appointment, block_end, "block_end_utc")
	appointment.set("slots", [])
	for slot in window.slots:
		name = names_by_key[slot.key]
		seat = min(set(range(1, slot.capacity + 1)) - used_seats.get(name, set()))
		appointment.append(
			"slots",
			{
				"slot": name,
				"provider": provider.name,
				"slot_start": to_site(slot.start),
				"slot_start_utc": to_db(slot.start),
				"seat_no": seat,
				"seat_key": f"{name}#{seat}",
				"hold_until_utc": hold_until,
			},
		)
	appointment.set("units", [])
	for unit_type, unit_names in allocation.items():
		for unit in unit_names:
			appointment.append(
				"units",
				{
					"service_unit": unit,
					"unit_type": unit_type,
					"block_start": to_site(block_start),
					"block_end": to_site(block_end),
					"block_start_utc": to_db(block_start),
					"block_end_utc": to_db(block_end),
					"hold_until_utc": hold_until,
					"live": 1,
				},
			)


def _why_not_here(start, rule, provider, taken, now, policy, emergency) -> Reason:
	day = ProviderDay(
		provider.name,
		records.shift_pattern(provider),
		records.availability_exceptions(provider.name, start - timedelta(days=2), start + timedelta(days=2)),
		records.slot_minutes(provider),
		max(cint(provider.slot_capacity), 1),
	)
	# When the rules see no obstacle the slot rows are missing or taken: report it as taken.
	return why_not(start, rule, day, taken, now=now, policy=policy, emergency=emergency) or Reason.FULL


def expire_stale_holds(claims: list, now) -> list:
	"""Expire lapsed holds among these claims (their slots are locked) and return the claims left.

	An appointment another transaction is acting on right now is skipped (SKIP LOCKED) and its seats
	count as taken: waiting for it here could deadlock with a cancel that waits for our slot locks.
	"""
	stale = sorted(
		{
			r.appointment
			for r in claims
			if r.hold_until_utc and not holds_resources(Status.OPEN, from_db(r.hold_until_utc), now)
		}
	)
	expired = set()
	for name in stale:
		if lock_lapsed_hold(name):
			expire(name)
			expired.add(name)
	return [r for r in claims if r.appointment not in expired]
