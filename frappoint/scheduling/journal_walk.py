"""Verifying a journal of any size in one pass: version-2 events fed in chain order (appointment,
then position) are re-hashed from their stored columns and checked against their chain, the heads
on the appointments and the positions the signed checkpoints seal, keeping only each chain's end in
memory. `ChainWalk` also checks only what the checkpoints have not sealed, entering each chain at
its sealed head. Findings come in the order `journal.verify_journal` reports them.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from frappoint.scheduling.journal import GENESIS, Break, Checkpoint, Verdict, event_hash

try:  # the C function json.dumps(ensure_ascii=False) calls for every string: same bytes, no overhead
	from json.encoder import c_encode_basestring as _quote
except ImportError:  # pragma: no cover - a Python built without the C accelerator
	from json.encoder import py_encode_basestring as _quote

_V2 = (
	'{{"actor":{},"appointment":{},"changes":{},"creation":{},"event_type":{},"owner":{},"party":{},'
	'"stream_seq":{},"timestamp_ns":{}}}'
)


def v2_payload(
	appointment: str, stream_seq: int, event_type: str, actor: str, timestamp_ns: str, party: str,
	changes: str, creation: str, owner: str,
) -> dict:  # fmt: skip
	"""What a version-2 event hashed, from its stored columns (empty text reads as null)."""
	return {
		"appointment": appointment or None,
		"event_type": event_type or None,
		"actor": actor or None,
		"timestamp_ns": timestamp_ns or None,
		"party": party or None,
		"changes": json.loads(changes or "{}"),
		"stream_seq": stream_seq,
		"creation": creation,
		"owner": owner,
	}


def v2_hash(
	prev_hash: str, appointment: str, stream_seq: int, event_type: str, actor: str, timestamp_ns: str,
	party: str, changes: str, creation: str, owner: str, stored_hash: str,
) -> str:  # fmt: skip
	"""`event_hash` of a version-2 event from its stored columns, without building the payload: the
	writer stores `changes` in canonical form, so the canonical bytes are the columns spliced into a
	template (≈5x faster). When that does not give `stored_hash` (a null, or `changes` stored in
	another but equal form), the payload is rebuilt and hashed as `event_hash` does."""
	if appointment and event_type and actor and timestamp_ns and party and changes and creation and owner:
		body = _V2.format(
			_quote(actor), _quote(appointment), changes, _quote(creation), _quote(event_type),
			_quote(owner), _quote(party), stream_seq, _quote(timestamp_ns),
		)  # fmt: skip
		digest = hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()
		if digest == stored_hash:
			return digest
	payload = v2_payload(
		appointment, stream_seq, event_type, actor, timestamp_ns, party, changes, creation, owner
	)
	return event_hash(prev_hash, payload)


def sealed_heads(checkpoints: Sequence[Checkpoint]) -> dict[str, tuple[int, str, int]]:
	"""{appointment: (position, hash, checkpoint number)}: the highest position any checkpoint seals."""
	heads: dict[str, tuple[int, str, int]] = {}
	for checkpoint in checkpoints:
		for appointment, seq, digest in checkpoint.payload.get("covers") or ():
			if appointment not in heads or heads[appointment][0] < seq:
				heads[appointment] = (seq, digest, checkpoint.number)
	return heads


def verify_checkpoints(
	checkpoints: Sequence[Checkpoint],
	*,
	signature_ok: Callable[[Checkpoint], bool] | None = None,
	anchor: tuple[int, str] | None = None,
) -> tuple[Checkpoint | None, Break | None, str]:
	"""The checkpoint chain: each one's hash, its place after the one before, the signatures that
	`signature_ok` is asked about, and `anchor`. (None, None, "") when sound, else the culprit."""
	expected_prev, expected_number = GENESIS, 1
	for checkpoint in sorted(checkpoints, key=lambda c: c.number):
		if event_hash(checkpoint.prev_hash, checkpoint.payload) != checkpoint.hash:
			return checkpoint, Break.CHANGED, f"checkpoint {checkpoint.number} no longer matches its hash"
		if signature_ok is not None and not signature_ok(checkpoint):
			return (
				checkpoint,
				Break.BAD_SIGNATURE,
				f"checkpoint {checkpoint.number} is not signed by this site",
			)
		if checkpoint.number != expected_number or checkpoint.prev_hash != expected_prev:
			return checkpoint, Break.MISSING, f"checkpoint {expected_number} is gone"
		expected_prev, expected_number = checkpoint.hash, checkpoint.number + 1
	if anchor is not None and (expected_number - 1, expected_prev) != tuple(anchor):
		if not any((c.number, c.hash) == tuple(anchor) for c in checkpoints):
			return None, Break.MISSING, f"checkpoint {anchor[0]}, recorded outside the database, is gone"
	return None, None, ""


@dataclass
class _Finding:
	sequence: int
	ref: str
	reason: Break
	detail: str


class ChainWalk:
	"""Checks version-2 events fed in chain order (by appointment, then position) in one pass, keeping
	only each chain's end and the positions checkpoints seal: a million events fit in little memory.

	Full verification feeds every event from position 1. Verification since the newest seals feeds,
	per chain, the event at its sealed head (re-hashed, and its hash compared with the seal) and every
	event after it (`starts` names where each chain is entered). Findings are reported in the order
	`verify_journal` reports them: a changed or forged event, a broken chain, a head, a checkpoint.
	"""

	def __init__(self, seals: Mapping[tuple[str, int], list[tuple[str, int, str]]], covered: Mapping[str, int],
		starts: Mapping[str, int] | None = None) -> None:  # fmt: skip
		self.seals = seals  # (appointment, position) -> [(hash, checkpoint number, checkpoint ref)]
		self.covered = covered  # appointment -> highest sealed position
		self.starts = starts or {}
		self.ends: dict[str, tuple[int, str, str]] = {}  # appointment -> (last position, hash, ref)
		self.seen_seals: set[tuple[str, int]] = set()
		self.count = 0
		self.unsealed = 0
		self.oldest_unsealed: tuple[int, str] | None = None
		self.changed: _Finding | None = None
		self.chain: _Finding | None = None
		self.sealed_mismatch: tuple[int, str, str, int] | None = (
			None  # checkpoint number, ref, appointment, seq
		)
		self._appointment, self._due, self._last, self._broken = None, 1, GENESIS, False

	def feed(self, sequence: int, ref: str, appointment: str, seq: int, prev_hash: str, stored_hash: str,
		computed_hash: str) -> None:  # fmt: skip
		"""One event; `computed_hash` is what its content hashes to (`v2_hash`)."""
		self.count += 1
		if appointment != self._appointment:
			self._appointment, self._broken = appointment, False
			self._due = self.starts.get(appointment, 1)
			self._last = None if appointment in self.starts else GENESIS  # entered mid-chain: trust the seal
		if computed_hash != stored_hash and (self.changed is None or sequence < self.changed.sequence):
			self.changed = _Finding(sequence, ref, Break.CHANGED, "its content no longer matches its hash")
		if seq > self.covered.get(appointment, 0):
			self.unsealed += 1
			if self.oldest_unsealed is None or sequence < self.oldest_unsealed[0]:
				self.oldest_unsealed = (sequence, ref)
		for digest, number, checkpoint_ref in self.seals.get((appointment, seq), ()):
			self.seen_seals.add((appointment, seq))
			if digest != stored_hash and (self.sealed_mismatch is None or number < self.sealed_mismatch[0]):
				self.sealed_mismatch = (number, checkpoint_ref, appointment, seq)
		if self._broken:
			return
		if seq > self._due:
			self._chain_break(sequence, ref, Break.MISSING, f"event #{self._due} of {appointment} is gone")
		elif seq < self._due or (self._last is not None and prev_hash != self._last):
			self._chain_break(
				sequence, ref, Break.REORDERED, f"it does not follow event #{seq - 1} of {appointment}"
			)
		else:
			self._due, self._last = seq + 1, stored_hash
			self.ends[appointment] = (seq, stored_hash, ref)

	def sealed_end(self, appointment: str, position: int) -> None:
		"""A chain not fed whose last stored position is its highest sealed one: its end is the seal."""
		for digest, _number, _ref in self.seals.get((appointment, position), ()):
			self.seen_seals.add((appointment, position))
			self.ends[appointment] = (position, digest, "")

	def _chain_break(self, sequence, ref, reason, detail):
		self._broken = True
		if self.chain is None or sequence < self.chain.sequence:
			self.chain = _Finding(sequence, ref, reason, detail)

	def finish(
		self,
		heads: Mapping[str, tuple[int, str]],
		checkpoint_finding: tuple[Checkpoint | None, Break | None, str] = (None, None, ""),
		forged: Mapping[str, int] | None = None,
	) -> Verdict:
		"""The verdict, given the heads recorded on the appointments, what `verify_checkpoints` found
		and {ref: sequence} of the events whose signature did not verify."""

		def broken(ref, reason, detail):
			return Verdict(False, self.count, self.count, ref, reason, detail)

		first = self.changed
		for ref, sequence in (forged or {}).items():
			if first is None or sequence < first.sequence:
				first = _Finding(sequence, ref, Break.BAD_SIGNATURE, "its signature does not verify")
		if first is not None:
			return broken(first.ref, first.reason, first.detail)
		if self.chain is not None:
			return broken(self.chain.ref, self.chain.reason, self.chain.detail)
		for appointment, (seq, digest) in sorted(heads.items()):
			if appointment in self.starts and (
				appointment not in self.ends or seq < self.starts[appointment]
			):
				continue  # entered at its seal, which is gone or above the head: the seal check says so
			last, last_hash, ref = self.ends.get(appointment, (0, GENESIS, ""))
			if seq > last:
				return broken(ref, Break.MISSING, f"{seq - last} newest event(s) of {appointment} are gone")
			if seq < last or (seq and last_hash != digest):
				return broken(ref, Break.CHANGED, f"the head of {appointment} does not match its last event")
		culprit, reason, detail = checkpoint_finding
		missing = [
			(number, ref, appointment, seq)
			for (appointment, seq), sealed in self.seals.items()
			if (appointment, seq) not in self.seen_seals
			for _digest, number, ref in sealed
		]
		worst = min([*missing, *([self.sealed_mismatch] if self.sealed_mismatch else [])], default=None)
		if culprit is not None and (worst is None or culprit.number <= worst[0]):
			return broken(culprit.ref, reason, detail)
		if worst is not None:
			number, ref, appointment, seq = worst
			return broken(
				ref, Break.MISSING, f"event #{seq} of {appointment}, sealed by checkpoint {number}, is gone"
			)
		if reason is not None:  # the anchor outside the database
			return broken("", reason, detail)
		oldest = self.oldest_unsealed[1] if self.oldest_unsealed else ""
		return Verdict(True, self.count, unsealed=self.unsealed, oldest_unsealed=oldest)


def seals_of(
	checkpoints: Sequence[Checkpoint], highest_only: bool = False
) -> dict[tuple[str, int], list[tuple[str, int, str]]]:
	"""(appointment, position) -> [(sealed hash, checkpoint number, checkpoint ref)], every position
	every checkpoint seals, or (`highest_only`) each chain's highest."""
	seals: dict[tuple[str, int], list[tuple[str, int, str]]] = defaultdict(list)
	if highest_only:
		refs = {c.number: c.ref for c in checkpoints}
		for appointment, (seq, digest, number) in sealed_heads(checkpoints).items():
			seals[(appointment, seq)].append((digest, number, refs[number]))
		return seals
	for checkpoint in checkpoints:
		for appointment, seq, digest in checkpoint.payload.get("covers") or ():
			seals[(appointment, seq)].append((digest, checkpoint.number, checkpoint.ref))
	return seals
