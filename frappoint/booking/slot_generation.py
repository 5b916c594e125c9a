"""Keeping Service Provider Slot rows in step with shifts and exceptions.

Regeneration compares what the core generates with what is stored for the same days, inserts the
missing slots in bulk, deletes unwanted future slots nobody holds, and reports (never touches) held
or booked slots that no longer fit the shifts. Slot rows in range are locked first, in start order,
the same order a booking locks them.

A pass over every provider (`regenerate_all`) costs what changed, not what is stored: each provider
keeps a fingerprint of everything that decides its slots (`slot_fingerprint`: shifts, exceptions,
slot size, capacity, timezones, and the last day generated). A provider whose inputs are unchanged
is skipped; one whose horizon only moved on gets its new days; any other change, or a conflict left
open last time, regenerates its whole horizon.
"""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import frappe
from frappe.utils import cint, get_system_timezone, now_datetime
from pymysql.converters import escape_string

from frappoint.booking import conflicts, records, waitlist, window_cache
from frappoint.booking.clock import from_db, site_zone, to_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.ledger import seat_claims
from frappoint.booking.locks import commit_job_step, read_committed
from frappoint.scheduling import generate_slots, local_instant, wall_time, zone

SLOT = "Service Provider Slot"


@dataclass
class SlotReport:
	provider: str
	created: int = 0
	removed: int = 0
	kept: int = 0
	conflicts: list[str] = field(default_factory=list)
	unchanged: bool = False  # skipped: nothing that decides its slots changed since the last pass

	def as_dict(self):
		return {
			"provider": self.provider,
			"created": self.created,
			"removed": self.removed,
			"kept": self.kept,
			"conflicts": self.conflicts,
			"unchanged": self.unchanged,
		}


def slot_name(provider: str, start_utc) -> str:
	# UTC in the name: a site-local time can repeat when clocks go back.
	return f"{provider} {start_utc:%Y-%m-%d %H:%M}Z"


def regenerate(provider_name: str, first_day: date, last_day: date) -> SlotReport:
	provider = frappe.get_doc("Service Provider", provider_name)
	report = SlotReport(provider_name)
	tz = zone(provider.timezone)
	range_start = local_instant(first_day, time(0), tz)
	range_end = local_instant(last_day + timedelta(days=1), time(0), tz)
	wanted = []
	if cint(provider.active) and provider.shifts:
		exceptions = records.availability_exceptions(
			provider.name, range_start - timedelta(days=1), range_end + timedelta(days=2)
		)
		wanted = generate_slots(
			provider.name,
			records.shift_pattern(provider),
			exceptions,
			first_day=first_day,
			last_day=last_day,
			slot_minutes=records.slot_minutes(provider),
			capacity=max(cint(provider.slot_capacity), 1),
		)
	stored = frappe.db.sql(
		"""select name, slot_start_utc, slot_end_utc, capacity from `tabService Provider Slot`
		where provider = %(provider)s and shift_start_utc >= %(start)s and shift_start_utc < %(end)s
		order by slot_start_utc for update""",
		{"provider": provider.name, "start": to_db(range_start), "end": to_db(range_end)},
		as_dict=True,
	)
	wanted_by_name = {slot_name(provider.name, s.start): s for s in wanted}
	claims = seat_claims([r.name for r in stored], current=True)
	held = {r.slot for r in claims}
	now = clock_now()
	unwanted = []
	for row in stored:
		slot = wanted_by_name.get(row.name)
		same = (
			slot is not None
			and slot.end == from_db(row.slot_end_utc)
			and cint(slot.capacity) == cint(row.capacity)
		)
		if same:
			wanted_by_name.pop(row.name)
			report.kept += 1
		elif row.name in held:
			wanted_by_name.pop(row.name, None)
			report.conflicts.append(row.name)
		elif from_db(row.slot_start_utc) > now:
			unwanted.append(row.name)
		else:
			wanted_by_name.pop(row.name, None)  # the past stays as it was
	if unwanted:
		frappe.db.delete(SLOT, {"name": ("in", unwanted)})
		report.removed = len(unwanted)
	_insert(provider.name, wanted_by_name)
	report.created = len(wanted_by_name)
	if unwanted or wanted_by_name:
		window_cache.bump([provider.name])
	if wanted_by_name:  # new times: someone may be waiting for them
		for row in provider.services:
			waitlist.enqueue_offers(row.service_type, f"slots:{provider.name}")
	conflicting = set(report.conflicts)
	conflicts.reflag(
		provider.name, range_start, range_end, {c.appointment for c in claims if c.slot in conflicting}
	)
	return report


INSERT_COLUMNS = (
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "provider", "slot_start",
	"slot_end", "shift_start", "slot_start_utc", "slot_end_utc", "shift_start_utc", "capacity",
)  # fmt: skip
INSERT_CHUNK = 500


def _insert(provider: str, slots_by_name: dict) -> None:
	"""Multi-row INSERTs written as literals: `frappe.db.bulk_insert` builds its statement value by
	value with pypika, and pymysql escapes each parameter in Python, which together cost more than the
	rest of a first generation. Text is escaped as pymysql escapes it (no `%%`: a statement without
	parameters is sent as it is); instants are naive datetimes printed by `isoformat` (the core's slots
	are aware UTC, whole minutes). A thread writes the next statement while MariaDB runs this one (the
	socket wait releases the GIL): the two cores work at once."""
	if not slots_by_name:
		return
	site, stamp = site_zone(), _quoted(str(now_datetime()))
	user = _quoted(frappe.session.user)
	fixed = f"{stamp}, {stamp}, {user}, {user}, 0, {_quoted(provider)}"
	head = f"insert ignore into `tab{SLOT}` (" + ", ".join(f"`{c}`" for c in INSERT_COLUMNS) + ") values "

	def statement(items) -> str:
		rows = []
		for name, s in items:
			wall = [
				t.astimezone(site).replace(tzinfo=None).isoformat(" ")
				for t in (s.start, s.end, s.shift_start)
			]
			utc = [t.replace(tzinfo=None).isoformat(" ") for t in (s.start, s.end, s.shift_start)]
			rows.append(
				f"({_quoted(name)}, {fixed}, '{wall[0]}', '{wall[1]}', '{wall[2]}', '{utc[0]}', '{utc[1]}', "
				f"'{utc[2]}', {int(s.capacity)})"
			)
		return head + ", ".join(rows)

	items = sorted(slots_by_name.items())
	chunks = [items[at : at + INSERT_CHUNK] for at in range(0, len(items), INSERT_CHUNK)]
	with ThreadPoolExecutor(max_workers=1) as writer:
		upcoming = writer.submit(statement, chunks[0])
		for index in range(len(chunks)):
			sql = upcoming.result()
			if index + 1 < len(chunks):
				upcoming = writer.submit(statement, chunks[index + 1])
			frappe.db.sql(sql)


def _quoted(value: str) -> str:
	return "'" + escape_string(value) + "'"


def horizon_days(provider) -> tuple[date, date]:
	"""Today (in the provider's timezone) to the booking horizon."""
	today = clock_now().astimezone(zone(provider.timezone)).date()
	return today, today + timedelta(days=max(cint(records.settings().max_advance_days), 1))


def regenerate_all(
	providers: list[str] | None = None, publish: bool = False, commit: bool = False, force: bool = False
) -> list[dict]:
	"""Every active provider over its rolling horizon (the scheduler job and the desk button). A
	provider whose fingerprint says nothing changed is skipped, one whose horizon only moved on gets
	its new days (see the module docstring); `force` regenerates every horizon whole."""
	read_committed()  # like a booking: row locks only (see `locks`)
	names = providers or frappe.get_all(
		"Service Provider", filters={"active": 1}, pluck="name", order_by="name"
	)
	inputs = slot_inputs(names)
	reports = []
	for index, name in enumerate(names, start=1):
		rules = inputs.get(name)
		first, last = horizon_days(rules or frappe.get_cached_doc("Service Provider", name))
		stored = _parse_fingerprint(rules and rules.stored)
		if force or rules is None or stored is None or stored["rules"] != rules.rules or stored["open"]:
			report = regenerate(name, first, last)
		elif stored["last"] < last:  # only the horizon moved on: the new days
			report = regenerate(name, max(first, stored["last"] + timedelta(days=1)), last)
		elif stored["last"] > last:  # a shorter horizon: whole, as before
			report = regenerate(name, first, last)
		else:
			report = SlotReport(name, unchanged=True)
		if rules is not None and not report.unchanged:
			_store_fingerprint(name, rules.rules, last, len(report.conflicts))
		reports.append(report.as_dict())
		if commit:
			commit_job_step()  # a job: each provider is its own transaction
		if publish:
			frappe.publish_progress(
				index * 100 / len(names), title=frappe._("Generating slots"), description=name
			)
	return reports


# --- fingerprints: what decides a provider's slots ------------------------------------------------


def slot_inputs(names: list[str]) -> dict[str, dict]:
	"""{provider: {"rules": digest of everything that decides its slots but the horizon, "stored":
	the fingerprint its last pass left}}, read for all `names` in three queries."""
	if not names:
		return {}
	providers = frappe.db.sql(
		"""select name, active, timezone, slot_minutes, slot_capacity, slot_fingerprint
		from `tabService Provider` where name in %(names)s""",
		{"names": names},
		as_dict=True,
	)
	shifts, exceptions = {}, {}
	for parent, *row in frappe.db.sql(
		"""select parent, weekday, start_time, end_time from `tabService Provider Shift`
		where parenttype = 'Service Provider' and parentfield = 'shifts' and parent in %(names)s
		order by parent, idx""",
		{"names": names},
	):
		shifts.setdefault(parent, []).append([str(v) for v in row])
	# Leave that ended before yesterday decides no slot of the horizon (the exception query of
	# `regenerate` reaches a day before its range); one that ends drops out of the digest once.
	since = now_datetime() - timedelta(days=2)
	for provider, *row in frappe.db.sql(
		"""select provider, kind, from_datetime, to_datetime from `tabProvider Availability Exception`
		where provider in %(names)s and to_datetime > %(since)s
		order by provider, from_datetime, to_datetime, kind""",
		{"names": names, "since": since},
	):
		exceptions.setdefault(provider, []).append([str(v) for v in row])
	site = {"zone": get_system_timezone(), "default_minutes": cint(records.settings().default_slot_minutes)}
	found = {}
	for p in providers:
		decides = {
			"site": site,
			"provider": [cint(p.active), p.timezone, cint(p.slot_minutes), cint(p.slot_capacity)],
			"shifts": shifts.get(p.name, []),
			"exceptions": exceptions.get(p.name, []),
		}
		digest = hashlib.sha256(json.dumps(decides, sort_keys=True).encode()).hexdigest()
		found[p.name] = frappe._dict(rules=digest, stored=p.slot_fingerprint, timezone=p.timezone)
	return found


def _parse_fingerprint(value: str | None) -> dict | None:
	"""`digest:last day:conflicts left open`, or None when absent or unreadable."""
	try:
		rules, last, open_conflicts = (value or "").split(":")
		return {"rules": rules, "last": date.fromisoformat(last), "open": int(open_conflicts)}
	except ValueError:
		return None


def _store_fingerprint(provider: str, rules: str, last: date, open_conflicts: int) -> None:
	# In the pass's own transaction: rolled back with the slots. No `modified` bump: not an edit.
	frappe.db.set_value(
		"Service Provider",
		provider,
		"slot_fingerprint",
		f"{rules}:{last.isoformat()}:{open_conflicts}",
		update_modified=False,
	)
