import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import (
	AvailabilityException,
	EmptyShiftPattern,
	ExceptionKind,
	InvalidRange,
	InvalidShiftPattern,
	InvalidSlotSize,
	NaiveDatetime,
	Shift,
	ShiftPattern,
	UnknownTimezone,
	generate_slots,
	local_instant,
	zone,
)

WEEKDAYS_9_TO_5 = tuple(Shift(d, time(9), time(17)) for d in range(5))


def pattern(tz="Europe/London", shifts=WEEKDAYS_9_TO_5):
	return ShiftPattern(tz, shifts)


def local_starts(slots, tz):
	return [s.start.astimezone(zone(tz)).strftime("%H:%M") for s in slots]


def test_a_nine_to_five_day_has_thirty_two_quarter_hours():
	slots = generate_slots(
		"P", pattern(), [], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=15
	)
	assert len(slots) == 32
	assert local_starts(slots, "Europe/London")[0] == "09:00"
	assert local_starts(slots, "Europe/London")[-1] == "16:45"
	assert all(s.end - s.start == timedelta(minutes=15) for s in slots)


def test_several_shifts_a_day_make_separate_runs():
	split = ShiftPattern("UTC", (Shift(0, time(8), time(12)), Shift(0, time(13), time(17))))
	slots = generate_slots(
		"P", split, [], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=60
	)
	assert [s.start.hour for s in slots] == [8, 9, 10, 11, 13, 14, 15, 16]
	assert {s.shift_start.hour for s in slots} == {8, 13}


def test_a_night_shift_crossing_midnight_belongs_to_the_day_it_starts():
	night = ShiftPattern("UTC", (Shift(4, time(22), time(6)),))  # Friday 22:00 - Saturday 06:00
	slots = generate_slots(
		"P", night, [], first_day=date(2026, 6, 5), last_day=date(2026, 6, 5), slot_minutes=60
	)
	assert len(slots) == 8
	assert slots[0].start == datetime(2026, 6, 5, 22, tzinfo=UTC)
	assert slots[-1].end == datetime(2026, 6, 6, 6, tzinfo=UTC)
	assert (
		generate_slots("P", night, [], first_day=date(2026, 6, 6), last_day=date(2026, 6, 6), slot_minutes=60)
		== []
	)


def test_leave_removes_every_slot_it_touches():
	leave = AvailabilityException(
		ExceptionKind.LEAVE, datetime(2026, 6, 1, 10, 10, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC)
	)
	slots = generate_slots(
		"P", pattern("UTC"), [leave], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=30
	)
	starts = [s.start.strftime("%H:%M") for s in slots]
	assert "10:00" not in starts and "10:30" not in starts
	assert "09:30" in starts and "11:00" in starts
	assert len(slots) == 16 - 2


def test_an_extra_shift_adds_time_on_a_day_off():
	extra = AvailabilityException(
		ExceptionKind.EXTRA_SHIFT, datetime(2026, 6, 6, 10, tzinfo=UTC), datetime(2026, 6, 6, 12, tzinfo=UTC)
	)
	slots = generate_slots(
		"P", pattern("UTC"), [extra], first_day=date(2026, 6, 6), last_day=date(2026, 6, 6), slot_minutes=60
	)
	assert [s.start.hour for s in slots] == [10, 11]


def test_an_extra_shift_overlapping_a_regular_one_never_duplicates_a_slot():
	extra = AvailabilityException(
		ExceptionKind.EXTRA_SHIFT, datetime(2026, 6, 1, 16, tzinfo=UTC), datetime(2026, 6, 1, 19, tzinfo=UTC)
	)
	slots = generate_slots(
		"P", pattern("UTC"), [extra], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=60
	)
	assert [s.start.hour for s in slots] == list(range(9, 19))


@pytest.mark.parametrize(
	"tz, spring, autumn",
	[
		("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
		("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
		("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5)),
	],
)
def test_local_shift_hours_survive_daylight_saving_changes(tz, spring, autumn):
	every_day = tuple(Shift(d, time(9), time(17)) for d in range(7))
	for day in (spring, autumn):
		slots = generate_slots(
			"P", ShiftPattern(tz, every_day), [], first_day=day, last_day=day, slot_minutes=15
		)
		assert local_starts(slots, tz) == [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 15, 30, 45)]


def test_a_night_shift_over_the_autumn_change_gets_the_extra_hour_once():
	night = ShiftPattern("Europe/London", (Shift(5, time(22), time(6)),))  # Sat 24 -> Sun 25 Oct 2026
	slots = generate_slots(
		"P", night, [], first_day=date(2026, 10, 24), last_day=date(2026, 10, 24), slot_minutes=60
	)
	assert len(slots) == 9  # 22:00 BST to 06:00 GMT is nine hours
	assert len({s.start for s in slots}) == 9


def test_nonexistent_local_time_moves_forward_and_repeated_time_takes_the_first():
	london = zone("Europe/London")
	gap = local_instant(date(2026, 3, 29), time(1, 30), london)
	assert gap.astimezone(london).strftime("%H:%M %Z") == "02:30 BST"
	repeated = local_instant(date(2026, 10, 25), time(1, 30), london)
	assert repeated == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, the first occurrence


def test_bad_input_raises_specific_errors():
	with pytest.raises(EmptyShiftPattern):
		ShiftPattern("UTC", ())
	with pytest.raises(UnknownTimezone):
		ShiftPattern("Mars/Olympus", WEEKDAYS_9_TO_5)
	with pytest.raises(InvalidShiftPattern, match="overlap"):
		ShiftPattern("UTC", (Shift(0, time(9), time(13)), Shift(0, time(12), time(17))))
	with pytest.raises(InvalidShiftPattern, match="overlap"):
		ShiftPattern("UTC", (Shift(6, time(22), time(6)), Shift(0, time(5), time(9))))
	with pytest.raises(InvalidShiftPattern):
		Shift(7, time(9), time(10))
	with pytest.raises(InvalidSlotSize, match="divide a day"):
		generate_slots(
			"P", pattern(), [], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=7
		)
	with pytest.raises(InvalidSlotSize, match="cannot be cut"):
		generate_slots(
			"P",
			ShiftPattern("UTC", (Shift(0, time(9), time(9, 45)),)),
			[],
			first_day=date(2026, 6, 1),
			last_day=date(2026, 6, 1),
			slot_minutes=30,
		)
	with pytest.raises(InvalidRange):
		generate_slots(
			"P", pattern(), [], first_day=date(2026, 6, 2), last_day=date(2026, 6, 1), slot_minutes=15
		)
	with pytest.raises(NaiveDatetime):
		AvailabilityException(ExceptionKind.LEAVE, datetime(2026, 6, 1, 9), datetime(2026, 6, 1, 10))
	with pytest.raises(InvalidRange):
		AvailabilityException(
			ExceptionKind.LEAVE, datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 9, tzinfo=UTC)
		)


# --- properties -------------------------------------------------------------------------------

DST_ZONES = ["Europe/London", "America/New_York", "Australia/Sydney"]
DST_DAYS = {
	"Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
	"America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
	"Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
}

slot_sizes = st.sampled_from([5, 10, 15, 20, 30, 60])


@st.composite
def shift_patterns(draw, tz=None):
	"""Non-overlapping weekly patterns: up to three shifts a day at distinct whole hours."""
	tz = tz or draw(st.sampled_from(DST_ZONES + ["UTC"]))
	shifts = []
	for weekday in range(7):
		hours = sorted(draw(st.sets(st.integers(0, 22), max_size=4)))
		# pair the hours into [start, end) shifts that cannot overlap
		for start, end in zip(hours[::2], hours[1::2], strict=False):
			shifts.append(Shift(weekday, time(start), time(end)))
	if not shifts:
		shifts.append(Shift(draw(st.integers(0, 6)), time(9), time(17)))
	return ShiftPattern(tz, tuple(shifts))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(DST_ZONES), st.data(), slot_sizes)
def test_dst_days_keep_local_hours_and_lose_or_duplicate_no_slot(tz, data, slot_minutes):
	day = data.draw(st.sampled_from(DST_DAYS[tz]))
	start_hour = data.draw(st.integers(0, 20))
	end_hour = data.draw(st.integers(start_hour + 1, 23))
	shift = Shift(day.weekday(), time(start_hour), time(end_hour))
	slots = generate_slots(
		"P", ShiftPattern(tz, (shift,)), [], first_day=day, last_day=day, slot_minutes=slot_minutes
	)
	local = zone(tz)
	begin = local_instant(day, shift.start, local)
	finish = local_instant(day, shift.end, local)
	# no slot lost: the slots tile the elapsed shift exactly; none duplicated
	assert len({s.start for s in slots}) == len(slots)
	assert len(slots) == (finish - begin) // timedelta(minutes=slot_minutes)
	assert all(a.end == b.start for a, b in itertools.pairwise(slots))
	if slots:
		assert slots[0].start == begin
	# local shift hours kept: the wall-clock start is the shift start (unless it falls in the gap)
	if begin.astimezone(local).replace(tzinfo=None).time() == shift.start:
		assert slots[0].start.astimezone(local).time() == shift.start


@settings(max_examples=60, deadline=None)
@given(
	shift_patterns(), st.dates(date(2026, 1, 1), date(2026, 12, 20)), st.integers(0, 9), slot_sizes, st.data()
)
def test_generating_a_range_equals_the_union_of_its_days(pat, first, extra_days, slot_minutes, data):
	last = first + timedelta(days=extra_days)
	leave_start = datetime.combine(first, time(data.draw(st.integers(0, 23))), tzinfo=UTC) + timedelta(
		days=data.draw(st.integers(0, extra_days))
	)
	leave = AvailabilityException(
		ExceptionKind.LEAVE, leave_start, leave_start + timedelta(hours=data.draw(st.integers(1, 30)))
	)
	whole = generate_slots("P", pat, [leave], first_day=first, last_day=last, slot_minutes=slot_minutes)
	by_day = []
	for offset in range(extra_days + 1):
		day = first + timedelta(days=offset)
		by_day.extend(
			generate_slots("P", pat, [leave], first_day=day, last_day=day, slot_minutes=slot_minutes)
		)
	assert whole == sorted(by_day, key=lambda s: s.start)
	assert not any(leave.start < s.end and s.start < leave.end for s in whole)
