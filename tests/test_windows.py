from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import (
	ANY_TIME,
	BookingPolicy,
	InvalidDuration,
	NaiveDatetime,
	SeatClaim,
	ServiceRule,
	Shift,
	ShiftPattern,
	bookable_windows,
	generate_slots,
	in_booking_window,
	seats_taken,
)

DAY = date(2026, 6, 1)  # a Monday
NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)
OPEN_POLICY = BookingPolicy(max_advance_days=365)


def day_slots(provider="P", capacity=1, shifts=None, slot_minutes=15):
	shifts = shifts or (Shift(0, time(9), time(17)),)
	return generate_slots(
		provider,
		ShiftPattern("UTC", shifts),
		[],
		first_day=DAY,
		last_day=DAY,
		slot_minutes=slot_minutes,
		capacity=capacity,
	)


def test_a_thirty_minute_service_with_buffers_consumes_four_quarter_hours():
	service = ServiceRule("Cut", 30, buffer_before_minutes=15, buffer_after_minutes=15)
	windows = bookable_windows(day_slots(), service, {}, now=NOW, policy=OPEN_POLICY)
	first = windows[0]
	assert first.start == datetime(2026, 6, 1, 9, 15, tzinfo=UTC)
	assert first.end == datetime(2026, 6, 1, 9, 45, tzinfo=UTC)
	assert len(first.slots) == 4
	assert windows[-1].slots[-1].end == datetime(2026, 6, 1, 17, tzinfo=UTC)
	assert len(windows) == 32 - 4 + 1


def test_a_taken_seat_removes_every_window_using_it():
	slots = day_slots()
	service = ServiceRule("Cut", 30)
	taken = {slots[4].key: 1}  # 10:00
	starts = {
		w.start.strftime("%H:%M")
		for w in bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY)
	}
	assert "09:45" not in starts and "10:00" not in starts
	assert "09:30" in starts and "10:15" in starts


def test_group_slots_stay_open_until_every_seat_is_taken():
	slots = day_slots(capacity=3)
	service = ServiceRule("Class", 15, max_clients_per_slot=3)
	taken = {slots[0].key: 2}
	windows = bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY)
	assert windows[0].start == slots[0].start and windows[0].free_seats == 1
	taken = {slots[0].key: 3}
	assert bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY)[0].start == slots[1].start


def test_the_service_limit_caps_a_bigger_slot():
	slots = day_slots(capacity=5)
	service = ServiceRule("Private", 15, max_clients_per_slot=1)
	assert (
		bookable_windows(slots, service, {slots[0].key: 1}, now=NOW, policy=OPEN_POLICY)[0].start
		== slots[1].start
	)


def test_emergency_seats_are_kept_for_the_emergency_tier():
	slots = day_slots(capacity=2)
	service = ServiceRule("Repair", 15, max_clients_per_slot=2, emergency_reserved_seats=1)
	taken = {slots[0].key: 1}
	assert bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY)[0].start == slots[1].start
	assert (
		bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY, emergency=True)[0].start
		== slots[0].start
	)


def test_a_window_never_spans_two_shifts():
	slots = day_slots(shifts=(Shift(0, time(9), time(10)), Shift(0, time(10), time(11))), slot_minutes=30)
	service = ServiceRule("Long", 60)
	assert [w.start.hour for w in bookable_windows(slots, service, {}, now=NOW, policy=OPEN_POLICY)] == [
		9,
		10,
	]


def test_expired_holds_are_free_and_live_holds_are_not():
	slots = day_slots()
	key = slots[0].key
	claims = [
		SeatClaim(key, "Open", hold_expires_at=NOW - timedelta(minutes=1)),
		SeatClaim(slots[1].key, "Open", hold_expires_at=NOW + timedelta(minutes=5)),
		SeatClaim(slots[2].key, "Cancelled"),
		SeatClaim(slots[3].key, "Confirmed"),
	]
	assert seats_taken(claims, NOW) == Counter({slots[1].key: 1, slots[3].key: 1})


def test_lead_time_and_horizon_filter_windows():
	slots = day_slots()
	now = datetime(2026, 6, 1, 9, 50, tzinfo=UTC)
	policy = BookingPolicy(lead_time_minutes=60, max_advance_days=30)
	windows = bookable_windows(slots, ServiceRule("Cut", 15), {}, now=now, policy=policy)
	assert windows[0].start == datetime(2026, 6, 1, 11, tzinfo=UTC)
	far = datetime(2026, 4, 1, tzinfo=UTC)
	assert bookable_windows(slots, ServiceRule("Cut", 15), {}, now=far, policy=policy) == []


def test_bad_service_values_are_refused():
	with pytest.raises(InvalidDuration):
		ServiceRule("Zero", 0)
	with pytest.raises(InvalidDuration):
		ServiceRule("Negative", -15)
	with pytest.raises(InvalidDuration):
		ServiceRule("Buffer", 15, buffer_after_minutes=-5)
	with pytest.raises(NaiveDatetime):
		bookable_windows(
			day_slots(), ServiceRule("Cut", 15), {}, now=datetime(2026, 6, 1), policy=OPEN_POLICY
		)


# --- properties -------------------------------------------------------------------------------


@st.composite
def scenarios(draw):
	capacity = draw(st.integers(1, 4))
	providers = [f"P{i}" for i in range(draw(st.integers(1, 3)))]
	slot_minutes = draw(st.sampled_from([10, 15, 30]))
	shifts = (Shift(0, time(9), time(12)), Shift(0, time(13), time(17)))
	slots = [s for p in providers for s in day_slots(p, capacity, shifts, slot_minutes)]
	taken = {s.key: draw(st.integers(0, capacity)) for s in slots if draw(st.booleans())}
	service = ServiceRule(
		"S",
		draw(st.integers(1, 120)),
		buffer_before_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
		buffer_after_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
		max_clients_per_slot=draw(st.integers(1, 4)),
		emergency_reserved_seats=draw(st.integers(0, 2)),
	)
	return slots, taken, service, draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_window_oversubscribes_a_slot_and_each_fits_one_shift(scenario):
	slots, taken, service, emergency = scenario
	windows = bookable_windows(slots, service, taken, now=NOW, policy=OPEN_POLICY, emergency=emergency)
	for window in windows:
		for slot in window.slots:
			limit = min(slot.capacity, service.max_clients_per_slot)
			if not emergency:
				limit -= service.emergency_reserved_seats
			assert taken.get(slot.key, 0) < limit
		assert len({s.provider for s in window.slots}) == 1
		assert len({s.shift_start for s in window.slots}) == 1
		assert all(a.end == b.start for a, b in zip(window.slots, window.slots[1:], strict=False))
		block_start = window.start - timedelta(minutes=service.buffer_before_minutes)
		assert window.slots[0].start == block_start
		assert window.slots[-1].end >= window.end + timedelta(minutes=service.buffer_after_minutes)
		assert window.end - window.start == timedelta(minutes=service.duration_minutes)


# A booking window and a moment: lead minutes, days back allowed, past booking on/off, minutes from
# the day's start.
WINDOW_RULES = (st.integers(0, 600), st.integers(0, 3), st.booleans(), st.integers(-24 * 60, 48 * 60))


def whole_day_at(lead, past_days, allow_past, now_offset_minutes):
	slots = day_slots(shifts=(Shift(0, time(0), time(23)),), slot_minutes=30)
	now = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(minutes=now_offset_minutes)
	policy = BookingPolicy(
		lead_time_minutes=lead, max_advance_days=1, allow_past_booking=allow_past, max_past_days=past_days
	)
	return slots, now, policy


@settings(max_examples=100, deadline=None)
@given(*WINDOW_RULES)
def test_windows_follow_the_booking_window_rule_exactly(lead, past_days, allow_past, now_offset_minutes):
	from frappoint.scheduling import booking_time_reason

	slots, now, policy = whole_day_at(lead, past_days, allow_past, now_offset_minutes)
	service = ServiceRule("S", 30)
	got = {w.start for w in bookable_windows(slots, service, {}, now=now, policy=policy)}
	expected = {s.start for s in slots if booking_time_reason(s.start, now, policy) is None}
	assert got == expected


@settings(max_examples=100, deadline=None)
@given(*WINDOW_RULES, st.sets(st.integers(0, 45), max_size=20))
def test_windows_computed_for_any_time_then_filtered_are_the_windows_of_the_policy(
	lead, past_days, allow_past, now_offset_minutes, taken_slots
):
	"""What the availability cache relies on: the booking window can be applied after computing."""
	slots, now, policy = whole_day_at(lead, past_days, allow_past, now_offset_minutes)
	taken = Counter({slots[i].key: 1 for i in taken_slots if i < len(slots)})
	service = ServiceRule("S", 60)
	direct = bookable_windows(slots, service, taken, now=now, policy=policy)
	later = in_booking_window(bookable_windows(slots, service, taken, now=now, policy=ANY_TIME), now, policy)
	assert later == direct
