"""Instants across both DST changes of the site's zone and of the provider's (issue 11).

The site stores every decision as a naive UTC wall time (`stored_utc`) and shows a naive site-zone
wall time beside it (`wall_time`). These properties pin why: the UTC form is a lossless round trip on
every transition day of either zone, while the site-zone form collapses the repeated hour of the
site's fall-back night, which is how a booking once landed on the wrong occurrence.
"""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import (
	BookingPolicy,
	NaiveDatetime,
	ServiceRule,
	Shift,
	ShiftPattern,
	Slot,
	bookable_windows,
	from_stored_utc,
	generate_slots,
	stored_utc,
	wall_time,
	zone,
)

UTC = timezone.utc
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "UTC"]
TRANSITIONS = {
	"Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
	"America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
	"Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
	"UTC": [],
}
RULE = ServiceRule("Consult", duration_minutes=30, buffer_after_minutes=15)
POLICY = BookingPolicy(max_advance_days=365)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def stored(slot: Slot) -> Slot:
	"""A slot as the database gives it back: every instant through its UTC column."""
	return slot._replace(
		start=from_stored_utc(stored_utc(slot.start)),
		end=from_stored_utc(stored_utc(slot.end)),
		shift_start=from_stored_utc(stored_utc(slot.shift_start)),
	)


@st.composite
def transition_days(draw):
	"""A site zone, a provider zone and a day on which either of them changes its clocks."""
	site, provider = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
	days = TRANSITIONS[site] + TRANSITIONS[provider]
	if not days:
		days = [date(2026, 11, 1)]
	day = draw(st.sampled_from(days))
	return site, provider, day + timedelta(days=draw(st.integers(-1, 1)))


@settings(max_examples=150, deadline=None)
@given(transition_days(), st.sampled_from([15, 30, 60]), st.integers(0, 23), st.integers(1, 23))
def test_utc_storage_keeps_every_slot_and_window_on_transition_days(case, slot_minutes, first, hours):
	site, provider, day = case
	shift = Shift(day.weekday(), time(first), time((first + hours) % 24))  # may run past midnight
	slots = generate_slots(
		"P", ShiftPattern(provider, (shift,)), [], first_day=day, last_day=day, slot_minutes=slot_minutes
	)

	# the stored form is lossless and one-to-one
	assert [stored(s) for s in slots] == slots
	assert len({stored_utc(s.start) for s in slots}) == len(slots)

	# availability read back from storage offers exactly what the rules offer, no time twice
	windows = bookable_windows(slots, RULE, {}, now=NOW, policy=POLICY)
	read_back = bookable_windows([stored(s) for s in slots], RULE, {}, now=NOW, policy=POLICY)
	assert read_back == windows
	assert len({w.start for w in windows}) == len(windows)

	# what the API prints in the site's zone, with its offset, names the same instants
	site_zone = zone(site)
	printed = [w.start.astimezone(site_zone).isoformat() for w in windows]
	assert [datetime.fromisoformat(p) for p in printed] == [w.start for w in windows]
	assert len(set(printed)) == len(printed)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ZONES), st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)))
def test_stored_utc_round_trips_any_instant_and_site_wall_time_only_outside_the_repeated_hour(site, naive):
	instant = naive.replace(tzinfo=UTC)
	assert from_stored_utc(stored_utc(instant)) == instant
	assert from_stored_utc(stored_utc(instant).isoformat(" ")) == instant
	shown = wall_time(instant, zone(site))
	first_reading = shown.replace(tzinfo=zone(site), fold=0).astimezone(UTC)
	second_reading = shown.replace(tzinfo=zone(site), fold=1).astimezone(UTC)
	assert instant in (first_reading, second_reading)
	if first_reading == second_reading:
		assert first_reading == instant  # an unambiguous wall time says exactly one instant


def test_new_york_fall_back_night_offers_each_occurrence_of_the_repeated_hour_once():
	"""The issue's case: site and provider in New York, a shift 00:30-03:00 on 1 November 2026."""
	ny = zone("America/New_York")
	day = date(2026, 11, 1)
	slots = generate_slots(
		"P",
		ShiftPattern(ny.key, (Shift(6, time(0, 30), time(3)),)),
		[],
		first_day=day,
		last_day=day,
		slot_minutes=15,
	)
	rule = ServiceRule("Quick", duration_minutes=15)
	printed = [
		w.start.astimezone(ny).isoformat() for w in bookable_windows(slots, rule, {}, now=NOW, policy=POLICY)
	]
	assert printed.count("2026-11-01T01:30:00-04:00") == 1
	assert printed.count("2026-11-01T01:30:00-05:00") == 1
	assert len(printed) == len(set(printed)) == 14  # 3.5 elapsed hours of quarter hours
	# the naive site-zone form cannot tell them apart; the stored UTC form can
	assert len({wall_time(s.start, ny) for s in slots}) == len(slots) - 4
	assert len({stored_utc(s.start) for s in slots}) == len(slots)


def test_a_london_provider_keeps_the_utc_hour_the_new_york_site_repeats():
	london = ShiftPattern("Europe/London", (Shift(6, time(5), time(8)),))
	day = date(2026, 11, 1)  # 05:00-08:00 London is 05:00-08:00Z; New York repeats 05:00-06:00Z
	slots = generate_slots("L", london, [], first_day=day, last_day=day, slot_minutes=15)
	starts = {stored_utc(s.start) for s in slots}
	assert {datetime(2026, 11, 1, 6, m) for m in (0, 15, 30, 45)} <= starts
	assert len(starts) == 12


def test_stored_forms_refuse_naive_input():
	with pytest.raises(NaiveDatetime):
		stored_utc(datetime(2026, 11, 1, 1, 30))
	with pytest.raises(NaiveDatetime):
		from_stored_utc(1_700_000_000)
	assert stored_utc(None) is None and from_stored_utc(None) is None and from_stored_utc("") is None
