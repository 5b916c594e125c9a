"""The wait-list's rules (`scheduling/waitlist.py`): first come, first served; each waiter's earliest
fitting time; never more offers on a slot than it has free seats."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frappoint.scheduling import (
	BookingPolicy,
	ServiceRule,
	Shift,
	ShiftPattern,
	bookable_windows,
	generate_slots,
)
from frappoint.scheduling.errors import InvalidRange
from frappoint.scheduling.waitlist import WaitRequest, offer_for, serve, wait_range

DAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)


def windows(providers=("A",), capacity=1, hours=(9, 11)):
	cut = ServiceRule("Cut", 30, max_clients_per_slot=capacity)
	slots = []
	for p in providers:
		slots += generate_slots(
			p,
			ShiftPattern("UTC", (Shift(0, time(hours[0]), time(hours[1])),)),
			[],
			first_day=DAY,
			last_day=DAY,
			slot_minutes=15,
			capacity=capacity,
		)
	return bookable_windows(slots, cut, {}, now=NOW, policy=BookingPolicy(max_advance_days=365))


def waiter(n, provider=None, first=DAY, last=DAY, tz="UTC", joined=None):
	earliest, latest = wait_range(first, last, tz)
	return WaitRequest(
		f"W{n}", NOW + timedelta(minutes=n if joined is None else joined), provider, earliest, latest
	)


def test_each_waiter_gets_the_earliest_time_in_their_range_with_their_provider():
	ws = windows(providers=("A", "B"))
	assert offer_for(waiter(1), ws, NOW).start == datetime(2026, 6, 1, 9, tzinfo=UTC)
	assert offer_for(waiter(1, provider="B"), ws, NOW).provider == "B"
	assert offer_for(waiter(1, first=DAY + timedelta(days=1), last=DAY + timedelta(days=2)), ws, NOW) is None
	assert offer_for(waiter(1), ws, datetime(2026, 6, 1, 10, 40, tzinfo=UTC)) is None  # all started


def test_a_waiters_days_are_their_own_timezones_days():
	earliest, latest = wait_range(DAY, DAY, "Asia/Tokyo")
	assert earliest == datetime(2026, 5, 31, 15, tzinfo=UTC) and latest == datetime(
		2026, 6, 1, 15, tzinfo=UTC
	)
	with pytest.raises(InvalidRange):
		wait_range(DAY, DAY - timedelta(days=1), "UTC")
	with pytest.raises(InvalidRange):
		wait_range(DAY, DAY + timedelta(days=400), "UTC")


def test_first_come_first_served_and_one_seat_is_offered_once():
	ws = windows()  # one provider, capacity 1: 09:00, 09:15, ... 10:30 starts
	offers = serve([waiter(2), waiter(1), waiter(3)], ws, NOW)
	assert [(r.waiter, w.start.strftime("%H:%M")) for r, w in offers] == [
		("W1", "09:00"),
		("W2", "09:30"),
		("W3", "10:00"),
	]


def test_a_group_slot_is_offered_to_as_many_as_it_seats():
	offers = serve([waiter(1), waiter(2), waiter(3)], windows(capacity=2), NOW)
	assert [w.start.strftime("%H:%M") for _, w in offers] == ["09:00", "09:00", "09:30"]


@given(
	capacity=st.integers(1, 3),
	waiters=st.lists(st.tuples(st.integers(0, 200), st.sampled_from([None, "A", "B"])), max_size=25),
)
def test_offers_never_take_more_seats_than_a_slot_has(capacity, waiters):
	ws = windows(providers=("A", "B"), capacity=capacity)
	requests = [waiter(i, provider=p, joined=minute) for i, (minute, p) in enumerate(waiters)]
	offers = serve(requests, ws, NOW)
	seats = Counter(slot for _, window in offers for slot in window.slots)
	assert all(count <= capacity for count in seats.values())
	assert len({r.waiter for r, _ in offers}) == len(offers)  # one offer per waiter
	for request, window in offers:
		assert request.provider in (None, window.provider)
		assert request.earliest <= window.start < request.latest
	# nobody left waiting while a time they could take stayed free
	offered = {r.waiter for r, _ in offers}
	if len(offered) < len(requests):
		left = [w for w in ws if all(seats[s] < capacity for s in w.slots)]
		for request in requests:
			if request.waiter not in offered:
				assert offer_for(request, left, NOW) is None
