"""Who may see or change one appointment from the portal or the booking API: staff, its customer
(logged in), or whoever holds its manage token. Pages and the API both ask here."""

import frappe
from frappe import _

from frappoint.booking import actions
from frappoint.booking.clock import now as clock_now
from frappoint.booking.tokens import token_grants
from frappoint.permissions import has_appointment_permission, is_staff
from frappoint.scheduling import Action, allowed_actions

APPOINTMENT = "Service Appointment"


def authorize(name, token, to_change: bool = False) -> bool:
	"""Let staff, the appointment's customer or a valid token holder see it (and, `to_change`, act on
	it); True when it is the customer. Refuses with 404 for an unknown name and 403 otherwise."""
	if not name or not isinstance(name, str) or len(name) > 140:
		not_found()
	user = frappe.session.user
	staff = user != "Guest" and is_staff(user)
	if token_grants(token, name, clock_now()):
		state = frappe.db.get_value(APPOINTMENT, name, ["status", "rescheduled_to", "hold_expires_utc"])
		if not state:
			not_found()
		if to_change and not staff:
			refuse_if_settled(*state)
		return not staff
	if not frappe.db.exists(APPOINTMENT, name):
		not_found()
	if staff:
		return False
	doc = frappe.get_doc(APPOINTMENT, name)
	if user != "Guest" and has_appointment_permission(doc, "write", user):
		return True
	frappe.throw(
		_("This link is not valid for that appointment, or it has expired."), exc=frappe.PermissionError
	)


def not_found():
	frappe.throw(_("Appointment not found."), exc=frappe.DoesNotExistError)


def refuse_if_settled(status: str, moved_to: str | None, hold_expires_utc) -> None:
	"""A token stops changing its appointment once that is cancelled, moved or over. A hold that
	lapsed reads as expired (the customer picks a time again), not as cancelled."""
	if moved_to:
		frappe.throw(
			_("This appointment was moved to {0}; use the link for the new time.").format(moved_to),
			exc=frappe.PermissionError,
		)
	if actions.ended_as_hold(status, hold_expires_utc, clock_now()):
		actions.refuse_lapsed_hold()
	# What a token holder may still change is what the lifecycle may still cancel (Open, Confirmed).
	if Action.CANCEL not in allowed_actions(status):
		frappe.throw(
			_("This appointment is {0}; its link no longer changes it.").format(_(status)),
			exc=frappe.PermissionError,
		)
