"""Booking outside the rules: a manager squeezes in an emergency outside the provider's shifts or
beyond a slot's capacity, with a reason.

Such a booking is Confirmed at once at the time asked, for the service's length, with the provider
named, and claims no seats or units (the time may have none, or none free): the ordinary rules keep
offering that time to others, and the provider's day is knowingly overbooked. Only Frappoint
Managers (and System Managers) may; the reason is journaled with the booking (event
`booked_with_override`) and shown on the appointment.
"""

from datetime import timedelta

import frappe
from frappe import _

from frappoint.booking import records
from frappoint.booking.clock import put
from frappoint.booking.errors import InvalidBookingInput
from frappoint.scheduling import Status

OVERRIDE_ROLES = {"Frappoint Manager", "System Manager"}


def may_override(user: str) -> bool:
	return user == "Administrator" or bool(OVERRIDE_ROLES & set(frappe.get_roles(user)))


def place(appointment, service, start) -> None:
	"""Fill `appointment` as an override booking at `start` (aware), or refuse."""
	if not may_override(frappe.session.user):
		frappe.throw(_("Only a Frappoint Manager can book outside the rules."), frappe.PermissionError)
	appointment.override_reason = (appointment.override_reason or "").strip()
	if len(appointment.override_reason) < 3:
		frappe.throw(_("Say why this booking goes outside the rules."), exc=InvalidBookingInput)
	if not appointment.provider or not frappe.db.exists("Service Provider", appointment.provider):
		frappe.throw(_("Choose the provider for a booking outside the rules."), exc=InvalidBookingInput)
	rule = records.service_rule(service)
	end = start + timedelta(minutes=rule.duration_minutes)
	appointment.status = Status.CONFIRMED.value
	put(appointment, None, "hold_expires_utc", "hold_expires_at")
	put(appointment, start, "start_utc", "start_time")
	put(appointment, end, "end_utc", "end_time")
	put(appointment, start - timedelta(minutes=rule.buffer_before_minutes), "block_start_utc")
	put(appointment, end + timedelta(minutes=rule.buffer_after_minutes), "block_end_utc")
	appointment.set("slots", [])
	appointment.set("units", [])
	appointment.flags.journal_event = "booked_with_override"
