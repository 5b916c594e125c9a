"""Wall times the clocks skip (issue 25): a time typed in the desk that does not exist on a
spring-forward night is refused, not moved, and the refusal names the valid times either side of the
jump. These tests pin the rule that finds the gap and its neighbours (`skipped_wall_time`).
"""

from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import NaiveDatetime, skipped_wall_time, zone

UTC = timezone.utc
ZONES = [
	"Europe/London",
	"America/New_York",
	"Australia/Sydney",
	"America/Santiago",
	"Australia/Lord_Howe",
	"UTC",
]


@cache
def jumps(name: str, year: int) -> tuple[datetime, ...]:
	"""The wall times (before the change, naive) at which `name` changes its offset in `year`."""
	tz, found = zone(name), []
	instant = datetime(year, 1, 1, tzinfo=UTC)
	while instant.year == year:
		later = instant + timedelta(minutes=30)
		if later.astimezone(tz).utcoffset() != instant.astimezone(tz).utcoffset():
			found.append(
				later.astimezone(tz).replace(tzinfo=None)
				- (later.astimezone(tz).utcoffset() - instant.astimezone(tz).utcoffset())
			)
		instant = later
	return tuple(found)


@st.composite
def wall_times_near_a_change(draw):
	"""A zone and a wall time within three hours of one of its clock changes (either way), to the second."""
	name = draw(st.sampled_from(ZONES))
	changes = jumps(name, draw(st.integers(2020, 2030))) or (datetime(2026, 3, 29, 1, 0),)
	return name, draw(st.sampled_from(changes)) + timedelta(seconds=draw(st.integers(-3 * 3600, 3 * 3600)))


def exists(wall: datetime, tz) -> bool:
	"""The plain definition: a wall time exists when some instant shows it on the zone's clocks."""
	return any(
		wall.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
		for fold in (0, 1)
	)


@pytest.mark.parametrize(
	("name", "wall", "last_before", "first_after"),
	[
		# London springs forward 01:00 -> 02:00
		(
			"Europe/London",
			datetime(2027, 3, 28, 1, 30),
			datetime(2027, 3, 28, 0, 59),
			datetime(2027, 3, 28, 2, 0),
		),
		(
			"Europe/London",
			datetime(2027, 3, 28, 1, 0),
			datetime(2027, 3, 28, 0, 59),
			datetime(2027, 3, 28, 2, 0),
		),
		(
			"America/New_York",
			datetime(2026, 3, 8, 2, 59, 59),
			datetime(2026, 3, 8, 1, 59),
			datetime(2026, 3, 8, 3, 0),
		),
		(
			"Australia/Sydney",
			datetime(2026, 10, 4, 2, 15),
			datetime(2026, 10, 4, 1, 59),
			datetime(2026, 10, 4, 3, 0),
		),
		# a jump at midnight: the last valid minute is on the day before
		(
			"America/Santiago",
			datetime(2024, 9, 8, 0, 30),
			datetime(2024, 9, 7, 23, 59),
			datetime(2024, 9, 8, 1, 0),
		),
		# a half-hour jump
		(
			"Australia/Lord_Howe",
			datetime(2026, 10, 4, 2, 15),
			datetime(2026, 10, 4, 1, 59),
			datetime(2026, 10, 4, 2, 30),
		),
		# a whole day skipped (Samoa crossed the date line)
		(
			"Pacific/Apia",
			datetime(2011, 12, 30, 12, 0),
			datetime(2011, 12, 29, 23, 59),
			datetime(2011, 12, 31, 0, 0),
		),
		# a jump of 28 seconds off the minute (Amsterdam left its local mean time): whole minutes around it
		(
			"Europe/Amsterdam",
			datetime(1937, 7, 1, 0, 0, 10),
			datetime(1937, 6, 30, 23, 59),
			datetime(1937, 7, 1, 0, 1),
		),
	],
)
def test_a_skipped_wall_time_is_named_with_the_last_minute_before_and_the_first_after(
	name, wall, last_before, first_after
):
	gap = skipped_wall_time(wall, zone(name))
	assert gap is not None
	assert (gap.wall, gap.last_before, gap.first_after) == (wall, last_before, first_after)


@pytest.mark.parametrize(
	("name", "wall"),
	[
		("Europe/London", datetime(2027, 3, 28, 0, 59, 59)),  # just before the jump
		("Europe/London", datetime(2027, 3, 28, 2, 0)),  # its first minute after
		("Europe/London", datetime(2027, 10, 31, 1, 30)),  # the repeated hour of fall-back exists (twice)
		("America/New_York", datetime(2026, 11, 1, 1, 30)),
		("Europe/London", datetime(2027, 6, 1, 12, 0)),
		("UTC", datetime(2027, 3, 28, 1, 30)),
	],
)
def test_a_wall_time_that_exists_is_not_skipped(name, wall):
	assert skipped_wall_time(wall, zone(name)) is None


def test_an_aware_datetime_is_not_a_wall_time():
	with pytest.raises(NaiveDatetime):
		skipped_wall_time(datetime(2027, 3, 28, 1, 30, tzinfo=UTC), zone("Europe/London"))


@settings(max_examples=400, deadline=None)
@given(wall_times_near_a_change())
def test_skipped_means_no_instant_shows_it_and_the_neighbours_exist_around_it(case):
	name, wall = case
	tz = zone(name)
	gap = skipped_wall_time(wall, tz)
	assert (gap is None) == exists(wall, tz)
	if gap is None:
		return
	assert gap.last_before < wall < gap.first_after
	assert exists(gap.last_before, tz) and exists(gap.first_after, tz)
	assert gap.last_before.second == gap.first_after.second == 0
	# nearest: the minute after the last valid one, and the minute before the first after, are skipped
	assert not exists(gap.last_before + timedelta(minutes=1), tz)
	assert not exists(gap.first_after - timedelta(minutes=1), tz)


@settings(max_examples=100, deadline=None)
@given(wall_times_near_a_change())
def test_every_minute_of_a_spring_forward_gap_names_the_same_neighbours(case):
	"""Each time inside one gap gets the same two choices, whichever minute of it was typed."""
	name, near = case
	tz = zone(name)
	gap = skipped_wall_time(near, tz)
	if gap is None:
		return
	minute = gap.last_before + timedelta(minutes=1)
	while minute < gap.first_after:
		other = skipped_wall_time(minute, tz)
		assert (other.last_before, other.first_after) == (gap.last_before, gap.first_after)
		minute += timedelta(minutes=1)
