"""Availability with 10,000 and with 1,000,000 stored appointments (issue 13): does history cost?

Inside one transaction it adds N past appointments' seat rows (the ledger availability reads; each a
live seat of a slot in the past year), times `availability` for the newest service with the most
providers over the next 30 days, adds more, times again, then rolls everything back.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/history_scale.py --site frappoint.test
"""

import argparse
import os
import statistics
import time
from datetime import date, datetime, timedelta

import frappe

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
	parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	parser.add_argument("--site", default="frappoint.test")
	parser.add_argument("--sites-path", default=os.path.expanduser("~/frappe-bench/sites"))
	parser.add_argument("--small", type=int, default=10_000)
	parser.add_argument("--large", type=int, default=1_000_000)
	args = parser.parse_args()
	os.chdir(args.sites_path)
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.flags.in_test = True  # one transaction, rolled back; no rate limit in-process
	try:
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
		print(f"{existing + args.large:>9,} seat rows stored: availability p50 {large:.0f} ms ({large / small:.2f}x)")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main()
