"""Booking outside the rules: a manager squeezes in an emergency outside the provider's shifts or
beyond a slot's capacity, with a reason.

Such a booking is Confirmed at once at the time asked, for the service's length, with the provider
named. It takes what is free, as any booking would: a seat on each of the provider's slots in its
block and each unit (room, machine) its service requires, under the ledger's locks (slots, then
units) and unique seat index, so that time is off sale for everyone else. Only what is not free (no
slot there, a full slot, no unit of a type left) is overbooked, knowingly: that is written on the
appointment (`overbooked`) and in its journal event. Only Frappoint Managers (and System Managers)
may; the reason is journaled with the booking (event `booked_with_override`) and shown on it.
"""

from datetime import timedelta

import frappe
from frappe import _

from frappoint.booking import records
from frappoint.booking.clock import from_db, put, to_db, to_site
from frappoint.booking.errors import InvalidBookingInput
from frappoint.booking.ledger import lock_slots, lock_units, seat_claims, unit_uses
from frappoint.scheduling import Status
from frappoint.scheduling.resources import free_units, usable_at

OVERRIDE_ROLES = {"Frappoint Manager", "System Manager"}
MAX_REASON_LENGTH = 1000
# An emergency is often typed in after it began: at least this far back, whatever the Settings say
# about recording past bookings.
MIN_DAYS_BACK = 1


def may_override(user: str) -> bool:
	return user == "Administrator" or bool(OVERRIDE_ROLES & set(frappe.get_roles(user)))


def place(appointment, service, start, now, expire_stale_holds) -> None:
	"""Fill `appointment` as an override booking at `start` (aware), or refuse. `expire_stale_holds` is
	the booking service's (lapsed holds on the way give their seats back)."""
	if not may_override(frappe.session.user):
		frappe.throw(_("Only a Frappoint Manager can book outside the rules."), frappe.PermissionError)
	appointment.override_reason = (appointment.override_reason or "").strip()
	if len(appointment.override_reason) < 3:
		frappe.throw(_("Say why this booking goes outside the rules."), exc=InvalidBookingInput)
	if len(appointment.override_reason) > MAX_REASON_LENGTH:
		frappe.throw(
			_("Say why in at most {0} characters.").format(MAX_REASON_LENGTH), exc=InvalidBookingInput
		)
	if not appointment.provider or not frappe.db.exists("Service Provider", appointment.provider):
		frappe.throw(_("Choose the provider for a booking outside the rules."), exc=InvalidBookingInput)
	check_horizon(service, start, now)
	provider = frappe.get_cached_doc("Service Provider", appointment.provider)
	rule = records.service_rule(service)
	end = start + timedelta(minutes=rule.duration_minutes)
	block_start = start - timedelta(minutes=rule.buffer_before_minutes)
	block_end = end + timedelta(minutes=rule.buffer_after_minutes)
	appointment.status = Status.CONFIRMED.value
	put(appointment, None, "hold_expires_utc", "hold_expires_at")
	put(appointment, start, "start_utc", "start_time")
	put(appointment, end, "end_utc", "end_time")
	put(appointment, block_start, "block_start_utc")
	put(appointment, block_end, "block_end_utc")
	# The ledger's lock order: the provider's slots, then the units.
	short_slots = take_free_seats(appointment, provider, block_start, block_end, now, expire_stale_holds)
	short_units = take_free_units(appointment, service, provider.get("location"), block_start, block_end, now)
	appointment.overbooked = overbooked_note(short_slots, short_units) or None
	if short_slots or short_units:
		appointment.flags.journal_extra = {
			"overbooked": {
				"slots": [
					{"from": s.isoformat(), "to": e.isoformat(), "why": why} for s, e, why in short_slots
				],
				"units": short_units,
			}
		}
	appointment.flags.journal_event = "booked_with_override"


def check_horizon(service, start, now) -> None:
	"""Outside the rules, yet within the booking horizon: at most Max Advance Days ahead (no slots are
	made further), and back at most Max Past Days when past bookings are allowed (a day at least)."""
	policy = records.booking_policy(service)
	days_back = max(policy.max_past_days if policy.allow_past_booking else 0, MIN_DAYS_BACK)
	if now - timedelta(days=days_back) <= start <= now + timedelta(days=policy.max_advance_days):
		return
	frappe.throw(
		_("A booking outside the rules must start within {0} days from now, or at most {1} days ago.").format(
			policy.max_advance_days, days_back
		),
		exc=InvalidBookingInput,
		title=_("Invalid input"),
	)


def take_free_seats(appointment, provider, block_start, block_end, now, expire_stale_holds) -> list[tuple]:
	"""Claim a free seat on each of the provider's slots overlapping the block (one client, one seat,
	as any booking); returns the periods left overbooked: (start, end, "full" or "no_slot")."""
	# A slot starting up to one grid step before the block may still overlap it (an off-grid start).
	grid = timedelta(minutes=records.slot_minutes(provider))
	rows = [
		r
		for r in lock_slots(provider.name, block_start - grid + timedelta(microseconds=1), block_end)
		if from_db(r.slot_end_utc) > block_start
	]
	taken: dict[str, set[int]] = {}
	for claim in expire_stale_holds(seat_claims([r.name for r in rows], current=True), now):
		taken.setdefault(claim.slot, set()).add(int(claim.seat_no))
	short, cursor = [], block_start
	appointment.set("slots", [])
	for row in rows:
		slot_start, slot_end = from_db(row.slot_start_utc), from_db(row.slot_end_utc)
		if slot_start > cursor:
			short.append((cursor, slot_start, "no_slot"))
		cursor = max(cursor, slot_end)
		free = sorted(set(range(1, max(int(row.capacity or 0), 1) + 1)) - taken.get(row.name, set()))
		if not free:
			short.append((max(slot_start, block_start), min(slot_end, block_end), "full"))
			continue
		appointment.append(
			"slots",
			{
				"slot": row.name,
				"provider": provider.name,
				"slot_start": to_site(slot_start),
				"slot_start_utc": to_db(slot_start),
				"seat_no": free[0],
				"seat_key": f"{row.name}#{free[0]}",
				"hold_until_utc": None,
			},
		)
	if cursor < block_end:
		short.append((cursor, block_end, "no_slot"))
	return short


def take_free_units(appointment, service, location, block_start, block_end, now) -> dict[str, int]:
	"""Allocate the free units the service requires over the block (the core's choice among those at
	the provider's location); returns how many of each type were not free."""
	appointment.set("units", [])
	required = records.required_units(service)
	if not required:
		return {}
	units = [u for u in lock_units(required) if usable_at(u, location)]
	uses = unit_uses([u.name for u in units], block_start, block_end, now, current=True)
	short = {}
	for unit_type in sorted(required):
		chosen = free_units(unit_type, units, uses, start=block_start, end=block_end)[: required[unit_type]]
		if len(chosen) < required[unit_type]:
			short[unit_type] = required[unit_type] - len(chosen)
		for unit in chosen:
			appointment.append(
				"units",
				{
					"service_unit": unit.name,
					"unit_type": unit_type,
					"block_start": to_site(block_start),
					"block_end": to_site(block_end),
					"block_start_utc": to_db(block_start),
					"block_end_utc": to_db(block_end),
					"hold_until_utc": None,
					"live": 1,
				},
			)
	return short


def overbooked_note(short_slots: list[tuple], short_units: dict[str, int]) -> str:
	"""What a person reads on the form: each overbooked period (site time) and unit type."""

	def shown(instant):
		return to_site(instant).strftime("%H:%M")

	lines = [
		(
			_("{0}–{1}: the provider's slot is full")
			if why == "full"
			else _("{0}–{1}: the provider has no slot then")
		).format(shown(start), shown(end))
		for start, end, why in short_slots
	]
	lines += [
		_("{0}: {1} more needed than are free").format(unit_type, n) for unit_type, n in short_units.items()
	]
	return "\n".join(lines)
