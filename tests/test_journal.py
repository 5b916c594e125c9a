from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import GENESIS, Break, StoredEvent, canonical, event_hash, seal, verify_chain
from frappoint.scheduling.journal import pseudonym


def build_chain(payloads):
	events, prev = [], GENESIS
	for sequence, payload in enumerate(payloads, start=1):
		event = seal(prev, sequence, payload)
		events.append(
			StoredEvent(event.sequence, event.payload, event.prev_hash, event.hash, ref=f"EV-{sequence}")
		)
		prev = event.hash
	return events


def head(events):
	return (len(events), events[-1].hash if events else GENESIS)


def test_canonical_form_ignores_key_order_and_offsets():
	a = {"b": 1, "a": datetime(2026, 6, 1, 10, tzinfo=timezone(timedelta(hours=2)))}
	b = {"a": datetime(2026, 6, 1, 8, tzinfo=UTC), "b": 1}
	assert canonical(a) == canonical(b)
	assert canonical({"rate": Decimal("80.00")}) == canonical({"rate": Decimal("80")}) == b'{"rate":"80"}'
	with pytest.raises(TypeError):
		canonical({"at": datetime(2026, 6, 1)})


def test_hash_chains_over_the_previous_hash_and_the_content():
	assert event_hash(GENESIS, {"x": 1}) != event_hash("1" * 64, {"x": 1})
	assert event_hash(GENESIS, {"x": 1}) != event_hash(GENESIS, {"x": 2})


def test_swapped_sequence_numbers_are_reported_as_reordering():
	events = build_chain([{"n": i} for i in range(4)])
	a, b = events[1], events[2]
	renumbered = [
		events[0],
		StoredEvent(a.sequence, b.payload, b.prev_hash, b.hash, ref=b.ref),
		StoredEvent(b.sequence, a.payload, a.prev_hash, a.hash, ref=a.ref),
		events[3],
	]
	verdict = verify_chain(renumbered, head(events))
	assert (verdict.reason, verdict.broken_at, verdict.ref) == (Break.REORDERED, 1, b.ref)


def test_an_untouched_chain_verifies():
	events = build_chain([{"n": i} for i in range(5)])
	assert verify_chain(events, head(events)) == verify_chain(events) and verify_chain(events).ok
	assert verify_chain(events).count == 5


def test_cut_off_newest_events_are_caught_with_the_head():
	events = build_chain([{"n": i} for i in range(5)])
	verdict = verify_chain(events[:-1], head(events))
	assert not verdict.ok and verdict.reason is Break.MISSING and verdict.broken_at == 4


def test_a_bad_signature_is_named():
	events = build_chain([{"n": i} for i in range(3)])
	verdict = verify_chain(events, signature_ok=lambda e: e.sequence != 2)
	assert (verdict.reason, verdict.broken_at, verdict.ref) == (Break.BAD_SIGNATURE, 1, "EV-2")


def test_pseudonyms_hide_the_value_but_match_it():
	assert pseudonym("Ann@Example.com ", "salt") == pseudonym("ann@example.com", "salt")
	assert pseudonym("ann@example.com", "salt") != pseudonym("ann@example.com", "pepper")
	assert "ann" not in pseudonym("ann@example.com", "salt")


payloads = st.lists(
	st.fixed_dictionaries(
		{"type": st.sampled_from(["held", "confirmed", "cancelled"]), "n": st.integers(0, 10**6)}
	),
	min_size=2,
	max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(payloads, st.data())
def test_any_single_change_is_caught_where_it_happened(items, data):
	events = build_chain(items)
	i = data.draw(st.integers(0, len(events) - 1))
	e = events[i]
	tampered = StoredEvent(e.sequence, {**e.payload, "n": e.payload["n"] + 1}, e.prev_hash, e.hash, ref=e.ref)
	verdict = verify_chain(events[:i] + [tampered] + events[i + 1 :], head(events))
	assert (verdict.ok, verdict.reason, verdict.broken_at) == (False, Break.CHANGED, i)


@settings(max_examples=100, deadline=None)
@given(payloads, st.data())
def test_any_single_removal_is_caught_where_it_happened(items, data):
	events = build_chain(items)
	i = data.draw(st.integers(0, len(events) - 1))
	verdict = verify_chain(events[:i] + events[i + 1 :], head(events))
	assert (verdict.ok, verdict.reason, verdict.broken_at) == (False, Break.MISSING, i)


@settings(max_examples=100, deadline=None)
@given(payloads, st.data())
def test_any_swap_of_two_events_is_caught_as_reordering(items, data):
	events = build_chain(items)
	i = data.draw(st.integers(0, len(events) - 2))
	j = data.draw(st.integers(i + 1, len(events) - 1))
	swapped = list(events)
	swapped[i], swapped[j] = swapped[j], swapped[i]
	verdict = verify_chain(swapped, head(events))
	assert (verdict.ok, verdict.reason, verdict.broken_at) == (False, Break.REORDERED, i)
