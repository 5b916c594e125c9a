"""Reading the journal back and checking it (`verify-journal`, the Journal Verification report).

The default checks what the newest signed checkpoint has not sealed (seconds at any size); `full`
streams every event in chain order through the core's `ChainWalk`. Signatures are checked for the
checkpoints and for every event no checkpoint seals, on every core when there are many.
"""

import base64
import dataclasses
import json
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import frappe
import pymysql
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from frappoint.scheduling import GENESIS, Checkpoint, StoredEvent, Verdict, verify_journal
from frappoint.scheduling.journal_walk import ChainWalk, sealed_heads, seals_of, v2_hash, verify_checkpoints

APPOINTMENT, CHECKPOINT = "Service Appointment", "Journal Checkpoint"
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # a datetime(6) as MariaDB prints it: hashed exactly as stored
EVENT_COLUMNS = (
	"name", "sequence", "appointment", "stream_seq", "event_type", "actor", "timestamp_ns", "party",
	"changes", "prev_hash", "hash", "signature", "creation", "owner",
)  # fmt: skip
# One separated string per row: pymysql parses columns in Python, so 1 column reads ~5x faster than 14.
# \x1f cannot occur in any of them (JSON escapes control characters; names and hashes have none).
_ROW = "concat_ws(char(31), " + ", ".join(f"ifnull(`{c}`, '')" for c in EVENT_COLUMNS) + ")"


def stored_events(batch: int = 20_000):
	"""Every event as the core's StoredEvent, in sequence order, read in batches; the payload is what
	its version hashed."""
	last = 0
	while True:
		rows = frappe.db.sql(
			f"select {_ROW}, sequence from `tabAppointment Event` where sequence > %s order by sequence limit %s",
			(last, batch),
		)
		if not rows:
			return
		for row, _sequence in rows:
			(name, sequence, appointment, stream_seq, event_type, actor_, timestamp_ns, party, changes,
				prev, digest, sig, creation, owner) = row.split("\x1f")  # fmt: skip
			payload = {
				"appointment": appointment or None,
				"event_type": event_type or None,
				"actor": actor_ or None,
				"timestamp_ns": timestamp_ns or None,
				"party": party or None,
				"changes": json.loads(changes or "{}"),
			}
			if stream_seq not in ("", "0"):
				payload.update(stream_seq=int(stream_seq), creation=creation, owner=owner)
			yield StoredEvent(int(sequence), payload, prev, digest, sig, name)
		last = rows[-1][1]


def stored_checkpoints() -> list[Checkpoint]:
	rows = frappe.db.sql(
		f"""select name, number, legacy_head, covers, prev_hash, hash, signature, creation
		from `tab{CHECKPOINT}` order by number""",
		as_dict=True,
	)
	return [
		Checkpoint(
			r.number,
			{
				"number": r.number,
				"creation": r.creation.strftime(STAMP),
				"covers": json.loads(r.covers or "[]"),
				"legacy_head": json.loads(r.legacy_head) if r.legacy_head else None,
			},
			r.prev_hash,
			r.hash,
			r.signature,
			r.name,
		)
		for r in rows
	]


def verify(
	public: Ed25519PublicKey,
	anchor: tuple[int, str] | None,
	*,
	full: bool = True,
	every_signature: bool = False,
) -> Verdict:
	"""Check the journal against its signed checkpoints, the heads on the appointments and the anchor.

	`full` re-hashes every event and walks every chain from its first event, reading rows in chain
	order with a streaming cursor (memory does not grow with the journal). Otherwise only what the
	checkpoints have not sealed is re-hashed: every event after a chain's sealed head (with that head,
	which must still carry the sealed hash), and the heads the newest checkpoint seals. Every other
	sealed chain must still reach its sealed position (read from the (appointment, stream_seq) index
	alone) and its appointment's head must still name the sealed hash; the checkpoint chain proves the
	older seals. An edit to a sealed event below its chain's newest seal is found only by `full`.

	Signatures: the newest checkpoint's (all of them with `full`) and every event no checkpoint seals.
	A sealed event needs no signature of its own: the signed checkpoint fixes its chain's head hash,
	which fixes every earlier event of the chain. `every_signature` checks those too (≈0.2 ms each).
	Sites with version-1 events (a site-wide chain from before per-appointment chains) are checked
	whole, in memory, as before."""
	if frappe.db.sql("select 1 from `tabAppointment Event` where stream_seq = 0 limit 1"):
		return verify_in_memory(public, anchor)
	checkpoints = stored_checkpoints()
	newest = checkpoints[-1].number if checkpoints else None
	found = verify_checkpoints(
		checkpoints,
		signature_ok=lambda c: (not full and c.number != newest) or _signed(public, c.hash, c.signature),
		anchor=anchor,
	)
	covered = {name: seq for name, (seq, _digest, _number) in sealed_heads(checkpoints).items()}
	if full:
		walk = ChainWalk(seals_of(checkpoints), covered)
		rows = _rows_in_chain_order()
	else:
		walk = ChainWalk(seals_of(checkpoints, highest_only=True), covered, starts=covered)
		newest_seals = (
			{a for a, _seq, _digest in (checkpoints[-1].payload.get("covers") or ())}
			if checkpoints
			else set()
		)
		rows = _rows_since_seals(covered, newest_seals, walk)
	to_sign = []
	for row in rows:
		(name, sequence, appointment, stream_seq, event_type, actor_, timestamp_ns, party, changes,
			prev, digest, sig, creation, owner) = row.split("\x1f")  # fmt: skip
		sequence, stream_seq = int(sequence), int(stream_seq)
		computed = v2_hash(
			prev, appointment, stream_seq, event_type, actor_, timestamp_ns, party, changes, creation, owner,
			digest,
		)  # fmt: skip
		walk.feed(sequence, name, appointment, stream_seq, prev, digest, computed)
		if every_signature or stream_seq > covered.get(appointment, 0):
			to_sign.append((name, digest, sig, sequence))
	heads = {
		name: (seq, digest or GENESIS)
		for name, seq, digest in frappe.db.sql(
			f"select name, journal_seq, journal_hash from `tab{APPOINTMENT}` where journal_seq > 0"
		)
	}
	verdict = walk.finish(heads, found, forged=_forged(public, to_sign))
	if verdict.ok and not full:  # every event is sealed or was re-hashed
		total = frappe.db.sql("select count(*) from `tabAppointment Event`")[0][0]
		verdict = dataclasses.replace(verdict, count=total, checked=walk.count)
	return verdict


def _signed(public: Ed25519PublicKey, digest: str, signature: str) -> bool:
	try:
		public.verify(base64.b64decode(signature), digest.encode())
		return True
	except (InvalidSignature, ValueError):
		return False


def _forged(public: Ed25519PublicKey, items: list[tuple[str, str, str, int]]) -> dict[str, int]:
	"""{name: sequence} of the events whose signature does not verify; a large batch is checked on
	every core."""
	if len(items) < 4 * SIGNATURE_CHUNK:
		return {ref: seq for ref, digest, sig, seq in items if not _signed(public, digest, sig)}
	raw = public.public_bytes_raw()
	sequences = {ref: seq for ref, _digest, _sig, seq in items}
	with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
		jobs = [
			pool.submit(_forged_refs, raw, [item[:3] for item in items[at : at + SIGNATURE_CHUNK]])
			for at in range(0, len(items), SIGNATURE_CHUNK)
		]
		return {ref: sequences[ref] for job in jobs for ref in job.result()}


STREAM_BATCH = 10_000


def _rows_in_chain_order():
	"""Every event as one separated string, by appointment then position, through an unbuffered
	(server-side) cursor: rows arrive while they are checked and never pile up in memory."""
	index = frappe.db.sql(
		"""select index_name from information_schema.statistics where table_schema = database()
		and table_name = 'tabAppointment Event' group by index_name
		having group_concat(column_name order by seq_in_index) = 'appointment,stream_seq'"""
	)
	hint = f"force index (`{index[0][0]}`)" if index else ""  # the chain order without a filesort
	cursor = frappe.db._conn.cursor(pymysql.cursors.SSCursor)
	try:
		cursor.execute(f"select {_ROW} from `tabAppointment Event` {hint} order by appointment, stream_seq")
		while batch := cursor.fetchmany(STREAM_BATCH):
			for (row,) in batch:
				yield row
	finally:
		cursor.close()


def _rows_since_seals(covered: dict[str, int], rehash: set[str], walk: ChainWalk, chunk: int = 2_000):
	"""In chain order: every event after a chain's sealed head, with that head; the heads of the chains
	in `rehash`; every event of chains no checkpoint seals. Each chain's last position comes from the
	(appointment, stream_seq) index alone: a sealed chain with nothing after its seal and not in
	`rehash` costs no row, only `walk.sealed_end`."""
	ends = dict(
		frappe.db.sql("select appointment, max(stream_seq) from `tabAppointment Event` group by appointment")
	)
	names = sorted(set(ends) | set(covered))
	for at in range(0, len(names), chunk):
		wanted = {}  # appointment -> first position to read
		for name in names[at : at + chunk]:
			sealed, last = covered.get(name, 0), ends.get(name, 0)
			if sealed and last <= sealed and name not in rehash:
				if last == sealed:
					walk.sealed_end(name, sealed)
				continue  # below its seal: the walk names the sealed event gone
			wanted[name] = max(sealed, 1)
		if not wanted:
			continue
		rows = frappe.db.sql(
			f"""select {_ROW}, appointment, stream_seq from `tabAppointment Event`
			where appointment in %(names)s""",
			{"names": list(wanted)},
		)
		for row, _appointment, _seq in sorted(
			(r for r in rows if r[2] >= wanted[r[1]]), key=lambda r: (r[1], r[2])
		):
			yield row


def verify_in_memory(public_key: Ed25519PublicKey, anchor: tuple[int, str] | None) -> Verdict:
	"""The whole journal read into memory and checked by the core's `verify_journal` (sites with
	version-1 events), every signature on every core while the rest is read."""
	events = []
	pending = []
	public = public_key.public_bytes_raw()
	with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
		chunk = []
		for event in stored_events():
			events.append(event)
			chunk.append((event.ref, event.hash, event.signature))
			if len(chunk) == SIGNATURE_CHUNK:
				pending.append(pool.submit(_forged_refs, public, chunk))
				chunk = []
		checkpoints = stored_checkpoints()
		chunk += [(c.ref, c.hash, c.signature) for c in checkpoints]
		if chunk:
			pending.append(pool.submit(_forged_refs, public, chunk))
		forged = set().union(*(job.result() for job in pending))
	heads = {
		name: (seq, digest or GENESIS)
		for name, seq, digest in frappe.db.sql(
			f"select name, journal_seq, journal_hash from `tab{APPOINTMENT}` where journal_seq > 0"
		)
	}
	return verify_journal(
		events, checkpoints, heads, signature_ok=lambda item: item.ref not in forged, anchor=anchor
	)


SIGNATURE_CHUNK = 5_000


def _forged_refs(public: bytes, chunk: list[tuple[str, str, str]]) -> set[str]:
	"""Runs in a worker process: the names of events whose signature does not verify."""
	key = Ed25519PublicKey.from_public_bytes(public)
	forged = set()
	for ref, digest, signature in chunk:
		try:
			key.verify(base64.b64decode(signature), digest.encode())
		except (InvalidSignature, ValueError):
			forged.add(ref)
	return forged
