"""Booking window, cancellation, lifecycle, pricing, resources, dispatch and "why not"."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frappoint.scheduling import (
	Action,
	AvailabilityException,
	BookingPolicy,
	Candidate,
	ExceptionKind,
	ForbiddenTransition,
	InvalidDuration,
	InvalidInput,
	InvalidLocation,
	Location,
	NotBookable,
	PriceTier,
	ProviderDay,
	Reason,
	ServiceRule,
	ServiceUnit,
	Shift,
	ShiftPattern,
	Status,
	UnitUnavailable,
	UnitUse,
	UnknownTier,
	Weights,
	allocate_units,
	allowed_actions,
	booking_time_reason,
	check_cancellation,
	generate_slots,
	next_status,
	price_for,
	rank_providers,
	usable_at,
	why_not,
)
from frappoint.scheduling.lifecycle import FINAL, TRANSITIONS

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


def at(hour, minute=0, day=1):
	return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


# --- booking window ---------------------------------------------------------------------------


@pytest.mark.parametrize(
	"policy, start, reason",
	[
		(BookingPolicy(lead_time_minutes=120), at(9), Reason.LEAD_TIME),
		(BookingPolicy(lead_time_minutes=120), at(10), None),
		(BookingPolicy(max_advance_days=7), at(9, day=9), Reason.TOO_FAR_AHEAD),
		(BookingPolicy(max_advance_days=7), at(7, day=8), None),
		(BookingPolicy(), at(7), Reason.IN_PAST),
		(BookingPolicy(allow_past_booking=True, max_past_days=1), at(7), None),
		(
			BookingPolicy(allow_past_booking=True, max_past_days=1),
			NOW - timedelta(days=2),
			Reason.TOO_FAR_PAST,
		),
	],
)
def test_booking_window_rules(policy, start, reason):
	assert booking_time_reason(start, NOW, policy) == reason


def test_cancellation_closes_at_the_cutoff():
	policy = BookingPolicy(cancellation_cutoff_hours=24)
	check_cancellation(at(9, day=3), NOW, policy)
	with pytest.raises(NotBookable) as caught:
		check_cancellation(at(7, day=2), NOW, policy)
	assert caught.value.reason is Reason.CANCELLATION_CUTOFF
	check_cancellation(at(7, day=2), NOW, policy, status="Open")  # a hold may always be released


def test_negative_policy_values_are_refused():
	with pytest.raises(InvalidDuration):
		BookingPolicy(lead_time_minutes=-1)
	with pytest.raises(InvalidDuration):
		BookingPolicy(max_advance_days=0)
	with pytest.raises(InvalidDuration):
		BookingPolicy(cancellation_cutoff_hours=-2)


# --- lifecycle --------------------------------------------------------------------------------


def test_the_happy_path_and_the_side_exits():
	assert next_status("Open", "confirm") is Status.CONFIRMED
	assert next_status("Confirmed", "complete") is Status.COMPLETED
	assert next_status("Confirmed", "no_show") is Status.NO_SHOW
	assert next_status("Open", "expire") is Status.CANCELLED
	assert next_status("Confirmed", "cancel") is Status.CANCELLED


@pytest.mark.parametrize(
	"status, action",
	[
		("Open", "complete"),
		("Completed", "cancel"),
		("Cancelled", "confirm"),
		("No Show", "complete"),
		("Bogus", "confirm"),
		("Open", "teleport"),
	],
)
def test_forbidden_transitions_raise(status, action):
	with pytest.raises(ForbiddenTransition):
		next_status(status, action)


@given(st.lists(st.sampled_from(list(Action)), max_size=12))
def test_no_lifecycle_path_leaves_the_graph(actions):
	status = Status.OPEN
	for action in actions:
		if action in allowed_actions(status):
			status = next_status(status, action)
		else:
			with pytest.raises(ForbiddenTransition):
				next_status(status, action)
		assert status in set(Status)
	if status in FINAL:
		assert allowed_actions(status) == []
	assert all(target in set(Status) for target in TRANSITIONS.values())


# --- pricing ----------------------------------------------------------------------------------

TIERS = [
	PriceTier("Residential", Decimal("80")),
	PriceTier("Commercial", "120.50"),
	PriceTier("Emergency", 200, emergency=True),
]


def test_price_comes_from_the_tier():
	assert price_for(TIERS, "Commercial") == Decimal("120.50")
	assert price_for(TIERS, None) == Decimal("80")
	with pytest.raises(UnknownTier):
		price_for(TIERS, "Cheap")
	with pytest.raises(UnknownTier):
		price_for([], None)
	with pytest.raises(InvalidDuration):
		PriceTier("Broken", -1)


# --- resources --------------------------------------------------------------------------------

UNITS = [
	ServiceUnit("Room B", "Room"),
	ServiceUnit("Room A", "Room"),
	ServiceUnit("Chair 1", "Chair", capacity=2),
	ServiceUnit("Laser", "Machine", allow_overlap=True),
]


def test_units_are_picked_deterministically_by_load_then_name():
	assert allocate_units({"Room": 1}, UNITS, [], start=at(9), end=at(10)) == {"Room": ["Room A"]}
	uses = [UnitUse("Room A", at(9), at(10))]
	assert allocate_units({"Room": 1}, UNITS, uses, start=at(9, 30), end=at(10, 30)) == {"Room": ["Room B"]}


def test_capacity_and_overlap_are_honoured():
	uses = [UnitUse("Chair 1", at(9), at(10)), UnitUse("Chair 1", at(9, 30), at(11))]
	with pytest.raises(UnitUnavailable):
		allocate_units({"Chair": 1}, UNITS, uses, start=at(9, 45), end=at(10, 15))
	assert allocate_units({"Chair": 1}, UNITS, uses, start=at(10), end=at(10, 30)) == {"Chair": ["Chair 1"]}
	uses = [UnitUse("Laser", at(9), at(10))] * 5
	assert allocate_units({"Machine": 1}, UNITS, uses, start=at(9), end=at(10)) == {"Machine": ["Laser"]}


def test_allocation_is_all_or_nothing():
	uses = [UnitUse("Room A", at(9), at(10)), UnitUse("Room B", at(9), at(10))]
	with pytest.raises(UnitUnavailable) as caught:
		allocate_units({"Room": 1, "Chair": 1}, UNITS, uses, start=at(9), end=at(10))
	assert caught.value.unit_type == "Room"
	with pytest.raises(UnitUnavailable):
		allocate_units({"Room": 3}, UNITS, [], start=at(9), end=at(10))


# Units at a location serve only providers there; a unit without one (a van) serves any location.
SITES = [
	ServiceUnit("Room A", "Room", location="North"),
	ServiceUnit("Room B", "Room", location="South"),
	ServiceUnit("Van", "Vehicle"),
]


def test_units_at_another_location_are_never_used():
	assert allocate_units({"Room": 1}, SITES, [], start=at(9), end=at(10), location="South") == {
		"Room": ["Room B"]
	}
	busy = [UnitUse("Room B", at(9), at(10))]
	with pytest.raises(UnitUnavailable) as caught:
		allocate_units(
			{"Room": 1}, SITES, busy, start=at(9), end=at(10), location="South"
		)  # Room A is free, but North
	assert (caught.value.unit_type, caught.value.location) == ("Room", "South")


def test_units_and_providers_without_a_location_are_not_bound_to_one():
	assert allocate_units({"Vehicle": 1}, SITES, [], start=at(9), end=at(10), location="North") == {
		"Vehicle": ["Van"]
	}
	assert allocate_units({"Room": 2}, SITES, [], start=at(9), end=at(10)) == {"Room": ["Room A", "Room B"]}
	assert [usable_at(u, "East") for u in SITES] == [False, False, True]


@given(
	st.lists(st.sampled_from([None, "North", "South"]), min_size=1, max_size=6),
	st.sampled_from(["North", "South"]),
)
def test_every_allocated_unit_is_at_the_providers_location_or_at_none(unit_sites, location):
	units = [ServiceUnit(f"Room {i}", "Room", location=site) for i, site in enumerate(unit_sites)]
	usable = sum(site in (None, location) for site in unit_sites)
	try:
		[chosen] = allocate_units({"Room": 1}, units, [], start=at(9), end=at(10), location=location).values()
	except UnitUnavailable:
		assert usable == 0
		return
	assert all(units[int(name.split()[1])].location in (None, location) for name in chosen)


# --- dispatch ---------------------------------------------------------------------------------

LONDON = Location(51.5074, -0.1278)


def test_dispatch_prefers_skills_then_distance_then_workload_and_explains():
	candidates = [
		Candidate("Far", frozenset({"gas"}), Location(52.4862, -1.8904), 0),  # Birmingham
		Candidate("Near", frozenset({"gas"}), Location(51.5155, -0.0922), 0),
		Candidate("Unskilled", frozenset(), Location(51.5074, -0.1278), 0),
	]
	ranking = rank_providers(candidates, {"gas"}, LONDON)
	assert [r.provider for r in ranking] == ["Near", "Far", "Unskilled"]
	assert set(ranking[0].breakdown) == {"skills", "distance", "workload"}
	assert 2 < ranking[0].distance_km < 4
	busy = [Candidate("A", booked_minutes=480), Candidate("B", booked_minutes=0)]
	assert rank_providers(busy)[0].provider == "B"


def test_dispatch_weights_decide_what_counts_and_refuse_nonsense():
	candidates = [Candidate("Expert", frozenset({"gas"}), booked_minutes=480), Candidate("Free")]
	assert rank_providers(candidates, {"gas"})[0].provider == "Expert"  # skills count most by default
	only_workload = Weights(skills=0, distance=0, workload=1)
	assert rank_providers(candidates, {"gas"}, weights=only_workload)[0].provider == "Free"
	for bad in ({"skills": -1}, {"skills": 0, "distance": 0, "workload": 0}, {"workload": float("nan")}):
		with pytest.raises(InvalidInput):
			Weights(**bad)


def test_dispatch_ties_fall_to_the_name():
	ranking = rank_providers([Candidate("Zed"), Candidate("Amy"), Candidate("Bob")])
	assert [r.provider for r in ranking] == ["Amy", "Bob", "Zed"]


def test_bad_locations_are_refused():
	with pytest.raises(InvalidLocation):
		Location(91, 0)


# --- why not ----------------------------------------------------------------------------------

PATTERN = ShiftPattern("UTC", (Shift(0, time(9), time(17)),))
LUNCH = AvailabilityException(ExceptionKind.BLOCKED, at(12), at(13))
PROVIDER = ProviderDay("P", PATTERN, [LUNCH], slot_minutes=15)
SERVICE = ServiceRule("Cut", 30, buffer_after_minutes=15)
SLOTS = {
	s.start: s
	for s in generate_slots(
		"P", PATTERN, [LUNCH], first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), slot_minutes=15
	)
}


DEFAULT_POLICY = BookingPolicy()


def reason(start, taken=None, policy=DEFAULT_POLICY, emergency=False, service=SERVICE):
	return why_not(start, service, PROVIDER, taken or {}, now=NOW, policy=policy, emergency=emergency)


def test_why_not_names_each_reason():
	assert reason(at(10)) is None
	assert reason(at(7)) is Reason.IN_PAST
	assert reason(at(8, 30)) is Reason.OUTSIDE_SHIFT
	assert reason(at(9), policy=BookingPolicy(lead_time_minutes=120)) is Reason.LEAD_TIME
	assert reason(at(10, day=29), policy=BookingPolicy(max_advance_days=7)) is Reason.TOO_FAR_AHEAD
	assert reason(at(18)) is Reason.OUTSIDE_SHIFT
	assert reason(at(12)) is Reason.EXCEPTION
	assert reason(at(11, 30)) is Reason.BUFFER  # the service fits before lunch, its clean-up does not
	assert reason(at(16, 30)) is Reason.BUFFER
	assert reason(at(10, 5)) is Reason.OFF_GRID
	assert reason(at(10), taken={SLOTS[at(10, 15)].key: 1}) is Reason.FULL


def test_why_not_tells_emergency_only_seats_apart_from_full():
	service = ServiceRule("Repair", 15, max_clients_per_slot=1, emergency_reserved_seats=1)
	assert reason(at(10), service=service) is Reason.EMERGENCY_ONLY
	assert reason(at(10), service=service, emergency=True) is None


def test_customers_never_book_in_the_past_but_staff_changes_are_unbounded():
	staff = BookingPolicy(lead_time_minutes=120, allow_past_booking=True, max_past_days=1)
	assert booking_time_reason(at(7), NOW, staff) is None
	assert booking_time_reason(at(7), NOW, staff.for_customers()) is Reason.IN_PAST
	assert booking_time_reason(at(9), NOW, staff) is Reason.LEAD_TIME
	assert booking_time_reason(at(9), NOW, staff.for_staff_changes()) is None
	assert booking_time_reason(NOW - timedelta(days=30), NOW, staff.for_staff_changes()) is None


def test_a_technicians_day_measures_each_leg_from_the_last_known_place():
	from frappoint.scheduling import Location, day_legs

	home, office, far = Location(51.5, -0.12), Location(51.51, -0.12), Location(52.5, -0.12)
	legs = day_legs([home, None, office, far])
	assert legs[0] is None and legs[1] is None
	assert 1.0 < legs[2] < 1.2  # 0.01 degree of latitude is about 1.1 km
	assert 110 < legs[3] < 112
