"""Journal hashing: the canonical form of an event, SHA-256 chaining and chain verification.

hash(n) = SHA-256(prev_hash(n) + "\\n" + canonical(event n)), with prev_hash(1) = GENESIS. The chain,
not the stored sequence number, fixes the true order: the sequence is where an event is stored, so
events whose sequence numbers were swapped still hash correctly and are reported as reordered. A
chain alone cannot show that its newest events were cut off; `verify_chain` takes the head (count
and last hash) recorded elsewhere for that. Signatures are checked by a callback so the key never
enters the core.
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from frappoint.scheduling.compat import UTC, StrEnum

GENESIS = "0" * 64


class Break(StrEnum):
	CHANGED = "changed"
	MISSING = "missing"
	REORDERED = "reordered"
	BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True)
class StoredEvent:
	sequence: int
	payload: Mapping  # what was hashed (the sequence is not: see the module docstring)
	prev_hash: str
	hash: str
	signature: str = ""
	ref: str = ""  # the row's name, to point at it in a report


@dataclass(frozen=True)
class Verdict:
	ok: bool
	count: int
	broken_at: int | None = None  # index in the checked list
	ref: str = ""
	reason: Break | None = None
	detail: str = ""


def _encode(value):
	if isinstance(value, datetime):
		if value.tzinfo is None:
			raise TypeError(f"naive datetime {value.isoformat()} cannot be hashed canonically")
		return value.astimezone(UTC).isoformat()
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, Decimal):
		return format(value.normalize(), "f")  # 80.00 and 80 hash alike, never as 8E+1
	if isinstance(value, set | frozenset):
		return sorted(value)
	raise TypeError(f"{type(value).__name__} has no canonical form")


def canonical(event: Mapping) -> bytes:
	"""Deterministic bytes: sorted keys, no whitespace, UTF-8, UTC instants."""
	return json.dumps(
		event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode, allow_nan=False
	).encode()


def event_hash(prev_hash: str, payload: Mapping) -> str:
	return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(payload)).hexdigest()


def seal(prev_hash: str, sequence: int, payload: Mapping) -> StoredEvent:
	return StoredEvent(sequence, dict(payload), prev_hash, event_hash(prev_hash, payload))


def pseudonym(value: str, salt: str) -> str:
	"""A salted hash standing for personal data in the chain (the value itself stays out)."""
	return hmac.new(salt.encode(), (value or "").strip().lower().encode(), hashlib.sha256).hexdigest()


def verify_chain(
	events: Sequence[StoredEvent],
	head: tuple[int, str] | None = None,
	signature_ok: Callable[[StoredEvent], bool] | None = None,
) -> Verdict:
	"""Check events in stored order; name the first broken one and why.

	`head` is (count, last hash) as recorded when the last event was written; with it, cut-off newest
	events are reported as missing.
	"""
	later_prev_hashes = {}
	for index, event in enumerate(events):
		later_prev_hashes.setdefault(event.prev_hash, index)

	def broken(index, reason, detail):
		ref = events[index].ref if index < len(events) else ""
		return Verdict(False, len(events), index, ref, reason, detail)

	expected_prev, expected_sequence = GENESIS, 1
	seen_hashes = set()
	for index, event in enumerate(events):
		if event_hash(event.prev_hash, event.payload) != event.hash:
			return broken(index, Break.CHANGED, "its content no longer matches its hash")
		if signature_ok is not None and not signature_ok(event):
			return broken(index, Break.BAD_SIGNATURE, "its signature does not verify")
		if event.prev_hash != expected_prev or event.sequence != expected_sequence:
			if event.sequence < expected_sequence or event.prev_hash in seen_hashes:
				return broken(
					index,
					Break.REORDERED,
					f"sequence {event.sequence} stands where {expected_sequence} was due",
				)
			if later_prev_hashes.get(expected_prev, -1) > index:
				return broken(
					index, Break.REORDERED, f"sequence {expected_sequence} comes later in the journal"
				)
			return broken(index, Break.MISSING, f"the event before sequence {event.sequence} is gone")
		seen_hashes.add(expected_prev)
		expected_prev, expected_sequence = event.hash, event.sequence + 1
	if head is not None and (len(events), expected_prev) != (head[0], head[1]):
		if head[0] > len(events):
			return broken(len(events), Break.MISSING, f"{head[0] - len(events)} newest event(s) are gone")
		return broken(
			max(len(events) - 1, 0), Break.CHANGED, "the journal head does not match its last event"
		)
	return Verdict(True, len(events))
