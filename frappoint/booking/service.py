"""Booking actions, each inside the caller's single database transaction: holding a time (while
the appointment is inserted), the lifecycle actions, expiry and rescheduling. What they lock, and in
which order, is in `ledger`; which provider "any" means, in `dispatch`.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, get_datetime

from frappoint.booking import extensions, journal, override, records
from frappoint.booking.clock import from_db, from_site, put, to_db, to_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.dispatch import pick_provider
from frappoint.booking.errors import HoldExpired, InvalidBookingInput, SlotUnavailable, refuse
from frappoint.booking.ledger import (
	claims_as_core,
	lock_appointment,
	lock_slots,
	seat_claims,
	unit_uses,
)
from frappoint.booking.locks import all_or_nothing, read_committed
from frappoint.scheduling import (
	Action,
	NotBookable,
	ProviderDay,
	Reason,
	SchedulingError,
	Status,
	allocate_units,
	bookable_windows,
	check_booking_time,
	check_cancellation,
	holds_resources,
	next_status,
	seats_taken,
	tier_named,
	why_not,
)
from frappoint.scheduling.money import due_at_booking, is_late

APPOINTMENT = "Service Appointment"
# What was ordered and paid for an appointment (ERPNext's links, fields `integrations.erpnext` adds):
# when the appointment moves, these move with it (DESIGN, invariant 9), and the ERPNext documents are
# linked to the new appointment by that integration's hook. The billed customer is the same for both.
MOVED_WITH_APPOINTMENT = ("sales_order", "sales_invoice", "payment_request", "payment_entry", "amount_paid")
LATE_MOVES_CHARGED = "Charged as a Late Cancellation"


# --- hold (called while the appointment is inserted) ------------------------------------------


def place_hold(appointment) -> None:
	"""Fill a new appointment from the rules and claim its seats and units, or refuse."""
	try:
		_place_hold(appointment)
	except SchedulingError as e:
		refuse(e)


def _place_hold(appointment) -> None:
	service = frappe.get_cached_doc("Service Type", appointment.service_type)
	if cint(service.disabled):
		frappe.throw(_("Service {0} is not offered at the moment.").format(service.name), exc=SlotUnavailable)
	tier = tier_named(records.price_tiers(service), appointment.pricing_tier)
	policy = records.booking_policy(service, customer=bool(appointment.flags.customer_booking))
	now = clock_now()
	start = requested_start(appointment)
	if appointment.override_reason:  # a manager's squeeze-in: no rules, what is free (booking.override)
		appointment.pricing_tier, appointment.rate = tier.name, tier.rate
		override.place(appointment, service, start, now, expire_stale_holds)
		appointment.location = frappe.db.get_value("Service Provider", appointment.provider, "location")
		return
	check_booking_time(start, now, policy)
	# The location a customer chose on the portal: "any provider" means any provider there.
	at_location = appointment.flags.at_location
	provider = records.active_provider(appointment.provider, service.name) if appointment.provider else None
	if provider and at_location and provider.location != at_location:
		message = _("{0} does not work at {1}.").format(provider.name, at_location)
		frappe.throw(message, exc=InvalidBookingInput, title=_("Invalid input"))
	if provider is None:
		job_site = records.location(appointment.job_latitude, appointment.job_longitude)
		provider = pick_provider(service, start, tier.emergency, job_site, location=at_location)
	confirmed = appointment.flags.confirm_on_insert
	if confirmed is None:  # not a move, nor a caller who decided: a walk-in typed in the desk is booked
		confirmed = appointment.source == "Desk" and bool(cint(records.settings().desk_bookings_confirmed))
	appointment.status = Status.CONFIRMED.value if confirmed else Status.OPEN.value
	hold_for = appointment.flags.hold_for or records.hold_duration()  # a wait-list offer is held longer
	put(appointment, None if confirmed else now + hold_for, "hold_expires_utc", "hold_expires_at")
	appointment.pricing_tier = tier.name
	# A move keeps the price agreed at booking: its order (and what was paid) moves with it.
	agreed = appointment.flags.agreed_rate
	appointment.rate = tier.rate if agreed is None else agreed
	appointment.amount_due_at_booking = due_at_booking(appointment.rate, records.payment_rule(service))
	claim(appointment, service, provider, start, now, policy, tier.emergency)


def requested_start(appointment):
	"""The start asked for, as an aware instant: an API caller's is exact; one typed in the desk (or
	sent to the REST API) is a site wall time, refused with a 400 when it is no date and time a calendar
	holds ("not a date", year 1, an instant past year 9999 in UTC)."""
	if appointment.flags.requested_instant:
		return appointment.flags.requested_instant
	try:
		typed = get_datetime(appointment.requested_start) if appointment.requested_start else None
		start = from_site(typed) if typed else None
	except (ValueError, TypeError, OverflowError):  # dateutil's ParserError is a ValueError
		start = None
	if start is None:
		frappe.throw(
			_("Give the start as a date and time, for example 2026-05-04 10:30."),
			exc=InvalidBookingInput,
			title=_("Invalid input"),
		)
	return start


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
		(w for w in bookable_windows(slots, rule, taken, now, policy, emergency) if w.start == start),
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
		units = records.service_units(required, for_update=True)
		uses = unit_uses([u.name for u in units], block_start, block_end, now, current=True)
		allocation = allocate_units(required, units, uses, block_start, block_end, provider.get("location"))

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
	return why_not(start, rule, day, taken, now, policy, emergency) or Reason.FULL


# --- lifecycle actions on existing appointments -----------------------------------------------


def refuse_lapsed_hold():
	frappe.throw(
		_("The hold on this time has expired. Please choose the time again."),
		exc=HoldExpired,
		title=_("Hold expired"),
	)


def ended_as_hold(status: str, hold_expires_at, now) -> bool:
	"""A hold that expired or was released without being confirmed (confirming clears the expiry)."""
	if status == Status.CANCELLED:
		return bool(hold_expires_at)
	return status == Status.OPEN and not holds_resources(status, from_db(hold_expires_at), now)


def confirm(
	name: str, details: dict | None = None, needs_contact: bool = False, ended_as_expired: bool = False
):
	"""Confirm a live hold; `details` (customer name, email, phone) may complete it in the same step.
	With `ended_as_expired` (the booking API), a hold that ended unconfirmed reads as expired, with
	fresh times to pick, rather than as cancelled; with `needs_contact` (a customer), a hold without
	an email address needs their name and email now."""
	details = details or {}

	def first(doc, now):
		if ended_as_expired and ended_as_hold(doc.status, doc.hold_expires_utc, now):
			refuse_lapsed_hold()
		require_contact(doc, details, needs_contact)

	def check(doc, now):
		if not holds_resources(doc.status, from_db(doc.hold_expires_utc), now):
			refuse_lapsed_hold()
		put(doc, None, "hold_expires_utc", "hold_expires_at")
		doc.update(details)

	return apply_action(name, Action.CONFIRM, "confirmed", check, first=first)


def require_contact(doc, details: dict, needs_contact: bool) -> None:
	"""A customer confirming a hold that has no email address gives their name and email now."""
	if needs_contact and not doc.customer_email:
		if not details.get("customer_name"):
			frappe.throw(_("Please give your name."), exc=InvalidBookingInput, title=_("Invalid input"))
		if not details.get("customer_email"):
			frappe.throw(
				_("Please give a valid email address."), exc=InvalidBookingInput, title=_("Invalid input")
			)


def await_payment(name: str, details: dict, needs_contact: bool, minutes: int):
	"""Keep a live hold while its customer pays at booking (the payment, not the customer, then
	confirms it): until `minutes` after the first checkout, however often they ask again, or an unpaid
	hold would never lapse. `details` complete it as `confirm`'s do. Journals the request."""
	doc = lock_appointment(name)
	now = clock_now()
	if ended_as_hold(doc.status, doc.hold_expires_utc, now) or doc.status != Status.OPEN.value:
		refuse_lapsed_hold()
	require_contact(doc, details, needs_contact)
	until = from_db(doc.payment_window_ends_utc)
	if until is None:  # the first checkout: the window starts now, and a longer hold (an offer) stays
		until = max(from_db(doc.hold_expires_utc), now + timedelta(minutes=minutes))
		put(doc, until, "payment_window_ends_utc")
	put(doc, until, "hold_expires_utc", "hold_expires_at")
	for row in [*doc.slots, *doc.units]:
		row.hold_until_utc = doc.hold_expires_utc
	doc.update(details)
	journal.record(
		doc,
		"payment_awaited",
		{"hold_expires_utc": str(doc.hold_expires_utc)},
		head_loaded=True,
		caller_saves=True,
	)
	save_action(doc)
	return doc


def start(name: str):
	def check(doc, now):
		doc.started_at = to_site(now)

	return apply_action(name, Action.START, "started", check)


def reassign(name: str, provider_name: str):
	"""Give the appointment, at the same time, to another provider who is free then."""
	doc = lock_appointment(name)
	now = clock_now()
	try:
		next_status(doc.status, Action.REASSIGN)
		if provider_name == doc.provider:
			return doc
		service = frappe.get_cached_doc("Service Type", doc.service_type)
		provider = records.active_provider(provider_name, service.name)
		# Free our own units first, or the new allocation would count them as taken.
		frappe.db.set_value("Service Appointment Unit", {"parent": doc.name}, "live", 0)
		staff_policy = records.booking_policy(service).for_staff_changes()
		previous = doc.provider
		emergency = tier_named(records.price_tiers(service), doc.pricing_tier).emergency
		claim(doc, service, provider, from_db(doc.start_utc), now, staff_policy, emergency)
		doc.availability_conflict, doc.availability_note = 0, None  # the new provider is free then
	except SchedulingError as e:
		refuse(e)
	changes = {"provider": [previous, doc.provider], "slots": [r.slot for r in doc.slots]}
	journal.record(doc, "reassigned", changes, head_loaded=True, caller_saves=True)
	save_action(doc)
	return doc


def complete(name: str):
	return apply_action(name, Action.COMPLETE, "completed")


def mark_no_show(name: str):
	return apply_action(name, Action.NO_SHOW, "no_show")


def cancel(
	name: str,
	reason: str | None = None,
	by_customer: bool = False,
	event_type: str | None = "cancelled",
	rescheduling: bool = False,
):
	def check(doc, now):
		doc.flags.rescheduling = rescheduling  # the customer hears of the move, not of a cancellation
		if by_customer:
			service = frappe.get_cached_doc("Service Type", doc.service_type)
			check_cancellation(from_db(doc.start_utc), now, records.booking_policy(service), doc.status)
			# Decided now, on instants: the accounting job that settles the money may run much later.
			# A move keeps what was paid; it costs the late fee only when the Settings charge late moves.
			if doc.status == Status.CONFIRMED.value and (not rescheduling or late_moves_charged()):
				doc.late_cancellation = int(
					is_late(from_db(doc.start_utc), now, records.cancellation_policy())
				)
		doc.cancellation_reason = reason or _("Cancelled")

	return apply_action(name, Action.CANCEL, event_type, check)


def late_moves_charged() -> bool:
	"""A customer's move after the full-refund cut-off is charged as a late cancellation (Settings)."""
	return records.settings().get("late_moves") == LATE_MOVES_CHARGED


def expire(name: str):
	def check(doc, now):
		if doc.status != Status.OPEN or holds_resources(doc.status, from_db(doc.hold_expires_utc), now):
			frappe.throw(_("This hold has not expired."), exc=HoldExpired)
		doc.cancellation_reason = _("Hold expired")
		doc.flags.hold_lapsed = True  # the customer is told they may book again

	return apply_action(name, Action.EXPIRE, "hold_expired", check)


def apply_action(
	name: str, action: Action, event_type: str | None, check=None, extra: dict | None = None, first=None
):
	"""Lock the appointment, move it along the lifecycle, release seats if it ends, journal it
	(unless `event_type` is None: the caller then records the one event for the whole action).
	`first` refuses before the lifecycle does, `check` after it allowed the move; both get the locked
	document and the instant."""
	doc = lock_appointment(name)
	now = clock_now()
	try:
		if first:
			first(doc, now)
		new_status = next_status(doc.status, action)
		if check:
			check(doc, now)
	except SchedulingError as e:
		refuse(e)
	old_status = doc.status
	doc.status = new_status.value
	if new_status == Status.CANCELLED:
		doc.availability_conflict, doc.availability_note = 0, None  # nothing left to resolve
		for row in doc.slots:
			row.seat_key = None
		for row in doc.units:
			row.live = 0
	if new_status != Status.OPEN:
		for row in [*doc.slots, *doc.units]:
			row.hold_until_utc = None
	# The event goes first so that it precedes whatever the save's hooks journal (e.g. accounting).
	if event_type:
		changes = {"status": [old_status, doc.status], **(extra or {})}
		journal.record(doc, event_type, changes, head_loaded=True, caller_saves=True)
	save_action(doc)
	return doc


def save_action(doc) -> None:
	"""Save what an action changed. Links are not checked again: the action changes none that the
	customer or staff chose, and those the accounting job set (customer, sales order) were committed
	while this transaction waited for the appointment's row, after its snapshot was taken, so a plain
	read would not find them."""
	doc.flags.booking_action = True
	doc.flags.ignore_links = True
	# The action's journal event is its history (signed, shown in the timeline): no Version row too.
	doc.save(ignore_permissions=True, ignore_version=True)


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
		if frappe.db.sql(
			"select name from `tabService Appointment` where name = %s and status = 'Open' for update skip locked",
			name,
		):
			expire(name)
			expired.add(name)
	return [r for r in claims if r.appointment not in expired]


def expire_all_stale_holds() -> int:
	"""The scheduler's sweep: every lapsed hold, one transaction each."""
	read_committed()
	now = clock_now()
	names = frappe.get_all(
		APPOINTMENT,
		filters={"status": Status.OPEN.value, "hold_expires_utc": ("<=", to_db(now))},
		pluck="name",
		order_by="hold_expires_utc",
	)
	expired = 0
	for name in names:
		try:
			with all_or_nothing("frappoint_expire"):
				expire(name)
			expired += 1
		except frappe.ValidationError:  # confirmed or cancelled meanwhile: nothing to expire
			pass
		commit_job_step()
	return expired


def commit_job_step() -> None:
	"""Jobs commit each unit of work; tests keep everything in their one rolled-back transaction."""
	if not frappe.flags.in_test:
		frappe.db.commit()


# --- reschedule --------------------------------------------------------------------------------


def reschedule(name: str, new_start, provider: str | None = None, by_customer: bool = False):
	"""Cancel `name` and book `new_start` atomically: if the new time fails, nothing changes.

	What was ordered and paid moves to the new appointment (`MOVED_WITH_APPOINTMENT`), at the price
	agreed at booking: the old one keeps no money link, so its cancellation refunds and cancels nothing
	(it is charged only a customer's late move, when the Settings say so), and the new one's
	confirmation finds the order instead of making a second."""
	with all_or_nothing("frappoint_reschedule"):
		old = lock_appointment(name)
		was_confirmed = old.status == Status.CONFIRMED
		if old.status == Status.OPEN and not holds_resources(
			old.status, from_db(old.hold_expires_utc), clock_now()
		):
			refuse_lapsed_hold()
		money = {field: old.get(field) for field in MOVED_WITH_APPOINTMENT if old.get(field)}
		if money:  # off the old appointment before its cancellation decides what to settle
			cleared = {field: 0 if field == "amount_paid" else None for field in money}
			frappe.db.set_value(APPOINTMENT, old.name, cleared, update_modified=False)
		cancel(name, reason=_("Rescheduled"), by_customer=by_customer, event_type=None, rescheduling=True)
		new = frappe.copy_doc(old, ignore_no_copy=False)  # no times, seats, links or accounting carried over
		exact = getattr(new_start, "tzinfo", None) is not None
		new.flags.requested_instant = new_start if exact else None
		new.update(
			{
				"requested_start": to_site(new_start) if exact else new_start,
				"provider": provider or old.provider,
				"rescheduled_from": old.name,
				"status": Status.OPEN.value,
				**money,
				**({"customer": old.customer} if old.get("customer") else {}),
			}
		)
		new.flags.took_over_money = bool(money)  # integrations.erpnext links its documents to it
		new.flags.agreed_rate = old.rate
		new.flags.confirm_on_insert = was_confirmed
		new.flags.customer_booking = by_customer
		new.flags.journal_event = "rescheduled_from"
		new.insert(ignore_permissions=True)
		frappe.db.set_value(APPOINTMENT, old.name, "rescheduled_to", new.name, update_modified=False)
		journal.record(
			old,
			"rescheduled_to",
			{
				"status": [old.status, Status.CANCELLED.value],
				"rescheduled_to": new.name,
				**({"moved": {field: str(value) for field, value in money.items()}} if money else {}),
			},
		)
		return new
