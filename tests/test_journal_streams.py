"""Version-2 journal: a chain per appointment, heads on the appointments, signed checkpoints and an
anchor outside the database (issues 12 and 13). Each way of cutting, editing or reordering is named."""

from hypothesis import given, settings
from hypothesis import strategies as st

from frappoint.scheduling import GENESIS, Break, Checkpoint, StoredEvent, event_hash, verify_journal


def streams(plan: list[str]) -> list[StoredEvent]:
	"""Events appended in `plan` order, each to the named appointment's stream."""
	heads, events = {}, []
	for sequence, appointment in enumerate(plan, start=1):
		seq, prev = heads.get(appointment, (0, GENESIS))
		payload = {
			"appointment": appointment,
			"stream_seq": seq + 1,
			"event_type": "x",
			"creation": f"t{sequence}",
			"owner": "u",
		}
		digest = event_hash(prev, payload)
		events.append(StoredEvent(sequence, payload, prev, digest, ref=f"EV-{sequence}"))
		heads[appointment] = (seq + 1, digest)
	return events


def heads_of(events):
	heads = {}
	for e in events:
		heads[e.payload["appointment"]] = (e.payload["stream_seq"], e.hash)
	return heads


def checkpoint(number, prev, covers, legacy_head=None):
	payload = {"number": number, "creation": f"c{number}", "covers": covers, "legacy_head": legacy_head}
	return Checkpoint(number, payload, prev, event_hash(prev, payload), ref=f"CP-{number}")


def sealed(events):
	heads = heads_of(events)
	return [checkpoint(1, GENESIS, sorted([a, s, h] for a, (s, h) in heads.items()))]


PLAN = ["A", "B", "A", "C", "B", "A"]


def test_interleaved_streams_verify_in_any_stored_order():
	events = streams(PLAN)
	verdict = verify_journal(list(reversed(events)), sealed(events), heads_of(events))
	assert verdict.ok and verdict.count == 6


def test_a_cut_tail_with_a_rewritten_head_is_found_by_the_checkpoint():
	events = streams(PLAN)
	cps = sealed(events)
	cut = events[:-1]  # A's newest event gone, and its head rewritten to match what is left
	verdict = verify_journal(cut, cps, heads_of(cut))
	assert (verdict.ok, verdict.reason, verdict.ref) == (False, Break.MISSING, "CP-1")
	assert "#3 of A" in verdict.detail


def test_a_cut_tail_is_found_by_the_head_when_the_head_was_left():
	events = streams(PLAN)
	verdict = verify_journal(events[:-1], (), heads_of(events))
	assert (verdict.reason, verdict.ref) == (Break.MISSING, "EV-3")


def test_a_whole_deleted_stream_is_found_by_the_checkpoint():
	events = streams(PLAN)
	without_c = [e for e in events if e.payload["appointment"] != "C"]
	heads = {k: v for k, v in heads_of(events).items() if k != "C"}
	verdict = verify_journal(without_c, sealed(events), heads)
	assert verdict.reason is Break.MISSING and "of C" in verdict.detail


def test_a_deleted_newest_checkpoint_is_found_by_the_anchor():
	events = streams(PLAN)
	first = sealed(events)[0]
	second = checkpoint(2, first.hash, [])
	assert verify_journal(events, [first, second], heads_of(events), anchor=(2, second.hash)).ok
	verdict = verify_journal(events, [first], heads_of(events), anchor=(2, second.hash))
	assert verdict.reason is Break.MISSING and "checkpoint 2" in verdict.detail
	verdict = verify_journal(events, [second], heads_of(events))
	assert verdict.reason is Break.MISSING and "checkpoint 1" in verdict.detail


def test_a_middle_event_deleted_is_named_by_the_next_in_its_stream():
	events = streams(PLAN)
	verdict = verify_journal([e for e in events if e.ref != "EV-3"], (), None)
	assert (verdict.reason, verdict.ref) == (Break.MISSING, "EV-6")


def test_edited_creation_or_owner_is_a_changed_event():
	events = streams(PLAN)
	e = events[2]
	for field in ("creation", "owner"):
		tampered = StoredEvent(e.sequence, {**e.payload, field: "forged"}, e.prev_hash, e.hash, ref=e.ref)
		verdict = verify_journal([*events[:2], tampered, *events[3:]])
		assert (verdict.reason, verdict.ref) == (Break.CHANGED, "EV-3")


def test_legacy_events_continue_into_their_streams_after_the_migration():
	old = []
	prev = GENESIS
	for sequence, appointment in enumerate(["A", "B", "A"], start=1):
		payload = {"appointment": appointment, "event_type": "v1", "timestamp_ns": str(sequence)}
		digest = event_hash(prev, payload)
		old.append(StoredEvent(sequence, payload, prev, digest, ref=f"OLD-{sequence}"))
		prev = digest
	legacy_head = [3, prev]
	a_last = old[2].hash
	payload = {"appointment": "A", "stream_seq": 3, "event_type": "x", "creation": "t", "owner": "u"}
	new = StoredEvent(4, payload, a_last, event_hash(a_last, payload), ref="NEW-4")
	cp = checkpoint(1, GENESIS, [["A", 2, a_last], ["B", 1, old[1].hash]], legacy_head)
	events = [*old, new]
	heads = {"A": (3, new.hash), "B": (1, old[1].hash)}
	assert verify_journal(events, [cp], heads).ok
	verdict = verify_journal(old[:2] + [new], [cp], heads)
	assert verdict.reason is Break.MISSING  # the last legacy event cut: the legacy head says 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=25), st.data())
def test_any_single_deletion_after_a_checkpoint_is_found(plan, data):
	events = streams(plan)
	victim = data.draw(st.integers(0, len(events) - 1))
	kept = [e for i, e in enumerate(events) if i != victim]
	heads = heads_of(kept)  # the attacker rewrote every head to fit what is left
	assert not verify_journal(kept, sealed(events), heads).ok
	assert verify_journal(events, sealed(events), heads_of(events)).ok


def test_events_no_checkpoint_seals_are_counted_with_the_oldest_named():
	events = streams(PLAN)
	nothing_sealed = verify_journal(events, (), heads_of(events))
	assert (nothing_sealed.ok, nothing_sealed.unsealed, nothing_sealed.oldest_unsealed) == (True, 6, "EV-1")
	first_four = sealed(events[:4])  # A#1, B#1, A#2, C#1 sealed; B#2 and A#3 came after
	later = verify_journal(events, first_four, heads_of(events))
	assert (later.ok, later.unsealed, later.oldest_unsealed) == (True, 2, "EV-5")
	everything = verify_journal(events, sealed(events), heads_of(events))
	assert (everything.ok, everything.unsealed, everything.oldest_unsealed) == (True, 0, "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=30), st.integers(min_value=0, max_value=30))
def test_what_a_checkpoint_leaves_unsealed_is_exactly_what_came_after_it(plan, cut):
	events = streams(plan)
	cut = min(cut, len(events))
	cps = sealed(events[:cut]) if cut else ()
	verdict = verify_journal(events, cps, heads_of(events))
	assert verdict.ok and verdict.unsealed == len(events) - cut
