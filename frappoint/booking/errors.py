"""Frappe exceptions for booking refusals, with the HTTP status a caller should see, and the
translation of core errors into messages a person can act on."""

import frappe
from frappe import _

from frappoint.scheduling import (
	EmptyShiftPattern,
	ForbiddenTransition,
	InvalidDuration,
	InvalidInput,
	InvalidLocation,
	InvalidRange,
	InvalidReminderHours,
	InvalidShiftPattern,
	InvalidSlotSize,
	NaiveDatetime,
	NotBookable,
	Reason,
	SchedulingError,
	UnitUnavailable,
	UnknownTier,
	UnknownTimezone,
)


class SlotUnavailable(frappe.ValidationError):
	http_status_code = 409


class HoldExpired(frappe.ValidationError):
	http_status_code = 409


class InvalidTransition(frappe.ValidationError):
	http_status_code = 409


class NotBookableTime(frappe.ValidationError):
	http_status_code = 409


class InvalidBookingInput(frappe.ValidationError):
	"""Malformed or missing input: the caller must change the request (400, not Frappe's 417)."""

	http_status_code = 400


class SkippedLocalTime(InvalidBookingInput):
	"""A date and time typed in the desk that the site's clocks skip (a spring-forward night): it names
	no instant, and moving it silently would book an hour the person did not choose (400)."""


class MalformedRequest(frappe.ValidationError):
	"""A request body that is not what its Content-Type says (JSON that does not parse, nests past
	any sense or holds text that is not text): the client must send another request (400)."""

	http_status_code = 400


class ServerBusy(frappe.ValidationError):
	"""MariaDB gave up on a lock (a deadlock's victim, a lock-wait timeout) more often than a retry
	could absorb: the caller may simply send the request again (503, with a Retry-After hint)."""

	http_status_code = 503


class TooManyHolds(frappe.ValidationError):
	"""A visitor (session, IP address or email) already keeps as many live holds as allowed."""

	http_status_code = 429


def reason_message(reason: Reason) -> str:
	return {
		Reason.OUTSIDE_SHIFT: _("The provider does not work at that time."),
		Reason.EXCEPTION: _("The provider is not available then (leave, holiday or a blocked period)."),
		Reason.FULL: _("This time is no longer available. Please pick another."),
		Reason.EMERGENCY_ONLY: _("The remaining places at this time are kept for emergencies."),
		Reason.BUFFER: _("The service and its preparation time do not fit at that time."),
		Reason.OFF_GRID: _(
			"Appointments start on the provider's slot times. Please pick one of the offered times."
		),
		Reason.LEAD_TIME: _("That time is too soon to book."),
		Reason.TOO_FAR_AHEAD: _("That time is too far ahead to book."),
		Reason.IN_PAST: _("That time has already passed."),
		Reason.TOO_FAR_PAST: _("That time is too far in the past to record."),
		Reason.UNIT_UNAVAILABLE: _(
			"The room or equipment this service needs is no longer available at that time."
		),
		Reason.CANCELLATION_CUTOFF: _("It is too late to change this appointment online. Please contact us."),
	}[reason]


def refuse(error: SchedulingError):
	"""Re-raise a core error as a translated Frappe error with the right status."""
	if isinstance(error, UnitUnavailable) and error.location:
		message = _("No {0} is free at {1} at that time. Please pick another time.")
		frappe.throw(
			message.format(error.unit_type, error.location),
			exc=SlotUnavailable,
			title=_("Not available"),
		)
	if isinstance(error, NotBookable):
		exc = SlotUnavailable if error.reason in (Reason.FULL, Reason.UNIT_UNAVAILABLE) else NotBookableTime
		frappe.throw(reason_message(error.reason), exc=exc, title=_("Not available"))
	if isinstance(error, ForbiddenTransition):
		frappe.throw(
			_("An appointment that is {0} cannot be {1}.").format(
				_(error.status), _(ACTION_PAST[error.action])
			),
			exc=InvalidTransition,
			title=_("Not allowed"),
		)
	if isinstance(error, InvalidInput):
		refuse_input(error)
	raise error


def input_message(error: InvalidInput) -> str:
	"""What a user reads for a core input error: translated, by kind (the core's own text is English,
	for logs and developers)."""
	for kind, message in (
		(EmptyShiftPattern, _("Add at least one working period to the weekly shifts.")),
		(
			InvalidShiftPattern,
			_("Each shift needs a weekday and an end after its start, and shifts must not overlap."),
		),
		(
			InvalidSlotSize,
			_("Slots must divide the day and every shift evenly, for example 15, 30 or 60 minutes."),
		),
		(InvalidDuration, _("Durations, buffers, limits and rates must be whole numbers and not negative.")),
		(InvalidRange, _("The end must come after the start.")),
		(NaiveDatetime, _("A date and time needs its timezone.")),
		(UnknownTimezone, _("That is not a known timezone.")),
		(UnknownTier, _("That pricing tier is not offered for this service.")),
		(InvalidLocation, _("That is not a valid latitude and longitude.")),
		(
			InvalidReminderHours,
			_("Reminders are whole hours before the start, from 1 to 1440, separated by commas."),
		),
	):
		if isinstance(error, kind):
			return message
	return _("These booking details are not valid: please check the values and try again.")


def refuse_input(error: InvalidInput, title: str | None = None):
	frappe.throw(input_message(error), exc=InvalidBookingInput, title=title or _("Invalid details"))


ACTION_PAST = {
	"confirm": "confirmed",
	"complete": "completed",
	"cancel": "cancelled",
	"expire": "expired",
	"no_show": "marked as no-show",
	"start": "started",
	"reassign": "reassigned",
}
