"""Booking-window rules: how soon, how far ahead and how far back a start time may be booked,
and until when an appointment may be cancelled. `now` is always passed in."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from frappoint.scheduling.clock import require_aware, require_minutes
from frappoint.scheduling.errors import InvalidDuration, NotBookable, Reason


@dataclass(frozen=True)
class BookingPolicy:
	lead_time_minutes: int = 0
	max_advance_days: int = 90
	allow_past_booking: bool = False
	max_past_days: int = 0
	cancellation_cutoff_hours: int = 0

	def __post_init__(self):
		require_minutes(self.lead_time_minutes, "lead time", allow_zero=True)
		require_minutes(self.max_advance_days, "max advance days")
		require_minutes(self.max_past_days, "max past days", allow_zero=True)
		if isinstance(self.cancellation_cutoff_hours, bool) or not isinstance(
			self.cancellation_cutoff_hours, int
		):
			raise InvalidDuration("cancellation cut-off must be a whole number of hours")
		if self.cancellation_cutoff_hours < 0:
			raise InvalidDuration("cancellation cut-off cannot be negative")

	def for_customers(self) -> "BookingPolicy":
		"""Customers booking for themselves never book in the past: that is for staff recording walk-ins."""
		return replace(self, allow_past_booking=False)

	def for_staff_changes(self) -> "BookingPolicy":
		"""Staff moving an existing appointment to another provider at the same time are bound by no
		booking window: the time was accepted when it was booked."""
		return replace(self, lead_time_minutes=0, allow_past_booking=True, max_past_days=3650)


# Every start, past or future: for computing windows once and applying a booking window later.
ANY_TIME = BookingPolicy(
	lead_time_minutes=0, max_advance_days=36_500, allow_past_booking=True, max_past_days=36_500
)


def booking_time_reason(start: datetime, now: datetime, policy: BookingPolicy) -> Reason | None:
	"""Why `start` falls outside the booking window, or None when it is inside."""
	start, now = require_aware(start, "start"), require_aware(now, "now")
	if start < now:
		if not policy.allow_past_booking:
			return Reason.IN_PAST
		if now - start > timedelta(days=policy.max_past_days):
			return Reason.TOO_FAR_PAST
		return None
	if start - now < timedelta(minutes=policy.lead_time_minutes):
		return Reason.LEAD_TIME
	if start - now > timedelta(days=policy.max_advance_days):
		return Reason.TOO_FAR_AHEAD
	return None


def acceptable_starts(now: datetime, policy: BookingPolicy) -> list[tuple[datetime, datetime]]:
	"""The same rule as `booking_time_reason`, as closed intervals of starts, for filtering many at once."""
	now = require_aware(now, "now")
	future = [
		(now + timedelta(minutes=policy.lead_time_minutes), now + timedelta(days=policy.max_advance_days))
	]
	if not policy.allow_past_booking:
		return future
	# the past interval is half-open at `now`; a start exactly at `now` is judged by the future rule
	return [(now - timedelta(days=policy.max_past_days), now - timedelta(microseconds=1)), *future]


def check_booking_time(start: datetime, now: datetime, policy: BookingPolicy) -> None:
	if reason := booking_time_reason(start, now, policy):
		raise NotBookable(reason, f"start {start.isoformat()} at {now.isoformat()}")


def cancellation_deadline(start: datetime, policy: BookingPolicy) -> datetime:
	return require_aware(start, "start") - timedelta(hours=policy.cancellation_cutoff_hours)


def cancellation_allowed(
	start: datetime, now: datetime, policy: BookingPolicy, status: str = "Confirmed"
) -> bool:
	"""Customers may cancel (or move) a booking until the cut-off before its start. An Open hold may
	always be released: that only frees the time sooner than its expiry. Staff are not bound by it."""
	return status == "Open" or require_aware(now, "now") <= cancellation_deadline(start, policy)


def check_cancellation(
	start: datetime, now: datetime, policy: BookingPolicy, status: str = "Confirmed"
) -> None:
	if not cancellation_allowed(start, now, policy, status):
		raise NotBookable(
			Reason.CANCELLATION_CUTOFF,
			f"cancellation closes {policy.cancellation_cutoff_hours} h before the start",
		)
