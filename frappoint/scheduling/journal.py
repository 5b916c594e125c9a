"""Journal hashing: the canonical form of an event, SHA-256 chaining and verification.

Two generations of events are checked. Version 1 (sites from before per-appointment streams) form
one site-wide chain, below. Version 2 events form one chain per appointment ("stream"): each names
its position (`stream_seq`) and chains to the previous event of the same appointment, so appending
needs only that appointment's lock; `verify_journal` checks them, and the signed checkpoints that
seal stream heads so that cut-off newest events and whole deleted streams are found.

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
from collections import defaultdict
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
	# Events no checkpoint seals yet (each appointment's positions past the highest one a checkpoint
	# covers): until one does, cutting them together with their heads would pass unseen.
	unsealed: int = 0
	oldest_unsealed: str = ""  # the ref of the first of them written
	checked: int | None = None  # events re-hashed, when fewer than `count` (verified since the seals)


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


# --- version 2: one chain per appointment, sealed by checkpoints ----------------------------------


@dataclass(frozen=True)
class Checkpoint:
	"""A signed seal over stream heads: `payload` = {"number", "creation", "covers": [[appointment,
	stream_seq, hash], ...], "legacy_head": [count, hash] or None}; checkpoints chain like events."""

	number: int
	payload: Mapping
	prev_hash: str
	hash: str
	signature: str = ""
	ref: str = ""


def streamed(event: StoredEvent) -> bool:
	return "stream_seq" in event.payload


def verify_journal(
	events: Sequence[StoredEvent],
	checkpoints: Sequence[Checkpoint] = (),
	heads: Mapping[str, tuple[int, str]] | None = None,
	*,
	signature_ok: Callable[[StoredEvent | Checkpoint], bool] | None = None,
	anchor: tuple[int, str] | None = None,
) -> Verdict:
	"""Check every event's hash and signature, the site-wide chain of version-1 events (against the
	first checkpoint's `legacy_head`), each appointment's stream (version-1 events first, in stored
	order, then version 2 by `stream_seq`), the heads recorded on the appointments, the checkpoint
	chain and every head it seals, and `anchor` (the newest checkpoint as recorded outside the
	database). Names the first problem found, in that order."""
	ordered = sorted(events, key=lambda e: e.sequence)
	index = {id(e): i for i, e in enumerate(ordered)}

	def broken(event, reason, detail):
		at = index.get(id(event), len(ordered)) if event is not None else len(ordered)
		return Verdict(False, len(ordered), at, getattr(event, "ref", "") or "", reason, detail)

	for event in ordered:
		if event_hash(event.prev_hash, event.payload) != event.hash:
			return broken(event, Break.CHANGED, "its content no longer matches its hash")
		if signature_ok is not None and not signature_ok(event):
			return broken(event, Break.BAD_SIGNATURE, "its signature does not verify")

	checkpoints = sorted(checkpoints, key=lambda c: c.number)
	legacy = [e for e in ordered if not streamed(e)]
	if legacy:
		legacy_head = checkpoints[0].payload.get("legacy_head") if checkpoints else None
		verdict = verify_chain(legacy, head=tuple(legacy_head) if legacy_head else None)
		if not verdict.ok:
			return broken(legacy[min(verdict.broken_at, len(legacy) - 1)], verdict.reason, verdict.detail)

	streams: dict[str, list[str]] = defaultdict(list)  # appointment -> hashes by position
	by_stream = defaultdict(list)
	for event in ordered:
		by_stream[event.payload.get("appointment")].append(event)
	for appointment, stream in by_stream.items():
		old = [e for e in stream if not streamed(e)]
		new = sorted((e for e in stream if streamed(e)), key=lambda e: e.payload["stream_seq"])
		hashes = streams[appointment]
		hashes.extend(e.hash for e in old)
		for event in new:
			due, seq = len(hashes) + 1, event.payload["stream_seq"]
			if seq > due:
				return broken(event, Break.MISSING, f"event #{due} of {appointment} is gone")
			if seq < due or event.prev_hash != (hashes[-1] if hashes else GENESIS):
				return broken(event, Break.REORDERED, f"it does not follow event #{seq - 1} of {appointment}")
			hashes.append(event.hash)

	for appointment, (seq, digest) in sorted((heads or {}).items()):
		have = streams.get(appointment, [])
		if seq > len(have):
			last = by_stream[appointment][-1] if by_stream.get(appointment) else None
			return broken(last, Break.MISSING, f"{seq - len(have)} newest event(s) of {appointment} are gone")
		if (seq and have[seq - 1] != digest) or seq < len(have):
			return broken(
				by_stream[appointment][-1],
				Break.CHANGED,
				f"the head of {appointment} does not match its last event",
			)

	expected_prev, expected_number = GENESIS, 1
	for checkpoint in checkpoints:
		if event_hash(checkpoint.prev_hash, checkpoint.payload) != checkpoint.hash:
			return broken(
				checkpoint, Break.CHANGED, f"checkpoint {checkpoint.number} no longer matches its hash"
			)
		if signature_ok is not None and not signature_ok(checkpoint):
			return broken(
				checkpoint, Break.BAD_SIGNATURE, f"checkpoint {checkpoint.number} is not signed by this site"
			)
		if checkpoint.number != expected_number or checkpoint.prev_hash != expected_prev:
			return broken(checkpoint, Break.MISSING, f"checkpoint {expected_number} is gone")
		for appointment, seq, digest in checkpoint.payload.get("covers") or ():
			have = streams.get(appointment, [])
			if len(have) < seq or have[seq - 1] != digest:
				return broken(
					checkpoint,
					Break.MISSING,
					f"event #{seq} of {appointment}, sealed by checkpoint {checkpoint.number}, is gone",
				)
		expected_prev, expected_number = checkpoint.hash, checkpoint.number + 1

	if anchor is not None and (expected_number - 1, expected_prev) != tuple(anchor):
		if not any((c.number, c.hash) == tuple(anchor) for c in checkpoints):
			return broken(
				None, Break.MISSING, f"checkpoint {anchor[0]}, recorded outside the database, is gone"
			)
	open_events = unsealed(by_stream, checkpoints)
	oldest = min(open_events, key=lambda e: e.sequence).ref if open_events else ""
	return Verdict(True, len(ordered), unsealed=len(open_events), oldest_unsealed=oldest)


def unsealed(
	by_stream: Mapping[str, list[StoredEvent]], checkpoints: Sequence[Checkpoint]
) -> list[StoredEvent]:
	"""The events past the highest position of their appointment's stream that a checkpoint covers
	(a stream's positions count its version-1 events first, as `verify_journal` does)."""
	covered: dict[str, int] = defaultdict(int)
	for checkpoint in checkpoints:
		for appointment, seq, _digest in checkpoint.payload.get("covers") or ():
			covered[appointment] = max(covered[appointment], seq)
	left = []
	for appointment, stream in by_stream.items():
		old = [e for e in stream if not streamed(e)]
		new = sorted((e for e in stream if streamed(e)), key=lambda e: e.payload["stream_seq"])
		left += [*old, *new][covered[appointment] :]
	return left
