"""Availability with 10,000 and with 1,000,000 stored appointments (issue 13): does history cost?

Inside one transaction it adds N past appointments' seat rows (the ledger availability reads; each a
live seat of a slot in the past year), times `availability` for the newest service with the most
providers over the next 30 days, adds more, times again, then rolls everything back.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/history_scale.py --site frappoint-bench.test
"""

import statistics
import time
from datetime import date, datetime, timedelta

import frappe
from in_process import options, rolled_back

SEAT = "Service Appointment Slot"


def add_history(count: int, offset: int) -> None:
	stamp = frappe.utils.now_datetime()
	first = datetime.combine(date.today() - timedelta(days=365), datetime.min.time())
	fields = ["name", "creation", "modified", "owner", "modified_by", "parent", "parenttype", "parentfield",
		"slot", "provider", "slot_start", "slot_start_utc", "seat_no", "seat_key"]  # fmt: skip
	for chunk in range(offset, offset + count, 20_000):
		rows = []
		for n in range(chunk, min(chunk + 20_000, offset + count)):
			start = first + timedelta(minutes=15 * (n % 35_000))
			slot = f"History {n % 50:02d} {start:%Y-%m-%d %H:%M}Z"
			rows.append((f"HIST-{n}", stamp, stamp, "Administrator", "Administrator", f"APT-HIST-{n}",
				"Service Appointment", "slots", slot, f"History {n % 50:02d}", start, start, n // 35_000 + 1,
				f"{slot}#{n // 35_000 + 1}#{n}"))  # fmt: skip
		frappe.db.bulk_insert(SEAT, fields, rows)


def time_availability(service: str, repeats: int = 7) -> tuple[float, int]:
	"""p50 of computing availability from the ledger: the window cache is invalidated before each
	call (a cached answer would not read the history at all)."""
	from frappoint.api import booking as api
	from frappoint.booking import window_cache

	first = date.today() + timedelta(days=1)
	times, count = [], 0
	for _ in range(repeats):
		window_cache.bump(configuration=True)
		began = time.perf_counter()
		count = len(api.availability(service_type=service, from_date=str(first),
			to_date=str(first + timedelta(days=29)), timezone="UTC")["slots"])  # fmt: skip
		times.append((time.perf_counter() - began) * 1000)
	return statistics.median(times), count


def main():
	args = options(__doc__, small=10_000, large=1_000_000)
	with rolled_back(args):
		service = frappe.db.sql(
			"""select service_type from `tabService Provider Service` group by service_type
			order by count(*) desc, max(creation) desc limit 1"""
		)[0][0]
		providers = frappe.db.count("Service Provider Service", {"service_type": service})
		existing = frappe.db.count(SEAT)
		add_history(args.small, 0)
		small, windows = time_availability(service)
		print(f"{service}: {providers} providers x 30 days, {windows} free starts")
		print(f"{existing + args.small:>9,} seat rows stored: availability p50 {small:.0f} ms")
		started = time.perf_counter()
		add_history(args.large - args.small, args.small)
		print(f"(added {args.large - args.small:,} more in {time.perf_counter() - started:.0f} s)")
		large, _ = time_availability(service)
		print(
			f"{existing + args.large:>9,} seat rows stored: availability p50 {large:.0f} ms ({large / small:.2f}x)"
		)


if __name__ == "__main__":
	main()
