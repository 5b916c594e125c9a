""" "Why not?": the reason a given start time cannot be booked, checked in the order a person would
ask (is it too soon or too far? is anyone working? is it blocked? does it fit? is it full?)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from frappoint.scheduling.clock import require_aware, zone
from frappoint.scheduling.errors import Reason
from frappoint.scheduling.policy import BookingPolicy, booking_time_reason
from frappoint.scheduling.slots import AvailabilityException, ShiftPattern, generate_slots
from frappoint.scheduling.windows import ServiceRule, SlotKey, shift_runs


@dataclass(frozen=True)
class ProviderDay:
	"""What is known about one provider around the asked time."""

	provider: str
	pattern: ShiftPattern
	exceptions: Sequence[AvailabilityException]
	slot_minutes: int
	capacity: int = 1


def why_not(
	start: datetime,
	service: ServiceRule,
	provider: ProviderDay,
	taken: Mapping[SlotKey, int],
	*,
	now: datetime,
	policy: BookingPolicy,
	emergency: bool = False,
) -> Reason | None:
	"""The first reason `start` (the service start) is not bookable with this provider's slots, or
	None. Rooms and machines explain themselves: `allocate_units` refuses with UNIT_UNAVAILABLE."""
	start = require_aware(start, "start")
	if reason := booking_time_reason(start, now, policy):
		return reason
	block_start = start - timedelta(minutes=service.buffer_before_minutes)
	block_end = block_start + timedelta(minutes=service.block_minutes)
	service_end = start + timedelta(minutes=service.duration_minutes)

	# Shifts are attributed to their start day; look a day either side to catch overnight shifts.
	day = start.astimezone(zone(provider.pattern.timezone)).date()
	first, last = day - timedelta(days=1), day + timedelta(days=1)
	plain = generate_slots(
		provider.provider,
		provider.pattern,
		[],
		first_day=first,
		last_day=last,
		slot_minutes=provider.slot_minutes,
	)
	actual = generate_slots(
		provider.provider,
		provider.pattern,
		provider.exceptions,
		first_day=first,
		last_day=last,
		slot_minutes=provider.slot_minutes,
		capacity=provider.capacity,
	)
	if _run_covering(plain, start, service_end) is None:
		return Reason.OUTSIDE_SHIFT
	if _run_covering(actual, start, service_end) is None:
		return Reason.EXCEPTION
	run = _run_covering(actual, block_start, block_end)
	if run is None:
		return Reason.BUFFER
	if run[0].start != block_start:
		return Reason.OFF_GRID
	if any(service.seat_limit(s.capacity, True) - taken.get(s.key, 0) <= 0 for s in run):
		return Reason.FULL
	if any(service.seat_limit(s.capacity, emergency) - taken.get(s.key, 0) <= 0 for s in run):
		return Reason.EMERGENCY_ONLY
	return None


def _run_covering(slots, start, end):
	"""The slots of one shift run covering [start, end), or None."""
	for run in shift_runs(slots):
		if run[0].start <= start and run[-1].end >= end:
			inside = [s for s in run if s.end > start and s.start < end]
			return inside
	return None
