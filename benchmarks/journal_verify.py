"""How long `verify-journal` takes at 100,000 and at 1,000,000 events, on the real site.

Inside one transaction (rolled back at the end: the site's journal is untouched) it appends signed
events in per-appointment chains of four, computed in Python and written with multi-row INSERTs, and
seals them with a checkpoint as the scheduler would. At the small size it times the path every
earlier run measured (`verify_in_memory`: every event read into memory, every signature checked) as
the baseline, and the new full pass; at the large size the full pass (`verify-journal --full`) and
the default one (`verify-journal`: only what the checkpoints have not sealed), each with its ratio.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/journal_verify.py --site frappoint-bench.test
"""

import base64
import json
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import frappe
from in_process import options, rolled_back

FIELDS = ["name", "creation", "modified", "owner", "modified_by", "sequence", "appointment", "stream_seq",
	"event_type", "actor", "timestamp_ns", "party", "changes", "prev_hash", "hash", "signature"]  # fmt: skip


def _sign_all(raw_key: bytes, digests: list[str]) -> list[str]:
	from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

	key = Ed25519PrivateKey.from_private_bytes(raw_key)
	return [base64.b64encode(key.sign(d.encode())).decode() for d in digests]


def append_synthetic_events(count: int, offset: int) -> list[list]:
	"""`count` events in chains of four (held, confirmed, started, completed) of synthetic
	appointments, hashed as `journal.record` hashes them and signed on every core; their heads."""
	from frappoint.booking import journal
	from frappoint.scheduling import GENESIS, canonical, event_hash

	first = (frappe.db.sql("select max(sequence) from `tabAppointment Event`")[0][0] or 0) + 1
	created = frappe.utils.now_datetime().strftime(journal.STAMP)
	rows, heads, prev_hash = [], [], GENESIS
	for n in range(offset, offset + count):
		stream_seq = n % 4 + 1
		if stream_seq == 1:
			prev_hash = GENESIS
		payload = {
			"appointment": f"APT-BENCH-{n // 4:07d}",
			"stream_seq": stream_seq,
			"event_type": ("held", "confirmed", "started", "completed")[n % 4],
			"actor": "Administrator",
			"timestamp_ns": str(time.time_ns()),
			"party": "guest:" + "ab" * 32,
			"changes": {"status": ["Open", "Confirmed"], "slots": [f"P {n}"]},
			"creation": created,
			"owner": "Administrator",
		}
		digest = event_hash(prev_hash, payload)
		rows.append([frappe.generate_hash(length=12), created, created, "Administrator", "Administrator",
			first + n - offset, payload["appointment"], stream_seq, payload["event_type"], payload["actor"],
			payload["timestamp_ns"], payload["party"], canonical(payload["changes"]).decode(), prev_hash,
			digest, ""])  # fmt: skip
		prev_hash = digest
		if stream_seq == 4 or n == offset + count - 1:
			heads.append([payload["appointment"], stream_seq, digest])
	raw = journal._private_key().private_bytes_raw()
	step = 20_000
	with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
		jobs = [
			pool.submit(_sign_all, raw, [r[14] for r in rows[at : at + step]])
			for at in range(0, len(rows), step)
		]
		for at, job in zip(range(0, len(rows), step), jobs, strict=True):
			for row, signature in zip(rows[at : at + step], job.result(), strict=True):
				row[15] = signature
	columns = ", ".join(f"`{f}`" for f in FIELDS)
	placeholder = "(" + ", ".join(["%s"] * len(FIELDS)) + ")"
	for at in range(0, len(rows), 2_000):
		chunk = rows[at : at + 2_000]
		frappe.db.sql(
			f"insert into `tabAppointment Event` ({columns}) values " + ", ".join([placeholder] * len(chunk)),
			[v for row in chunk for v in row],
		)
	return heads


def seal(covers: list[list], per_checkpoint: int = 20_000) -> None:
	"""Checkpoints over `covers`, chained and signed as `journal.checkpoint` writes them (that one seals
	only chains of real appointments), at most `per_checkpoint` chains each, as five-minute
	checkpoints over a long history would be (and each row stays under MariaDB's packet size)."""
	for at in range(0, len(covers), per_checkpoint):
		seal_one(covers[at : at + per_checkpoint])


def seal_one(covers: list[list]) -> int:
	from frappoint.booking import journal
	from frappoint.scheduling import GENESIS, event_hash

	last = frappe.db.sql("select number, hash from `tabJournal Checkpoint` order by number desc limit 1")
	number, prev_hash = (last[0][0] + 1, last[0][1]) if last else (1, GENESIS)
	created = frappe.utils.now_datetime().strftime(journal.STAMP)
	payload = {"number": number, "creation": created, "covers": covers, "legacy_head": None}
	digest = event_hash(prev_hash, payload)
	frappe.db.sql(
		"""insert into `tabJournal Checkpoint` (name, creation, modified, owner, modified_by, docstatus, idx,
		number, legacy_head, covered, covers, prev_hash, hash, signature)
		values (%s, %s, %s, 'Administrator', 'Administrator', 0, 0, %s, null, %s, %s, %s, %s, %s)""",
		(frappe.generate_hash(length=10), created, created, number, len(covers), json.dumps(covers), prev_hash,
			digest, journal._sign(digest)),
	)  # fmt: skip
	return number


def timed(label: str, run) -> tuple[float, object]:
	rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
	started = time.perf_counter()
	verdict = run()
	seconds = time.perf_counter() - started
	grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
	print(f"  {label}: {seconds:.2f} s, {verdict.count:,} events, ok={verdict.ok}, unsealed={verdict.unsealed}"
		+ (f", re-hashed {verdict.checked:,}" if verdict.checked is not None else "")
		+ f", max RSS +{grown:.0f} MiB", flush=True)  # fmt: skip
	if not verdict.ok:
		print(f"    broken: {verdict.reason} {verdict.ref} {verdict.detail}")
	return seconds, verdict


def main():
	args = options(__doc__, small=100_000, large=1_000_000)
	with rolled_back(args):
		from frappoint.booking import journal, journal_verification

		journal.checkpoint()  # the site's own chains sealed too: everything below is sealed
		existing = frappe.db.count("Appointment Event")
		started = time.perf_counter()
		heads = append_synthetic_events(args.small, 0)
		seal(heads)
		print(
			f"{existing:,} real + {args.small:,} synthetic events, sealed ({time.perf_counter() - started:.0f} s)"
		)
		key, anchor = journal.public_key(), journal.read_anchor()
		old, _ = timed("baseline, every event in memory + every signature (the old path)",
			lambda: journal_verification.verify_in_memory(key, anchor))  # fmt: skip
		small, _ = timed("verify-journal --full", lambda: journal.verify(full=True))
		print(f"  => full pass {old / small:.1f}x faster than the old path at {args.small:,}")

		started = time.perf_counter()
		more = append_synthetic_events(args.large - args.small, args.small)
		seal(more)
		print(f"\n{existing + args.large:,} events, sealed ({time.perf_counter() - started:.0f} s to write)")
		full, verdict = timed("verify-journal --full", lambda: journal.verify(full=True))
		print(f"  => {full:.1f} s on {os.cpu_count()} cores (target <= 30 s); the old path's rate would take "
			f"{old / (existing + args.small) * verdict.count:.0f} s ({old / (existing + args.small) * verdict.count / full:.1f}x)")  # fmt: skip
		append_synthetic_events(1, args.large)  # one event after the seals, as a live site has
		default, _ = timed("verify-journal (only what the checkpoints have not sealed)",
			lambda: journal.verify(full=False))  # fmt: skip
		print(f"  => {default:.2f} s, {full / default:.0f}x less than --full")


if __name__ == "__main__":
	main()
