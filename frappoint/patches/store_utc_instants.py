"""Fill the `*_utc` columns of rows written before booking decisions moved to UTC instants.

Rows stored only a naive site-timezone time, which names two instants in the repeated hour of a
fall-back night. Where the row carries more, the exact instant is recovered: a slot's name holds its
UTC start, a seat takes its slot's, an appointment's block is what its seats' slots cover, and an end is
the first reading after its start. Anything else gets the first occurrence, which is how these rows were
read before, so no booking changes meaning.
"""

from datetime import datetime, timedelta

import frappe

from frappoint.booking.clock import site_zone, to_db
from frappoint.booking.records import slot_key
from frappoint.scheduling.compat import UTC

SLOT = "Service Provider Slot"
SEAT = "Service Appointment Slot"
UNIT = "Service Appointment Unit"
APPOINTMENT = "Service Appointment"


def execute():
	tz = site_zone()
	# In this order: each step reads what the one before filled.
	_fill(SLOT, _slots(tz))
	_fill(SEAT, _seats(tz))
	_fill(APPOINTMENT, _appointments(tz))
	_fill(UNIT, _units(tz))


def reading(value, tz, after: datetime | None = None) -> datetime | None:
	"""The instant a naive site time names: its first occurrence, or the first one later than `after`."""
	if not value:
		return None
	for fold in (0, 1):
		instant = frappe.utils.get_datetime(value).replace(tzinfo=tz, fold=fold).astimezone(UTC)
		if after is None or instant > after:
			return instant
	return instant


def utc_from_slot_name(name: str) -> datetime | None:
	"""`<provider> 2026-11-01 05:30Z` -> the UTC instant in it."""
	key = slot_key(name)
	return key[1] if key else None


def _slots(tz):
	for r in _rows(SLOT, "slot_start_utc", ["slot_start", "slot_end", "shift_start"]):
		start = utc_from_slot_name(r.name) or reading(r.slot_start, tz)
		yield (
			r.name,
			{
				"slot_start_utc": start,
				"slot_end_utc": reading(r.slot_end, tz, after=start),
				"shift_start_utc": reading(r.shift_start, tz),
			},
		)


def _seats(tz):
	starts = dict(frappe.db.sql(f"select name, slot_start_utc from `tab{SLOT}`"))
	for r in _rows(SEAT, "slot_start_utc", ["slot", "slot_start"], legacy=["hold_until"]):
		start = starts.get(r.slot)
		yield (
			r.name,
			{
				"slot_start_utc": start.replace(tzinfo=UTC) if start else reading(r.slot_start, tz),
				"hold_until_utc": reading(r.get("hold_until"), tz),
			},
		)


def _appointments(tz):
	# The block an appointment's seats cover, from their slots' exact instants.
	blocks = {
		parent: (first.replace(tzinfo=UTC), last.replace(tzinfo=UTC))
		for parent, first, last in frappe.db.sql(
			f"""select seat.parent, min(slot.slot_start_utc), max(slot.slot_end_utc)
			from `tab{SEAT}` seat join `tab{SLOT}` slot on slot.name = seat.slot
			group by seat.parent"""
		)
	}
	for r in _rows(
		APPOINTMENT,
		"start_utc",
		["start_time", "end_time", "hold_expires_at"],
		legacy=["block_start", "block_end"],
	):
		block_start, block_end = blocks.get(r.name) or (None, None)
		block_start = block_start or reading(r.get("block_start"), tz)
		just_before = block_start - timedelta(microseconds=1) if block_start else None
		start = reading(r.start_time, tz, after=just_before)
		yield (
			r.name,
			{
				"block_start_utc": block_start,
				"block_end_utc": block_end or reading(r.get("block_end"), tz, after=block_start),
				"start_utc": start,
				"end_utc": reading(r.end_time, tz, after=start),
				"hold_expires_utc": reading(r.hold_expires_at, tz),
			},
		)


def _units(tz):
	blocks = {
		r.name: r
		for r in frappe.db.sql(
			f"select name, block_start_utc, block_end_utc from `tab{APPOINTMENT}`", as_dict=True
		)
	}
	for r in _rows(UNIT, "block_start_utc", ["parent", "block_start", "block_end"], legacy=["hold_until"]):
		block = blocks.get(r.parent)
		yield (
			r.name,
			{
				"block_start_utc": block.block_start_utc if block else to_db(reading(r.block_start, tz)),
				"block_end_utc": block.block_end_utc if block else to_db(reading(r.block_end, tz)),
				"hold_until_utc": reading(r.get("hold_until"), tz),
			},
		)


def _rows(doctype: str, new_field: str, fields: list[str], legacy: list[str] = ()):
	"""Rows not filled yet, with the columns to read (a renamed field's old column, if still there)."""
	columns = ["name", *fields, *(f for f in legacy if frappe.db.has_column(doctype, f))]
	return frappe.db.sql(
		f"select {', '.join(f'`{c}`' for c in columns)} from `tab{doctype}` where `{new_field}` is null",
		as_dict=True,
	)


def _fill(doctype: str, updates) -> None:
	changes = {
		name: {field: to_db(v) if isinstance(v, datetime) and v.tzinfo else v for field, v in values.items()}
		for name, values in updates
	}
	if changes:
		frappe.db.bulk_update(doctype, changes, chunk_size=500, update_modified=False)
