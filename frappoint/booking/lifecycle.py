"""The lifecycle engine every booking action runs through: lock the appointment, let the core move it
along (Open -> Confirmed -> Completed / Cancelled / No Show), release what an ending frees, journal
it and save it. Expiry of a lapsed hold is the one action defined here, as claiming seats needs it
(`seats`) and the actions build on it (`actions`).
"""

import frappe
from frappe import _

from frappoint.booking import journal
from frappoint.booking.clock import from_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import HoldExpired, refuse
from frappoint.booking.ledger import (
	lock_appointment,
)
from frappoint.scheduling import (
	Action,
	SchedulingError,
	Status,
	holds_resources,
	next_status,
)

APPOINTMENT = "Service Appointment"


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
