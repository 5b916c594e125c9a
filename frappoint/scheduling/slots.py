"""Slot generation: a provider's weekly shifts and dated exceptions become bookable slots.

Shifts are wall-clock times in the provider's IANA timezone; each occurrence is placed with the DST
rule of `clock` and then cut into slots in elapsed time, on a grid aligned to the shift's start. A shift
belongs to the day it starts on (a 22:00-06:00 shift is generated with its first day), so generating a
range equals generating each of its days. Leave, holidays and blocked periods remove every slot they
touch; extra shifts add time. The core never stores anything: callers persist the returned slots.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from dateutil.rrule import WEEKLY, rrule

from frappoint.scheduling.clock import (
	local_instant,
	require_date_range,
	require_minutes,
	require_period,
	zone,
)
from frappoint.scheduling.compat import UTC, StrEnum
from frappoint.scheduling.errors import EmptyShiftPattern, InvalidShiftPattern, InvalidSlotSize

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Shift:
	"""A weekly working period: `weekday` 0 = Monday; `end` <= `start` means it ends the next day."""

	weekday: int
	start: time
	end: time

	def __post_init__(self):
		if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
			raise InvalidShiftPattern(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")
		if self.start == self.end:
			raise InvalidShiftPattern(f"shift starting {self.start} on weekday {self.weekday} has no length")

	@property
	def crosses_midnight(self) -> bool:
		return self.end <= self.start

	@property
	def nominal_minutes(self) -> int:
		"""Wall-clock length, ignoring DST (a 09:00-17:00 shift is always 480)."""
		length = _minute_of_day(self.end) - _minute_of_day(self.start)
		return length + MINUTES_PER_DAY if length <= 0 else length

	def week_interval(self) -> tuple[int, int]:
		"""Minutes since Monday 00:00 (end may run past the week's end)."""
		start = self.weekday * MINUTES_PER_DAY + _minute_of_day(self.start)
		return start, start + self.nominal_minutes


@dataclass(frozen=True)
class ShiftPattern:
	"""A provider's recurring week, in its own timezone."""

	timezone: str
	shifts: tuple[Shift, ...] = field(default_factory=tuple)

	def __post_init__(self):
		zone(self.timezone)
		object.__setattr__(self, "shifts", tuple(self.shifts))
		if not self.shifts:
			raise EmptyShiftPattern("the weekly shift pattern has no shift: add at least one working period")
		_refuse_overlaps(self.shifts)


class ExceptionKind(StrEnum):
	LEAVE = "Leave"
	HOLIDAY = "Holiday"
	BLOCKED = "Blocked"
	EXTRA_SHIFT = "Extra Shift"

	@property
	def removes_time(self) -> bool:
		return self is not ExceptionKind.EXTRA_SHIFT


@dataclass(frozen=True)
class AvailabilityException:
	"""A dated change to the weekly pattern: `start`/`end` are aware datetimes."""

	kind: ExceptionKind
	start: datetime
	end: datetime

	def __post_init__(self):
		object.__setattr__(self, "kind", ExceptionKind(self.kind))
		start, end = require_period(self.start, self.end, f"{self.kind} exception")
		object.__setattr__(self, "start", start)
		object.__setattr__(self, "end", end)


class Slot(NamedTuple):
	"""One bookable unit of a provider's time. `shift_start` identifies the shift it belongs to."""

	provider: str
	start: datetime
	end: datetime
	shift_start: datetime
	capacity: int

	@property
	def key(self) -> tuple[str, datetime]:
		return (self.provider, self.start)


def require_slot_size(slot_minutes: int) -> int:
	require_minutes(slot_minutes, "slot size")
	if MINUTES_PER_DAY % slot_minutes:
		raise InvalidSlotSize(
			f"a slot of {slot_minutes} minutes does not divide a day; use a divisor of 1440 such as 15, 30 or 60"
		)
	return slot_minutes


def shift_intervals(
	pattern: ShiftPattern,
	exceptions: Sequence[AvailabilityException],
	first_day: date,
	last_day: date,
) -> list[tuple[datetime, datetime]]:
	"""UTC (start, end) of every shift starting on a day in the range, before exceptions remove time."""
	require_date_range(first_day, last_day)
	tz = zone(pattern.timezone)
	intervals = []
	for shift in pattern.shifts:
		for occurrence in rrule(
			WEEKLY, byweekday=shift.weekday, dtstart=_midnight(first_day), until=_midnight(last_day)
		):
			day = occurrence.date()
			end_day = day + timedelta(days=1) if shift.crosses_midnight else day
			intervals.append((local_instant(day, shift.start, tz), local_instant(end_day, shift.end, tz)))
	for extra in exceptions:
		if (
			extra.kind is ExceptionKind.EXTRA_SHIFT
			and first_day <= extra.start.astimezone(tz).date() <= last_day
		):
			intervals.append((extra.start, extra.end))
	intervals.sort()
	return intervals


def generate_slots(
	provider: str,
	pattern: ShiftPattern,
	exceptions: Iterable[AvailabilityException],
	*,
	first_day: date,
	last_day: date,
	slot_minutes: int,
	capacity: int = 1,
) -> list[Slot]:
	"""Every slot of `provider` in shifts starting from `first_day` to `last_day` (local, inclusive).

	Slots are sorted by start, never overlap (a slot an extra shift would duplicate is skipped) and
	never touch a leave, holiday or blocked period.
	"""
	require_slot_size(slot_minutes)
	require_minutes(capacity, "capacity")
	exceptions = list(exceptions)
	for shift in pattern.shifts:
		if shift.nominal_minutes % slot_minutes:
			raise InvalidSlotSize(
				f"a {shift.nominal_minutes}-minute shift from {shift.start:%H:%M} cannot be cut into "
				f"{slot_minutes}-minute slots"
			)
	blocks = sorted((e.start, e.end) for e in exceptions if e.kind.removes_time)
	step = timedelta(minutes=slot_minutes)
	slots: list[Slot] = []
	append = slots.append
	last_end = datetime.min.replace(tzinfo=UTC)
	for shift_start, shift_end in shift_intervals(pattern, exceptions, first_day, last_day):
		# Sorted by start: a later shift overlapping an earlier one only adds what lies past it.
		slot_start = shift_start
		if slot_start < last_end:
			slot_start += -((shift_start - last_end) // step) * step
		relevant_blocks = [b for b in blocks if b[0] < shift_end and b[1] > shift_start] if blocks else ()
		slot_end = slot_start + step
		while slot_end <= shift_end:
			if not relevant_blocks or not any(
				b0 < slot_end and b1 > slot_start for b0, b1 in relevant_blocks
			):
				append(Slot(provider, slot_start, slot_end, shift_start, capacity))
			slot_start = slot_end
			slot_end = slot_start + step
		last_end = max(last_end, shift_end)
	return slots


def _refuse_overlaps(shifts: Sequence[Shift]) -> None:
	# Compare on a two-week line so a Sunday-night shift meets Monday's shifts.
	spans = sorted(
		(start + offset, end + offset, shift)
		for shift in shifts
		for start, end in [shift.week_interval()]
		for offset in (0, MINUTES_PER_WEEK)
	)
	for (_, end_a, a), (start_b, _, b) in itertools.pairwise(spans):
		if start_b < end_a:
			raise InvalidShiftPattern(
				f"shifts overlap: weekday {a.weekday} {a.start:%H:%M}-{a.end:%H:%M} and "
				f"weekday {b.weekday} {b.start:%H:%M}-{b.end:%H:%M}"
			)


def _minute_of_day(t: time) -> int:
	return t.hour * 60 + t.minute


def _midnight(day: date) -> datetime:
	return datetime(day.year, day.month, day.day)
