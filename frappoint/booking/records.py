"""Stored records -> the scheduling core's plain values. Reads only; no locking, no writes."""

from datetime import datetime, time, timedelta

import frappe
from frappe.utils import cint, flt, get_time

from frappoint.booking.clock import from_db, from_stored_site, to_db, to_site
from frappoint.scheduling import (
	AvailabilityException,
	BookingPolicy,
	Candidate,
	Location,
	PriceTier,
	ServiceRule,
	ServiceUnit,
	Shift,
	ShiftPattern,
	Slot,
	Weights,
)
from frappoint.scheduling.compat import UTC
from frappoint.scheduling.money import CancellationPolicy, PaymentRule

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SETTINGS = "Service Appointment Settings"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The `modified` of the newest save of the Settings, written once it has committed (the controller).
SETTINGS_SAVED_KEY = "frappoint:settings-saved"


def settings():
	"""The Settings from Frappe's document cache, unless that copy is older than the newest save: a
	request or job that read the old row while an admin saved could put it back into the cache after
	the save cleared it, where it would stay until the next save (a storm met caps of the Settings
	before). Then the row is read again (and cached again)."""
	doc = frappe.get_cached_doc(SETTINGS)
	saved = frappe.cache.get_value(SETTINGS_SAVED_KEY)
	if saved and str(doc.modified) < saved:
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		doc = frappe.get_cached_doc(SETTINGS)
	return doc


def note_settings_saved(doc) -> None:
	"""After the Settings' save commits: what `settings` compares its cached copy with."""
	saved = str(doc.modified)
	frappe.db.after_commit.add(lambda: frappe.cache.set_value(SETTINGS_SAVED_KEY, saved))


def booking_policy(service=None, source=None, customer: bool = False) -> BookingPolicy:
	"""The booking window for `service` (its lead-time override) from `source` or the saved settings,
	as it applies to staff or, with `customer`, to customers booking for themselves."""
	s = source or settings()
	lead = (
		cint(service.lead_time_minutes)
		if service and cint(service.lead_time_minutes)
		else cint(s.lead_time_minutes)
	)
	policy = BookingPolicy(
		lead_time_minutes=lead,
		max_advance_days=max(cint(s.max_advance_days), 1),
		allow_past_booking=bool(cint(s.allow_past_booking)),
		max_past_days=cint(s.max_past_days),
		cancellation_cutoff_hours=cint(s.cancellation_cutoff_hours),
	)
	return policy.for_customers() if customer else policy


def offered_services() -> list[dict]:
	"""Every enabled service with its pricing tiers and the active providers offering it, in three
	queries whatever the number of services (the portal reads this on every visit)."""
	rows = frappe.get_all(
		"Service Type",
		filters={"disabled": 0},
		fields=["name", "duration_minutes", "description"],
		order_by="name",
	)
	names = [r.name for r in rows]
	if not names:
		return []
	tiers: dict[str, list[dict]] = {}
	for t in frappe.get_all(
		"Service Pricing Tier",
		filters={"parenttype": "Service Type", "parent": ("in", names)},
		fields=["parent", "tier", "rate", "is_emergency"],
		order_by="parent, idx",
	):
		tiers.setdefault(t.parent, []).append(
			{"tier": t.tier, "rate": t.rate, "emergency": bool(t.is_emergency)}
		)
	active = set(frappe.get_all("Service Provider", filters={"active": 1}, pluck="name"))
	offered: dict[str, set[str]] = {}
	for row in frappe.get_all(
		"Service Provider Service",
		filters={"parenttype": "Service Provider", "service_type": ("in", names)},
		fields=["parent", "service_type"],
	):
		if row.parent in active:
			offered.setdefault(row.service_type, set()).add(row.parent)
	for r in rows:
		r["tiers"] = tiers.get(r.name, [])
		r["providers"] = sorted(offered.get(r.name, ()))
	return rows


def hold_duration() -> timedelta:
	return timedelta(minutes=max(cint(settings().hold_minutes), 1))


def service_rule(service) -> ServiceRule:
	return ServiceRule(
		name=service.name,
		duration_minutes=cint(service.duration_minutes),
		buffer_before_minutes=cint(service.buffer_before_minutes),
		buffer_after_minutes=cint(service.buffer_after_minutes),
		max_clients_per_slot=max(cint(service.max_clients_per_slot), 1),
		emergency_reserved_seats=cint(service.emergency_reserved_seats),
	)


def price_tiers(service) -> list[PriceTier]:
	return [PriceTier(t.tier, t.rate, bool(t.is_emergency)) for t in service.pricing_tiers]


def payment_rule(service) -> PaymentRule:
	"""What the service asks at booking (raises InvalidInput for a deposit that makes no sense)."""
	return PaymentRule(
		service.get("payment_at_booking") or "",
		service.get("deposit_type") or "Amount",
		service.get("deposit_value") or 0,
	)


def cancellation_policy(source=None) -> CancellationPolicy:
	s = source or settings()
	return CancellationPolicy(
		refund_cutoff_hours=cint(s.refund_cutoff_hours),
		late_refund_percent=flt(s.late_refund_percent),
		late_fee=flt(s.late_cancellation_fee),
		returned_as=s.return_payments_as or "Refund",
	)


def required_units(service) -> dict[str, int]:
	required: dict[str, int] = {}
	for row in service.get("required_unit_types") or []:
		required[row.unit_type] = required.get(row.unit_type, 0) + max(cint(row.qty), 1)
	return required


def shift_pattern(provider) -> ShiftPattern:
	return ShiftPattern(
		provider.timezone,
		tuple(
			Shift(WEEKDAYS.index(row.weekday), _as_time(row.start_time), _as_time(row.end_time))
			for row in provider.shifts
		),
	)


def active_provider(name: str, service_type: str):
	"""The provider `name` if it is active and offers `service_type`, else a translated refusal."""
	from frappe import _

	from frappoint.booking.errors import InvalidBookingInput

	provider = frappe.get_cached_doc("Service Provider", name)
	if not cint(provider.active) or service_type not in {row.service_type for row in provider.services}:
		frappe.throw(
			_("{0} does not offer {1}.").format(provider.name, service_type), exc=InvalidBookingInput
		)
	return provider


def slot_minutes(provider) -> int:
	return cint(provider.slot_minutes) or cint(settings().default_slot_minutes) or 15


def availability_exceptions(provider: str, start: datetime, end: datetime) -> list[AvailabilityException]:
	rows = frappe.get_all(
		"Provider Availability Exception",
		filters={
			"provider": provider,
			"from_datetime": ("<", to_site(end)),
			"to_datetime": (">", to_site(start)),
		},
		fields=["kind", "from_datetime", "to_datetime"],
	)
	return [
		AvailabilityException(r.kind, from_stored_site(r.from_datetime), from_stored_site(r.to_datetime))
		for r in rows
	]


# Instants read as whole seconds since 1970 (UTC), each provider's slots as one text of integers: the
# database client parses one short row per provider instead of one row per slot, and the many slots
# that share an instant share one datetime object.
EPOCH_SECONDS = "timestampdiff(second, '1970-01-01', {})"
SLOT_TEXT = ", ".join(EPOCH_SECONDS.format(c) for c in ("slot_start_utc", "slot_end_utc", "shift_start_utc"))


def provider_slots(providers: list[str], first_start, last_start) -> list[Slot]:
	"""The providers' slots starting in [first_start, last_start], by provider then start: one query
	returning one row per provider (availability reads tens of thousands of slots)."""
	frappe.db.sql("set session group_concat_max_len = 268435456")
	rows = frappe.db.sql(
		f"""select provider, group_concat(concat_ws(',', {SLOT_TEXT}, capacity)
			order by slot_start_utc separator ';')
		from `tabService Provider Slot`
		where provider in %(providers)s and slot_start_utc >= %(first)s and slot_start_utc <= %(last)s
		group by provider order by provider""",
		{"providers": providers, "first": to_db(first_start), "last": to_db(last_start)},
	)
	instants: dict[str, datetime] = {}

	def instant(seconds: str) -> datetime:
		if (value := instants.get(seconds)) is None:
			value = instants[seconds] = EPOCH + timedelta(seconds=int(seconds))
		return value

	slots = []
	for provider, text in rows:
		for item in text.split(";"):
			start, end, shift_start, capacity = item.split(",")
			slots.append(Slot(provider, instant(start), instant(end), instant(shift_start), int(capacity)))
	return slots


def slot_key(name: str) -> tuple[str, datetime] | None:
	"""(provider, start) of a slot from its name (`slot_generation.slot_name`), or None."""
	try:
		start = datetime.strptime(name[-17:], "%Y-%m-%d %H:%MZ").replace(tzinfo=UTC)
	except ValueError:
		return None
	return name[:-18], start


def slot_from_row(row) -> Slot:
	return Slot(
		row.provider,
		from_db(row.slot_start_utc),
		from_db(row.slot_end_utc),
		from_db(row.shift_start_utc),
		cint(row.capacity),
	)


def skills(text: str | None) -> frozenset[str]:
	return frozenset(
		line.strip().lower() for line in (text or "").replace(",", "\n").splitlines() if line.strip()
	)


def location(latitude, longitude) -> Location | None:
	"""A point from two stored coordinates; None when neither is set (0, 0 means "not given")."""
	if not latitude and not longitude:
		return None
	return Location(float(latitude or 0), float(longitude or 0))


def dispatch_weights(source=None) -> Weights:
	"""The "any provider" weights from `source` or the saved settings; unset fields keep the core's
	defaults (a site from before these settings)."""
	s = source or settings()
	default = Weights()
	values = {
		name: getattr(default, name)
		if s.get(f"dispatch_weight_{name}") is None
		else flt(s.get(f"dispatch_weight_{name}"))
		for name in ("skills", "distance", "workload")
	}
	return Weights(**values)


def dispatch_candidate(provider, booked_minutes: int) -> Candidate:
	return Candidate(
		provider.name,
		skills(provider.skills),
		location(provider.latitude, provider.longitude),
		booked_minutes,
	)


def service_units(required: dict[str, int]) -> list[ServiceUnit]:
	"""Enabled units of the required types, in name order (a plain read: a booking locks them with
	`ledger.lock_units`)."""
	if not required:
		return []
	return units_as_core(unit_query(required).run(as_dict=True), required)


def unit_query(required: dict[str, int]):
	"""The query for the enabled units of the required types, in name order (not run here)."""
	unit = frappe.qb.DocType("Service Unit")
	return (
		frappe.qb.from_(unit)
		.select(unit.name, unit.unit_type, unit.capacity, unit.location)
		.where(unit.unit_type.isin(sorted(required)) & (unit.disabled == 0))
		.orderby(unit.name)
	)


def units_as_core(rows, required: dict[str, int]) -> list[ServiceUnit]:
	"""Rows of `unit_query` as the core's ServiceUnit, each type's overlap rule read alongside."""
	overlap = dict(
		frappe.get_all(
			"Service Unit Type",
			filters={"name": ("in", sorted(required))},
			fields=["name", "allow_overlap"],
			as_list=True,
		)
	)
	return [
		ServiceUnit(
			r.name,
			r.unit_type,
			max(cint(r.capacity), 1),
			bool(cint(overlap.get(r.unit_type))),
			location=r.location or None,
		)
		for r in rows
	]


def _as_time(value) -> time:
	parsed = get_time(value)
	return time(parsed.hour, parsed.minute)
