#!/usr/bin/env python3
"""The wait-list under a storm of cancellations (issue 15), over real HTTP, counted in SQL.

A provider's day is fully booked (16 quarter-hour seats, capacity 1) and 24 customers join the
wait-list for it, one after another. Then all 16 bookings are cancelled at once by 16 clients against
a 4-worker server, while two RQ workers run the offer jobs those cancellations queue. Afterwards, in
SQL: no seat carries two live claims, exactly 16 waiters hold an offer and they are the first 16 to
join, each offer is its own Open hold. Then 5 offers are let lapse (their hold time moved into the
past and the expiry sweep run, as the scheduler would): the next 5 waiters, and only they, are
offered those times.

  python3 security/waitlist_storm.py --site frappoint-e2e.test [--bench ~/frappe-bench] [--password admin]

Run by scripts/test in tier 2d. Starts and stops its own server and workers (no scheduler); exits
non-zero on any violation. Every freed seat must be offered by the jobs its cancellation queued (one
outbox row per freed seat), without the scheduler's sweep.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
from accounting_workers import free_port, sql, start, stop
from concurrency import Site
from throughput import wait_for

SEATS, WAITERS, LAPSING = 16, 24, 5
EVERY_DAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def count(args, query) -> int:
	return int(sql(args.bench, args.site, query)[0][0])


def entries(args, service) -> list[tuple[str, str, str]]:
	"""(name, status, appointment) of the service's waiters, in the order they joined."""
	rows = sql(
		args.bench,
		args.site,
		f"""select name, status, ifnull(appointment, '') from `tabWaitlist Entry`
		where service_type = '{service}' order by creation, name""",
	)
	return [tuple(r) for r in rows]


def queue_busy(args) -> int:
	"""Jobs queued or running on the site's short queue (the offer jobs and whatever is before them):
	the site's own Redis (scripts/lib.sh gives each test site one), else the bench's."""
	sites = os.path.join(args.bench, "sites")
	config = {**json.load(open(os.path.join(sites, "common_site_config.json"))),
		**json.load(open(os.path.join(sites, args.site, "site_config.json")))}  # fmt: skip
	redis = ["redis-cli", "-u", os.environ.get("FRAPPE_REDIS_QUEUE") or config["redis_queue"]]
	busy = 0
	for pattern in ("rq:queue:*:short", "rq:wip:*:short"):
		for key in subprocess.run(
			[*redis, "--scan", "--pattern", pattern], capture_output=True, text=True
		).stdout.split():
			kind = "llen" if key.startswith("rq:queue:") else "zcard"
			busy += int(
				subprocess.run([*redis, kind, key], capture_output=True, text=True).stdout.strip() or 0
			)
	return busy


def outbox_pending(args) -> int:
	return count(args, "select count(*) from `tabBooking Outbox` where status = 'Pending'")


def settle(args, service, url=None, seconds=300) -> None:
	"""Until the short queue and the outbox are empty and the waiters' statuses have not changed for
	3 s; with `url`, a request a second meanwhile (what starts the outbox's dispatcher when no
	scheduler runs, as none does here)."""
	last, stable_since, deadline = None, time.time(), time.time() + seconds
	while time.time() < deadline:
		if url:
			requests.get(f"{url}/api/method/ping", headers={"Host": args.site}, timeout=30)
		now = entries(args, service)
		if now != last or queue_busy(args) or outbox_pending(args):
			last, stable_since = now, time.time()
		elif time.time() - stable_since > 3:
			return
		time.sleep(1)


def bench_execute(args, method) -> None:
	subprocess.run(
		["bench", "--site", args.site, "execute", method], cwd=args.bench, check=True, capture_output=True
	)


def double_claims(args, provider) -> int:
	return count(
		args,
		f"""select count(*) from (select s.slot from `tabService Appointment Slot` s
		join `tabService Appointment` a on a.name = s.parent
		where a.provider = '{provider}' and s.seat_key is not null group by s.slot having count(*) > 1) x""",
	)


def at_once(calls):
	"""Run the calls from as many threads, released together; their results in order."""
	barrier = threading.Barrier(len(calls))

	def run(call):
		barrier.wait()
		return call()

	with ThreadPoolExecutor(len(calls)) as pool:
		return list(pool.map(run, calls))


def finish(storm: str, failures: list[str]) -> None:
	"""Print each failure and the verdict scripts/test looks for; exit non-zero on any failure."""
	for failure in failures:
		print("FAILED:", failure)
	print(f"{storm}:", "FAILED" if failures else "PASSED")
	sys.exit(1 if failures else 0)


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument(
		"--bench", default=os.environ.get("FRAPPOINT_BENCH", os.path.expanduser("~/frappe-bench"))
	)
	parser.add_argument("--site", default="frappoint-e2e.test")
	parser.add_argument("--password", default=os.environ.get("FRAPPOINT_ADMIN_PASSWORD", "admin"))
	args = parser.parse_args()
	port = free_port()
	processes = start(args.bench, port, workers=2)
	failures = []
	try:
		url = f"http://127.0.0.1:{port}"
		wait_for(url, args.site)
		site = Site(url, args.site, args.password)
		tag = uuid.uuid4().hex[:6]
		service = site.insert_service({"service_name": f"Storm {tag}", "duration_minutes": 15,
			"pricing_tiers": [{"tier": "Standard", "rate": 10}]})["name"]  # fmt: skip
		provider = site.insert("Service Provider", {"provider_name": f"Storm {tag}", "timezone": "UTC",
			"slot_minutes": 15, "services": [{"service_type": service}],
			"shifts": [{"weekday": d, "start_time": "09:00:00", "end_time": "13:00:00"} for d in EVERY_DAY]})["name"]  # fmt: skip
		site.call(
			"run_doc_method", dt="Service Provider", dn=provider, method="generate_slots"
		).raise_for_status()
		day = date.today() + timedelta(days=3)
		booked = []
		for i in range(SEATS):
			held = site.call("frappoint.api.booking.hold", service_type=service, provider=provider,
				start=f"{day}T{9 + i // 4:02d}:{i % 4 * 15:02d}:00+00:00", customer_name="Storm", customer_email=f"storm-{tag}@example.com")  # fmt: skip
			held.raise_for_status()
			booked.append(held.json()["message"]["name"])
			site.call("frappoint.api.booking.confirm", appointment=booked[-1]).raise_for_status()
		for n in range(WAITERS):
			site.call("frappoint.api.waitlist.join", service_type=service, from_date=str(day), to_date=str(day),
				timezone="UTC", customer_name=f"Waiter {n:02d}", customer_email=f"waiter-{tag}-{n:02d}@example.com").raise_for_status()  # fmt: skip
		waiting = sum(1 for _, status, _ in entries(args, service) if status == "Waiting")
		if waiting != WAITERS:
			failures.append(
				f"before the storm {waiting} of {WAITERS} waiters were waiting (the day was not full)"
			)

		# the storm: every booking cancelled at once
		def cancel(name):
			return lambda: (
				site.call("frappoint.api.booking.cancel", appointment=name, reason="Storm").status_code
			)

		codes = at_once([cancel(name) for name in booked])
		if codes != [200] * SEATS:
			failures.append(f"cancellations answered {sorted(codes)}")
		settle(args, service, url)
		by_jobs = sum(1 for _, status, _ in entries(args, service) if status == "Offered")
		if by_jobs < SEATS:  # one outbox row per freed seat: no seat waits for the scheduler's sweep
			failures.append(f"the jobs offered {by_jobs} of {SEATS} freed seats")
		rows = entries(args, service)
		offered = [(name, apt) for name, status, apt in rows if status == "Offered"]
		first = [name for name, _, _ in rows[:SEATS]]
		if [name for name, _ in offered] != first:
			failures.append(f"offered {len(offered)} waiters, not the first {SEATS} to join")
		if len({apt for _, apt in offered}) != len(offered):
			failures.append("two waiters share one offered appointment")
		open_holds = count(
			args,
			f"""select count(*) from `tabService Appointment` where provider = '{provider}'
			and status = 'Open' and name in (select appointment from `tabWaitlist Entry` where service_type = '{service}')""",
		)
		if open_holds != len(offered):
			failures.append(f"{open_holds} Open holds for {len(offered)} offers")
		doubles = double_claims(args, provider)
		if doubles:
			failures.append(f"{doubles} seats claimed twice")
		print(f"storm: {SEATS} cancellations at once -> {by_jobs} offers by the jobs alone"
			f"; {len(offered)} offered (the first {SEATS} to join: "
			f"{'yes' if [n for n, _ in offered] == first else 'NO'}), {doubles} seats claimed twice")  # fmt: skip

		# let the first LAPSING offers lapse: their times go to the next waiters
		lapsing = [apt for _, apt in offered[:LAPSING]]
		names = ", ".join(f"'{a}'" for a in lapsing)
		sql(
			args.bench,
			args.site,
			f"""update `tabService Appointment` set hold_expires_utc = utc_timestamp() - interval 1 minute
			where name in ({names})""",
		)
		sql(
			args.bench,
			args.site,
			f"""update `tabService Appointment Slot` set hold_until_utc = utc_timestamp() - interval 1 minute
			where parent in ({names})""",
		)
		bench_execute(args, "frappoint.booking.actions.expire_all_stale_holds")
		settle(args, service, url)
		rows = entries(args, service)
		statuses = [status for _, status, _ in rows]
		expected = ["Offer Lapsed"] * LAPSING + ["Offered"] * (SEATS - LAPSING) + ["Offered"] * LAPSING
		expected += ["Waiting"] * (WAITERS - SEATS - LAPSING)
		if statuses != expected:
			failures.append(f"after {LAPSING} lapses the waiters are {statuses}")
		doubles = double_claims(args, provider)
		if doubles:
			failures.append(f"{doubles} seats claimed twice after the lapses")
		print(f"lapses: {statuses.count('Offer Lapsed')} lapsed, {statuses.count('Offered')} offered, "
			f"{statuses.count('Waiting')} still waiting; {doubles} seats claimed twice")  # fmt: skip
	finally:
		stop(processes)
	finish("waitlist storm", failures)


if __name__ == "__main__":
	main()
