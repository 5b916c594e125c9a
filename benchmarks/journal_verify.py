"""How long `verify-journal` takes over 100,000 events on the real site.

Appends N signed events, in per-appointment chains of four, to the site's real journal inside one
transaction, times the same `verify()` the bench command runs (every chain, heads, checkpoints,
signatures), then rolls everything back: the site's journal is untouched.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/journal_verify.py --site frappoint-bench.test
"""

import argparse
import base64
import os
import resource
import time

import frappe
import own_site


def append_synthetic_events(count: int) -> None:
	"""`count` events in chains of four (held, confirmed, started, completed) of synthetic
	appointments, written as `journal.record` writes them."""
	from frappoint.booking import journal
	from frappoint.scheduling import GENESIS, canonical, event_hash

	key = journal._private_key()
	first = (frappe.db.sql("select max(sequence) from `tabAppointment Event`")[0][0] or 0) + 1
	created = frappe.utils.now_datetime().strftime(journal.STAMP)
	rows, prev_hash = [], GENESIS
	for n in range(count):
		stream_seq = n % 4 + 1
		if stream_seq == 1:
			prev_hash = GENESIS
		payload = {
			"appointment": f"APT-BENCH-{n // 4:06d}",
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
		signature = base64.b64encode(key.sign(digest.encode())).decode()
		rows.append(
			(
				frappe.generate_hash(length=12), created, created, "Administrator", "Administrator",
				first + n, payload["appointment"], stream_seq, payload["event_type"], payload["actor"],
				payload["timestamp_ns"], payload["party"], canonical(payload["changes"]).decode(),
				prev_hash, digest, signature,
			)
		)  # fmt: skip
		prev_hash = digest
	fields = ["name", "creation", "modified", "owner", "modified_by", "sequence", "appointment", "stream_seq"]
	fields += ["event_type", "actor", "timestamp_ns", "party", "changes", "prev_hash", "hash", "signature"]
	frappe.db.bulk_insert("Appointment Event", fields, rows)


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	own_site.add_site_options(parser)
	parser.add_argument("--events", type=int, default=100_000)
	args = parser.parse_args()
	own_site.prepare(args)

	os.chdir(os.path.join(args.bench, "sites"))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		from frappoint.booking.journal import verify

		existing = frappe.db.count("Appointment Event")
		started = time.perf_counter()
		append_synthetic_events(args.events)
		print(f"appended {args.events:,} signed events in {time.perf_counter() - started:.1f} s")
		rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
		started = time.perf_counter()
		verdict = verify()
		seconds = time.perf_counter() - started
		rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
		print(
			f"verify(): {verdict.count:,} events ({existing:,} real + {args.events:,} synthetic), ok={verdict.ok}, "
			f"{seconds:.2f} s on {os.cpu_count()} cores (target <= 10 s), max RSS {rss_after / 1024:.0f} MiB "
			f"(+{(rss_after - rss_before) / 1024:.0f} MiB)"
		)
		if not verdict.ok:
			print(f"  broken at #{verdict.broken_at + 1}: {verdict.reason} {verdict.detail}")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main()
