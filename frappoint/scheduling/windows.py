"""Bookable windows: runs of one provider's consecutive slots inside one shift that cover a service's
buffer before + duration + buffer after, each slot with a seat left for this kind of booking.

Seats taken are counted from claims: a confirmed (or finished) booking always, an open hold only
until it expires. This module answers "is it free?"; it never stores or locks anything.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from frappoint.scheduling.clock import require_aware, require_minutes
from frappoint.scheduling.lifecycle import holds_resources
from frappoint.scheduling.policy import BookingPolicy, acceptable_starts
from frappoint.scheduling.pricing import seat_limit
from frappoint.scheduling.slots import Slot

SlotKey = tuple[str, datetime]


@dataclass(frozen=True)
class ServiceRule:
	"""What the scheduling rules need to know about a service."""

	name: str
	duration_minutes: int
	buffer_before_minutes: int = 0
	buffer_after_minutes: int = 0
	max_clients_per_slot: int = 1
	emergency_reserved_seats: int = 0

	def __post_init__(self):
		require_minutes(self.duration_minutes, "duration")
		require_minutes(self.buffer_before_minutes, "buffer before", allow_zero=True)
		require_minutes(self.buffer_after_minutes, "buffer after", allow_zero=True)
		require_minutes(self.max_clients_per_slot, "max clients per slot")
		require_minutes(self.emergency_reserved_seats, "emergency reserved seats", allow_zero=True)

	@property
	def block_minutes(self) -> int:
		return self.buffer_before_minutes + self.duration_minutes + self.buffer_after_minutes

	def slots_needed(self, slot_minutes: int) -> int:
		return math.ceil(self.block_minutes / slot_minutes)

	def seat_limit(self, slot_capacity: int, emergency: bool) -> int:
		return seat_limit(
			min(slot_capacity, self.max_clients_per_slot), self.emergency_reserved_seats, emergency
		)


@dataclass(frozen=True)
class SeatClaim:
	"""One seat of one slot claimed by an appointment in `status`."""

	slot: SlotKey
	status: str
	hold_expires_at: datetime | None = None

	def is_active(self, now: datetime) -> bool:
		return holds_resources(self.status, self.hold_expires_at, now)


class Window(NamedTuple):
	provider: str
	start: datetime  # the service itself starts here (after the buffer before)
	end: datetime
	slots: tuple[Slot, ...]  # every slot the booking consumes, buffers included
	free_seats: int


def seats_taken(claims: Iterable[SeatClaim], now: datetime) -> Counter:
	"""Seats in use per slot at `now`: expired holds and cancelled bookings are free again."""
	now = require_aware(now, "now")
	return Counter(claim.slot for claim in claims if claim.is_active(now))


def shift_runs(slots: Sequence[Slot]) -> list[list[Slot]]:
	"""Slots grouped into runs of one provider's back-to-back slots within one shift."""
	runs: list[list[Slot]] = []
	previous_end = previous_shift = previous_provider = None
	for slot in sorted(slots):  # tuple order is (provider, start, ...)
		provider, start, end, shift_start, _ = slot
		if start != previous_end or shift_start != previous_shift or provider != previous_provider:
			runs.append([])
		runs[-1].append(slot)
		previous_end, previous_shift, previous_provider = end, shift_start, provider
	return runs


def bookable_windows(
	slots: Sequence[Slot],
	service: ServiceRule,
	taken: Mapping[SlotKey, int],
	*,
	now: datetime,
	policy: BookingPolicy,
	emergency: bool = False,
) -> list[Window]:
	"""Every window where `service` can be booked, ordered by start then provider."""
	allowed = acceptable_starts(now, policy)
	before = timedelta(minutes=service.buffer_before_minutes)
	duration = timedelta(minutes=service.duration_minutes)
	limits: dict[int, int] = {}
	windows = []
	for run in shift_runs(slots):
		slot_minutes = int((run[0].end - run[0].start).total_seconds() // 60)
		needed = service.slots_needed(slot_minutes)
		if len(run) < needed:
			continue
		free = []
		for s in run:
			if s.capacity not in limits:
				limits[s.capacity] = service.seat_limit(s.capacity, emergency)
			free.append(limits[s.capacity] - taken.get(s[:2], 0))  # s[:2] == s.key, without a call
		# Walk back once so each start knows the nearest full slot at or after it.
		next_full, nearest = [0] * len(run), len(run)
		for i in range(len(run) - 1, -1, -1):
			if free[i] <= 0:
				nearest = i
			next_full[i] = nearest
		last = len(run) - needed
		# Most runs lie wholly inside the booking window: then no start needs checking on its own.
		first_start, last_start = run[0].start + before, run[last].start + before
		check_each = not any(lo <= first_start and last_start <= hi for lo, hi in allowed)
		provider = run[0].provider
		for i in range(last + 1):
			if next_full[i] < i + needed:
				continue
			start = run[i].start + before if before else run[i].start
			if check_each and not _inside(start, allowed):
				continue
			chosen = tuple(run[i : i + needed])
			windows.append(Window(provider, start, start + duration, chosen, min(free[i : i + needed])))
	windows.sort(key=attrgetter("start", "provider"))
	return windows


def in_booking_window(windows: Iterable[Window], now: datetime, policy: BookingPolicy) -> list[Window]:
	"""The windows whose start `policy` accepts at `now` (windows computed under `ANY_TIME`)."""
	allowed = acceptable_starts(now, policy)
	return [w for w in windows if _inside(w.start, allowed)]


def _inside(start: datetime, intervals: list[tuple[datetime, datetime]]) -> bool:
	for lo, hi in intervals:
		if lo <= start <= hi:
			return True
	return False
