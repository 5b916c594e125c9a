"""Exceptions the scheduling core raises, named as facts.

Bad input raises a subclass of `InvalidInput` (also a `ValueError`); a rule refusing a booking raises
`NotBookable` carrying a `Reason`. The Frappe layer maps these to translated messages and HTTP codes;
the core never formats user-facing text beyond a plain English explanation.
"""

from frappoint.scheduling.compat import StrEnum


class SchedulingError(Exception):
	"""Base of every error raised by `frappoint.scheduling`."""


class InvalidInput(SchedulingError, ValueError):
	"""The caller passed values no rule can work with."""


class NaiveDatetime(InvalidInput):
	"""A datetime without tzinfo: the core only accepts timezone-aware datetimes."""


class UnknownTimezone(InvalidInput):
	"""A timezone name the IANA database does not know."""


class InvalidDuration(InvalidInput):
	"""A duration, buffer or capacity that is zero, negative or not a whole number of minutes."""


class InvalidRange(InvalidInput):
	"""A period whose end is not after its start (or a date range running backwards)."""


class InvalidSlotSize(InvalidInput):
	"""A slot size that does not divide a day, or does not divide a shift, into whole slots."""


class InvalidReminderHours(InvalidInput):
	"""Reminder offsets that are not whole hours from 1 to 1440."""


class InvalidShiftPattern(InvalidInput):
	"""A weekly pattern with overlapping shifts or a zero-length shift."""


class EmptyShiftPattern(InvalidShiftPattern):
	"""A weekly pattern with no shift at all: nothing could ever be booked."""


class UnknownTier(InvalidInput):
	"""A pricing tier the service does not offer."""


class InvalidLocation(InvalidInput):
	"""A latitude/longitude outside the globe."""


class ForbiddenTransition(SchedulingError):
	"""A lifecycle action that the current status does not allow."""

	def __init__(self, status, action):
		self.status = status
		self.action = action
		super().__init__(f"cannot {action} an appointment that is {status}")


class Reason(StrEnum):
	"""Why a time is not bookable. Values are stable identifiers used by the API."""

	OUTSIDE_SHIFT = "outside_shift"
	EXCEPTION = "exception"
	FULL = "full"
	EMERGENCY_ONLY = "emergency_only"
	BUFFER = "buffer"
	OFF_GRID = "off_grid"
	LEAD_TIME = "lead_time"
	TOO_FAR_AHEAD = "too_far_ahead"
	IN_PAST = "in_past"
	TOO_FAR_PAST = "too_far_past"
	UNIT_UNAVAILABLE = "unit_unavailable"
	CANCELLATION_CUTOFF = "cancellation_cutoff"


class NotBookable(SchedulingError):
	"""A rule refuses the requested time; `reason` says which one."""

	def __init__(self, reason: Reason, detail: str = ""):
		self.reason = reason
		self.detail = detail
		super().__init__(f"{reason.value}: {detail}" if detail else reason.value)


class UnitUnavailable(NotBookable):
	"""No free service unit of a required type for the requested period."""

	def __init__(self, unit_type: str, detail: str = "", location: str | None = None):
		self.unit_type = unit_type
		self.location = location  # the provider's location the units had to be at, if any
		super().__init__(Reason.UNIT_UNAVAILABLE, detail or f"no free {unit_type}")
