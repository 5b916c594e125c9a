"""A booking in one request (`book`) against the same booking in two (`hold` then `confirm`), with
Frappe's own two-request floor (insert a ToDo, then update it) measured in the same run (issue 26).

On a server this script starts (gunicorn, `--workers` sync workers, the site restored first), 16
clients each book distinct 15-minute slots of their own provider, as Administrator over an API
token (billing off: see throughput.py), in `--rounds` rounds; each round runs the three loads one
after the other, so that a noisy moment of the machine falls on all of them. Prints each rate, its
share of the `ping` rate, and the two ratios the issue sets: `book` >= 1.5x hold + confirm, and
hold + confirm >= the ToDo floor.

  python3 benchmarks/book_one_request.py [--site frappoint-bench.test] [--workers 4] [--per-client 10] [--rounds 2]
"""

import time
import uuid
from datetime import date, timedelta

from accounting_workers import stop
from concurrency import Site
from throughput import (
	book,
	concurrently,
	create_and_update,
	make_providers,
	own_server,
	ping_rate,
	server_parser,
	starts,
	summary,
	wait_for,
)

CLIENTS = 16


def book_at_once(site: Site, service: str, provider: str, start: str):
	began = time.perf_counter()
	r = site.call("frappoint.api.booking.book", service_type=service, provider=provider, start=start,
		customer_name="Rate Test", customer_email="rate@example.com")  # fmt: skip
	ok = r.status_code == 200 and r.json()["message"]["status"] == "Confirmed"
	return ok, time.perf_counter() - began, [r.status_code]


def main():
	parser = server_parser(__doc__)
	parser.add_argument("--per-client", type=int, default=10)
	parser.add_argument("--rounds", type=int, default=2)
	args = parser.parse_args()
	url, processes = own_server(args)
	before = None
	try:
		wait_for(url, args.site)
		site = Site(url, args.site, args.password)
		settings = f"{url}/api/resource/Service Appointment Settings/Service Appointment Settings"
		before = site.session.get(settings, headers=site.headers).json()["data"]
		before = {
			key: before.get(key) for key in ("lead_time_minutes", "max_advance_days", "bill_in_erpnext")
		}
		site.put_single(
			"Service Appointment Settings",
			{"lead_time_minutes": 0, "max_advance_days": 30, "bill_in_erpnext": 0},
		)
		service, providers = make_providers(site, uuid.uuid4().hex[:6], CLIENTS)
		# Every worker past its first request of each kind (imports, metadata, prepared templates).
		warm = starts(date.today() + timedelta(days=1), 4 * args.workers)
		for n in range(2 * args.workers):
			book(site, service, providers[0], warm[2 * n])
			book_at_once(site, service, providers[0], warm[2 * n + 1])
			create_and_update(site, 0, n)
		ping, _ = ping_rate(url, args.site, CLIENTS)
		print(f"server: gunicorn, {args.workers} workers, site {args.site}; {CLIENTS} clients, "
			f"{args.per_client} each per load, {args.rounds} round(s); ping {ping:.0f} req/s")  # fmt: skip
		totals = {"hold+confirm": [], "book": [], "ToDo floor": []}
		for n in range(args.rounds):
			times = starts(date.today() + timedelta(days=2 + 2 * n), 2 * args.per_client)
			two, one = times[: args.per_client], times[args.per_client :]
			loads = {
				"hold+confirm": lambda c, i: book(site, service, providers[c], two[i]),
				"book": lambda c, i: book_at_once(site, service, providers[c], one[i]),
				"ToDo floor": lambda c, i: create_and_update(site, c, i),
			}
			for name, action in loads.items():
				totals[name].append(concurrently(CLIENTS, args.per_client, action))
		rates = {}
		for name, runs in totals.items():
			results = [r for outcome, _ in runs for r in outcome]
			ok, total, _, p50, p99 = summary(results, 1)
			rates[name] = ok / sum(elapsed for _, elapsed in runs)
			errors = sum(1 for r in results for code in r[2] if code >= 500)
			print(f"{name:>12}: {ok}/{total} ok, {rates[name]:.1f} /s ({100 * rates[name] / ping:.1f} % of ping), "
				f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, 5xx {errors}")  # fmt: skip
		one_to_two = rates["book"] / rates["hold+confirm"]
		two_to_floor = rates["hold+confirm"] / rates["ToDo floor"]
		print(f"book is {one_to_two:.2f}x hold+confirm (target >= 1.5: {'met' if one_to_two >= 1.5 else 'NOT met'}); "
			f"hold+confirm is {two_to_floor:.2f}x Frappe's ToDo floor (target >= 1: {'met' if two_to_floor >= 1 else 'NOT met'})")  # fmt: skip
	finally:
		if before is not None:
			site.put_single("Service Appointment Settings", before)
		stop(processes)


if __name__ == "__main__":
	main()
