"""The manager's reports on a site with 10,000 and with 1,000,000 appointments (issue 16).

Inside one transaction it adds N appointments spread over five years (a month of them in the range
the reports read), times each report's query over that 30-day range (p50 of 5), adds up to
N = 1,000,000 and times again; then rolls everything back.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/reports_scale.py --site frappoint-bench.test
"""

import statistics
import time
from datetime import date, datetime, timedelta

import frappe
from in_process import options, rolled_back

APPOINTMENT = "Service Appointment"
STATUSES = ("Confirmed", "Completed", "No Show", "Cancelled", "Completed", "Completed")
FIVE_YEARS = 5 * 365 * 24 * 4  # quarter hours


def add_appointments(count: int, offset: int, services: list[str], providers: list[str]) -> None:
	from frappoint.booking.clock import to_db, to_site
	from frappoint.scheduling.compat import UTC

	first = datetime.combine(date.today() - timedelta(days=4 * 365), datetime.min.time(), tzinfo=UTC)
	stamp = frappe.utils.now_datetime()
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "status", "service_type",
		"provider", "start_time", "end_time", "start_utc", "end_utc", "customer_name", "customer_email", "rate", "title"]  # fmt: skip
	for chunk in range(offset, offset + count, 20_000):
		rows = []
		for n in range(chunk, min(chunk + 20_000, offset + count)):
			start = first + timedelta(minutes=15 * ((n * 7919) % FIVE_YEARS))
			end = start + timedelta(minutes=30)
			rows.append((f"APT-REPORT-{n}", stamp, stamp, "Administrator", "Administrator", 0, STATUSES[n % 6],
				services[n % len(services)], providers[n % len(providers)], to_site(start), to_site(end), to_db(start),
				to_db(end), "Report Bench", f"report-{n % 5000}@example.com", 50, "Report Bench"))  # fmt: skip
		frappe.db.bulk_insert(APPOINTMENT, fields, rows)


def time_reports(filters: dict, repeats: int = 5) -> dict[str, float]:
	from frappoint import analytics

	reports = {
		"Provider Utilisation": lambda: analytics.utilisation(filters),
		"No-shows (by customer)": lambda: analytics.no_shows({**filters, "group_by": "Customer"}),
		"Demand by Weekday and Hour": lambda: analytics.demand(filters),
		"Revenue by Service": lambda: analytics.revenue(filters),
		"Booking Funnel": lambda: analytics.funnel(filters),
	}
	result = {}
	for name, run in reports.items():
		times = []
		for _ in range(repeats):
			began = time.perf_counter()
			run()
			times.append((time.perf_counter() - began) * 1000)
		result[name] = statistics.median(times)
	return result


def main():
	args = options(__doc__, small=10_000, large=1_000_000)
	with rolled_back(args):
		services = frappe.get_all("Service Type", pluck="name", limit=20)
		providers = frappe.get_all("Service Provider", pluck="name", limit=50)
		filters = {"from_date": str(date.today() - timedelta(days=29)), "to_date": str(date.today())}
		stored = frappe.db.count(APPOINTMENT)
		rounds = []
		for size, offset in ((args.small, 0), (args.large - args.small, args.small)):
			began = time.perf_counter()
			add_appointments(size, offset, services, providers)
			print(f"(added {size:,} in {time.perf_counter() - began:.0f} s)")
			rounds.append((frappe.db.count(APPOINTMENT), time_reports(filters)))
		(small_n, small), (large_n, large) = rounds
		print(f"{'report (30 days)':<28} {small_n:>10,} appts {large_n:>12,} appts   ratio")
		for name in small:
			print(
				f"{name:<28} {small[name]:>10.0f} ms {large[name]:>12.0f} ms   {large[name] / small[name]:.2f}x"
			)
		print(f"(the site held {stored:,} appointments before)")


if __name__ == "__main__":
	main()
