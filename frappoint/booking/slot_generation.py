"""Keeping Service Provider Slot rows in step with shifts and exceptions.

Regeneration compares what the core generates with what is stored for the same days, inserts the
missing slots in bulk, deletes unwanted future slots nobody holds, and reports (never touches) held
or booked slots that no longer fit the shifts. Slot rows in range are locked first, in start order,
the same order a booking locks them.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

import frappe
from frappe.utils import cint, now_datetime

from frappoint.booking import conflicts, records, waitlist, window_cache
from frappoint.booking.clock import from_db, to_db, to_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.ledger import seat_claims
from frappoint.booking.locks import commit_job_step, read_committed
from frappoint.scheduling import generate_slots, local_instant, zone

SLOT = "Service Provider Slot"


@dataclass
class SlotReport:
	provider: str
	created: int = 0
	removed: int = 0
	kept: int = 0
	conflicts: list[str] = field(default_factory=list)

	def as_dict(self):
		return {
			"provider": self.provider,
			"created": self.created,
			"removed": self.removed,
			"kept": self.kept,
			"conflicts": self.conflicts,
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


def _insert(provider: str, slots_by_name: dict) -> None:
	if not slots_by_name:
		return
	stamp, user = now_datetime(), frappe.session.user
	frappe.db.bulk_insert(
		SLOT,
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"provider",
			"slot_start",
			"slot_end",
			"shift_start",
			"slot_start_utc",
			"slot_end_utc",
			"shift_start_utc",
			"capacity",
		],
		[
			(
				name,
				stamp,
				stamp,
				user,
				user,
				0,
				provider,
				to_site(s.start),
				to_site(s.end),
				to_site(s.shift_start),
				to_db(s.start),
				to_db(s.end),
				to_db(s.shift_start),
				s.capacity,
			)
			for name, s in sorted(slots_by_name.items())
		],
		ignore_duplicates=True,
	)


def horizon_days(provider) -> tuple[date, date]:
	"""Today (in the provider's timezone) to the booking horizon."""
	today = clock_now().astimezone(zone(provider.timezone)).date()
	return today, today + timedelta(days=max(cint(records.settings().max_advance_days), 1))


def regenerate_all(
	providers: list[str] | None = None, publish: bool = False, commit: bool = False
) -> list[dict]:
	"""Every active provider over its rolling horizon (the scheduler job and the desk button)."""
	read_committed()  # like a booking: row locks only (see `locks`)
	names = providers or frappe.get_all(
		"Service Provider", filters={"active": 1}, pluck="name", order_by="name"
	)
	reports = []
	for index, name in enumerate(names, start=1):
		first, last = horizon_days(frappe.get_cached_doc("Service Provider", name))
		reports.append(regenerate(name, first, last).as_dict())
		if commit:
			commit_job_step()  # a job: each provider is its own transaction
		if publish:
			frappe.publish_progress(
				index * 100 / len(names), title=frappe._("Generating slots"), description=name
			)
	return reports
