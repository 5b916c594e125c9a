#!/usr/bin/env python3
"""32 guests booking at once through the portal's path, from one shared address and from 32 (issue 25),
over real HTTP against a 4-worker server, counted in SQL.

Each guest opens /book (which gives the browser its visitor cookie), then books 6 times in a row:
holds one of 48 quarter-hours (two seats each; the guests' picks overlap) and confirms it with their
details, as the page does, with hold caps and guest rate limits on (Settings at their shipped values). First all 32 from one
address (an office, a school, a carrier's shared address): most are refused by the per-address hold
cap (429) or lose the seat (409); then from 32 addresses behind a trusted proxy (X-Forwarded-For).
Afterwards, in SQL: no answer was a 5xx, no time holds more claims than its seats, and the
appointments answered "confirmed" are exactly the Confirmed ones. Last, a technician's phone sends
Start six times at once and then Complete six times at once (/jobs): every answer is the job as it
is (200) and the journal has one `started` and one `completed` event.

  python3 security/hold_storm.py --site frappoint-e2e.test [--bench ~/frappe-bench] [--password admin]

Run by scripts/test in tier 2d. Starts and stops its own server; exits non-zero on any violation.
"""

import argparse
import json
import os
import re
import secrets
import sys
import uuid
from collections import Counter
from datetime import date, timedelta

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
from accounting_workers import free_port, sql, start, stop
from concurrency import Site
from throughput import wait_for
from waitlist_storm import EVERY_DAY, at_once, count, finish

GUESTS, ROUNDS, TIMES, SEATS = 32, 6, 48, 2
SHIPPED_LIMITS = {
	"holds_per_session": 3,
	"holds_per_ip": 10,
	"holds_per_email": 3,
	"guest_requests_per_minute": 60,
}


def guest(url: str, site: str, service: str, provider: str, starts: list[str], n: int, address: str | None):
	"""One customer on the portal: the page, then a hold and its confirmation per start. A list of
	(hold status, confirm status, appointment)."""
	session = requests.Session()
	headers = {
		"Host": site,
		"Accept": "application/json",
		**({"X-Forwarded-For": address} if address else {}),
	}
	session.get(f"{url}/book", headers={**headers, "Accept": "text/html"})
	results = []
	for start_at in starts:
		email = f"guest-{n:02d}-{uuid.uuid4().hex[:6]}@example.com"
		held = session.post(f"{url}/api/method/frappoint.api.booking.hold", headers=headers,
			json={"service_type": service, "provider": provider, "start": start_at, "timezone": "UTC"})  # fmt: skip
		if held.status_code != 200:
			results.append((held.status_code, None, None))
			continue
		hold = held.json()["message"]
		confirmed = session.post(f"{url}/api/method/frappoint.api.booking.confirm", headers=headers,
			json={"appointment": hold["name"], "token": hold["token"], "customer_name": f"Guest {n:02d}",
				"customer_email": email, "timezone": "UTC"})  # fmt: skip
		results.append((held.status_code, confirmed.status_code, hold["name"]))
	return results


def storm(args, url, site, service, provider, day, many_addresses: bool, failures: list[str]) -> None:
	starts = [f"{day}T{9 + i // 4:02d}:{i % 4 * 15:02d}:00+00:00" for i in range(TIMES)]
	picks = [[starts[(n * 7 + r * 11) % TIMES] for r in range(ROUNDS)] for n in range(GUESTS)]
	results = at_once([
		(lambda n=n: guest(url, args.site, service, provider, picks[n], n, f"198.51.100.{n + 1}" if many_addresses else None))
		for n in range(GUESTS)
	])  # fmt: skip
	results = [booking for bookings in results for booking in bookings]
	codes = Counter(code for held, confirmed, _ in results for code in (held, confirmed) if code is not None)
	server_errors = sum(n for code, n in codes.items() if code >= 500)
	said_confirmed = sorted(name for _, confirmed, name in results if confirmed == 200)
	stored = sorted(
		row[0]
		for row in sql(
			args.bench,
			args.site,
			f"""select name from `tabService Appointment` where provider = '{provider}'
			and status = 'Confirmed' and date(start_utc) = '{day}'""",
		)
	)
	over = count(args, f"""select count(*) from (select s.slot from `tabService Appointment Slot` s
		join `tabService Appointment` a on a.name = s.parent where a.provider = '{provider}'
		and s.seat_key is not null group by s.slot having count(*) > {SEATS}) x""")  # fmt: skip
	who = f"{GUESTS} addresses" if many_addresses else "one address"
	if server_errors:
		failures.append(f"{who}: {server_errors} answers were 5xx ({dict(codes)})")
	if said_confirmed != stored:
		failures.append(f"{who}: {len(said_confirmed)} told confirmed, {len(stored)} Confirmed in SQL")
	if over:
		failures.append(f"{who}: {over} times hold more claims than their {SEATS} seats")
	if not said_confirmed:
		failures.append(f"{who}: nobody could book")
	print(f"hold storm: {GUESTS} guests at once from {who}, {ROUNDS} bookings each -> answers {dict(sorted(codes.items()))}; "
		f"{len(said_confirmed)} confirmed = {len(stored)} Confirmed in SQL, {over} times over capacity, "
		f"{server_errors} 5xx")  # fmt: skip


def technician(url: str, admin: Site, tag: str, provider: str) -> requests.Session:
	"""A logged-in user linked to `provider`, with the CSRF token a portal page hands a browser."""
	email, password = f"tech-{tag}@example.com", secrets.token_urlsafe(18) + "aA1!"
	admin.insert("User", {"email": email, "first_name": f"Tech {tag}", "send_welcome_email": 0,
		"new_password": password, "roles": [{"role": "Service Provider"}]})  # fmt: skip
	admin.session.put(f"{url}/api/resource/Service Provider/{provider}", data={"data": json.dumps({"user": email})},
		headers=admin.headers).raise_for_status()  # fmt: skip
	phone = requests.Session()
	phone.headers["Host"] = admin.headers["Host"]
	phone.post(f"{url}/api/method/login", data={"usr": email, "pwd": password}).raise_for_status()
	page = phone.get(f"{url}/jobs", headers={"Accept": "text/html"}).text
	phone.headers["X-Frappe-CSRF-Token"] = re.search(r'frappe\.csrf_token = "([^"]+)"', page).group(1)
	return phone


def jobs_storm(args, url, admin: Site, service: str, provider: str, tag: str, failures: list[str]) -> None:
	phone = technician(url, admin, tag, provider)
	held = admin.call("frappoint.api.booking.hold", service_type=service, provider=provider,
		start=f"{date.today() + timedelta(days=1)}T10:00:00+00:00", customer_name="Job", customer_email=f"job-{tag}@example.com")  # fmt: skip
	held.raise_for_status()
	job = held.json()["message"]["name"]
	admin.call("frappoint.api.booking.confirm", appointment=job).raise_for_status()
	codes = Counter()
	for action in ("start", "complete"):

		def send(action=action):
			return phone.post(
				f"{url}/api/method/frappoint.api.jobs.act", json={"appointment": job, "action": action}
			).status_code

		codes.update(at_once([send] * 6))
	events = dict(sql(args.bench, args.site, f"""select event_type, count(*) from `tabAppointment Event`
		where appointment = '{job}' and event_type in ('started', 'completed') group by event_type"""))  # fmt: skip
	events = {kind: int(n) for kind, n in events.items()}
	if codes != Counter({200: 12}) or events != {"started": 1, "completed": 1}:
		failures.append(f"jobs: start and complete x6 at once answered {dict(codes)}, journal {events}")
	print(f"jobs storm: Start x6 and Complete x6 at once -> answers {dict(codes)}; journal "
		f"{events.get('started', 0)} started, {events.get('completed', 0)} completed")  # fmt: skip


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
	processes = start(args.bench, port, workers=0)
	failures = []
	try:
		url = f"http://127.0.0.1:{port}"
		wait_for(url, args.site)
		admin = Site(url, args.site, args.password)
		tag = uuid.uuid4().hex[:6]
		service = admin.insert_service({"service_name": f"Hold Storm {tag}", "duration_minutes": 15,
			"max_clients_per_slot": SEATS, "pricing_tiers": [{"tier": "Standard", "rate": 10}]})["name"]  # fmt: skip
		provider = admin.insert("Service Provider", {"provider_name": f"Hold Storm {tag}", "timezone": "UTC",
			"slot_minutes": 15, "slot_capacity": SEATS, "services": [{"service_type": service}],
			"shifts": [{"weekday": d, "start_time": "09:00:00", "end_time": "21:00:00"} for d in EVERY_DAY]})["name"]  # fmt: skip
		admin.call(
			"run_doc_method", dt="Service Provider", dn=provider, method="generate_slots"
		).raise_for_status()
		admin.put_single(
			"Service Appointment Settings",
			# Caps are the subject here: no accounting steps or messages queued behind 232 bookings for
			# the next storm's workers to work through first.
			{
				**SHIPPED_LIMITS,
				"trusted_proxies": "",
				"lead_time_minutes": 0,
				"bill_in_erpnext": 0,
				"notify_customers": 0,
				"notify_providers": 0,
			},
		)
		storm(args, url, args.site, service, provider, date.today() + timedelta(days=3), False, failures)
		admin.put_single("Service Appointment Settings", {"trusted_proxies": "127.0.0.1"})
		storm(args, url, args.site, service, provider, date.today() + timedelta(days=4), True, failures)
		jobs_storm(args, url, admin, service, provider, tag, failures)
	finally:
		stop(processes)
	finish("hold storm", failures)


if __name__ == "__main__":
	main()
