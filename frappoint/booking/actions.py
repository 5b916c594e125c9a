"""Booking actions, each inside the caller's single database transaction: holding a time (while
the appointment is inserted), confirming, starting, completing, no-shows, cancelling, reassigning,
paying at booking, expiring lapsed holds and rescheduling. The lifecycle engine they share is in
`lifecycle`, the seat claim in `seats`; what they lock, and in which order, in `ledger`; which
provider "any" means, in `dispatch`.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, get_datetime

from frappoint.booking import journal, override, records
from frappoint.booking.clock import from_db, from_site, put, to_db, to_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.dispatch import pick_provider
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable, refuse
from frappoint.booking.ledger import lock_appointment
from frappoint.booking.lifecycle import apply_action, ended_as_hold, expire, refuse_lapsed_hold, save_action
from frappoint.booking.locks import all_or_nothing, commit_job_step, read_committed
from frappoint.booking.seats import claim, expire_stale_holds
from frappoint.scheduling import (
	Action,
	SchedulingError,
	Status,
	check_booking_time,
	check_cancellation,
	holds_resources,
	next_status,
	tier_named,
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
