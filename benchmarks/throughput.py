"""Booking throughput against Frappe's own floor, on a server this script starts (issue 13).

Prints, in one run on the same server: the `ping` rate with 16 clients (Frappe's floor), bookings per
second (hold + confirm, distinct slots) with 1 and with 16 clients and their p50/p99, two floors
beside them (Frappe inserting and then updating a ToDo, ERPNext's own booking API), 10 clients
racing for one seat (winners counted in SQL: exactly one), and the same 16 clients split between
two separately started servers (seats counted in SQL). Ratios to the ping rate travel between
machines; absolute figures do not.

  python3 benchmarks/throughput.py [--bench ~/frappe-bench] [--site frappoint-bench.test] [--workers 4]

Books as Administrator (API token), so hold caps and guest rate limits do not apply; every booking
still takes the same locks and rules. Makes its own service and providers with fresh names; the
bookings it makes stay on the site (cancel them in the desk or use a throwaway site).
"""

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import own_site
import requests
from accounting_workers import free_port, stop
from concurrency import Site

EVERY_DAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def start_server(bench: str, port: int, workers: int) -> list[subprocess.Popen]:
	log = open("/tmp/frappoint-bench-throughput.log", "w")
	command = [f"{bench}/env/bin/gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-t", "120",
		"--chdir", "sites", "frappe.app:application_with_statics()", "--preload"]  # fmt: skip
	return [
		subprocess.Popen(command, cwd=bench, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
	]


def server_parser(description: str) -> argparse.ArgumentParser:
	"""The options every benchmark that starts its own server takes."""
	parser = argparse.ArgumentParser(
		description=description, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	own_site.add_site_options(parser)
	parser.add_argument("--password", default="admin")
	parser.add_argument("--workers", type=int, default=4)
	return parser


def own_server(args) -> tuple[str, list[subprocess.Popen]]:
	"""Restore the benchmark's site, start gunicorn on a free port; its URL and processes (stop them
	with `stop`)."""
	own_site.prepare(args)
	port = free_port()
	return f"http://127.0.0.1:{port}", start_server(args.bench, port, args.workers)


def wait_for(url: str, site: str) -> None:
	for _ in range(90):
		try:
			if requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=2).ok:
				return
		except requests.RequestException:
			pass
		time.sleep(1)
	sys.exit("the server did not start: see /tmp/frappoint-bench-throughput.log")


def configure_erpnext(site: Site, tag: str) -> dict:
	"""ERPNext's booking settings with the same hours, and the outgoing mail account its booking
	insists on (queued only: the host is never contacted); returns what to put back."""
	before = site.session.get(f"{site.url}/api/resource/Appointment Booking Settings/Appointment Booking Settings",
		headers=site.headers).json()["data"]  # fmt: skip
	holidays = site.insert("Holiday List", {"holiday_list_name": f"Avail {tag}",
		"from_date": str(date.today() - timedelta(days=1)), "to_date": str(date.today() + timedelta(days=365))})  # fmt: skip
	site.put_single("Appointment Booking Settings", {
		"enable_scheduling": 1, "holiday_list": holidays["name"], "appointment_duration": 30,
		"advance_booking_days": 60, "agent_list": [{"user": "Administrator"}],
		"availability_of_slots": [{"day_of_week": d, "from_time": "09:00:00", "to_time": "17:00:00"} for d in EVERY_DAY],
	})  # fmt: skip
	if not site.session.get(f"{site.url}/api/resource/Email Account", headers=site.headers,
			params={"filters": json.dumps({"default_outgoing": 1})}).json()["data"]:  # fmt: skip
		site.insert("Email Account", {"email_account_name": f"Outgoing {tag}", "email_id": f"outgoing-{tag}@example.com",
			"enable_outgoing": 1, "default_outgoing": 1, "smtp_server": "smtp.example.invalid", "no_smtp_authentication": 1})  # fmt: skip
	# The page is switched off again afterwards if it was off; the rest stays as a working setup.
	return {"enable_scheduling": before.get("enable_scheduling") or 0}


def ping_rate(url: str, site: str, clients: int, seconds: float = 3.0) -> tuple[float, float]:
	"""Requests per second and p50 (ms) of /api/method/ping with `clients` at once."""
	stop_at = time.perf_counter() + seconds
	latencies = []

	def client():
		session = requests.Session()
		while time.perf_counter() < stop_at:
			began = time.perf_counter()
			session.get(f"{url}/api/method/ping", headers={"Host": site})
			latencies.append(time.perf_counter() - began)

	with ThreadPoolExecutor(clients) as pool:
		for _ in range(clients):
			pool.submit(client)
	return len(latencies) / seconds, statistics.median(latencies) * 1000


def make_providers(site: Site, tag: str, count: int, capacity: int = 1) -> tuple[str, list[str]]:
	service = site.insert_service({"service_name": f"Rate {tag}", "duration_minutes": 15,
		"max_clients_per_slot": capacity, "pricing_tiers": [{"tier": "Standard", "rate": 10}]})["name"]  # fmt: skip
	providers = []
	for n in range(count):
		name = site.insert("Service Provider", {
			"provider_name": f"Rate {tag}-{n:02d}", "timezone": "UTC", "slot_minutes": 15, "slot_capacity": capacity,
			"services": [{"service_type": service}],
			"shifts": [{"weekday": d, "start_time": "06:00:00", "end_time": "22:00:00"} for d in EVERY_DAY],
		})["name"]  # fmt: skip
		site.call(
			"run_doc_method", dt="Service Provider", dn=name, method="generate_slots"
		).raise_for_status()
		providers.append(name)
	return service, providers


def book(site: Site, service: str, provider: str, start: str) -> tuple[bool, float]:
	began = time.perf_counter()
	held = site.call("frappoint.api.booking.hold", service_type=service, provider=provider, start=start,
		customer_name="Rate Test", customer_email="rate@example.com")  # fmt: skip
	codes = [held.status_code]
	if held.status_code == 200:
		codes.append(
			site.call("frappoint.api.booking.confirm", appointment=held.json()["message"]["name"]).status_code
		)
	return codes == [200, 200], time.perf_counter() - began, codes


SLOTS_A_DAY = 64  # 06:00-22:00 at 15 minutes


def starts(day: date, count: int) -> list[str]:
	"""`count` distinct quarter hours from `day` on, filling each day before the next."""
	return [
		f"{day + timedelta(days=i // SLOTS_A_DAY)}T{6 + (i % SLOTS_A_DAY * 15) // 60:02d}:{(i % SLOTS_A_DAY * 15) % 60:02d}:00+00:00"
		for i in range(count)
	]


def concurrently(clients: int, per_client: int, action):
	"""`action(n, i)` -> (ok, seconds, status codes), `per_client` times in a row by each of `clients`
	threads released together."""
	barrier = threading.Barrier(clients)
	results = []

	def client(n):
		barrier.wait()
		return [action(n, i) for i in range(per_client)]

	began = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		for outcome in pool.map(client, range(clients)):
			results.extend(outcome)
	return results, time.perf_counter() - began


def run_clients(sites, service, providers, per_client, day):
	"""Each client books `per_client` distinct slots of its own provider, all clients at once; client
	n talks to server n modulo the number of servers."""
	times = starts(day, per_client)
	return concurrently(len(providers), per_client,
		lambda n, i: book(sites[n % len(sites)], service, providers[n], times[i]))  # fmt: skip


def create_and_update(site: Site, n: int, i: int):
	"""Frappe's floor for the shape of a booking: insert a document, then update it in a second
	request (a ToDo: no child tables, no rules)."""
	began = time.perf_counter()
	made = site.call(
		"frappe.client.insert", doc={"doctype": "ToDo", "description": f"throughput floor {n}-{i}"}
	)
	codes = [made.status_code]
	if made.ok:
		codes.append(site.call("frappe.client.set_value", doctype="ToDo", name=made.json()["message"]["name"],
			fieldname="status", value="Closed").status_code)  # fmt: skip
	return codes == [200, 200], time.perf_counter() - began, codes


def erpnext_booking(site: Site, day: date, n: int, i: int):
	"""ERPNext's own booking API, as its /book_appointment page calls it (Guest, one request)."""
	began = time.perf_counter()
	r = requests.post(f"{site.url}/api/method/erpnext.www.book_appointment.index.create_appointment",
		data={"date": str(day + timedelta(days=n)), "time": f"{6 + i // 4:02d}:{i % 4 * 15:02d}:00", "tz": "UTC",
			"contact": json.dumps({"name": "Rate Test", "email": "rate@example.com"})},
		headers={"Host": site.headers["Host"]})  # fmt: skip
	return r.ok, time.perf_counter() - began, [r.status_code]


def summary(results, elapsed):
	latencies = sorted(r[1] for r in results)
	ok = sum(1 for r in results if r[0])
	p99 = latencies[max(int(len(latencies) * 0.99) - 1, 0)]
	return ok, len(results), ok / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def sql_value(bench, db_site, query) -> str:
	config = json.load(open(os.path.join(bench, "sites", db_site, "site_config.json")))
	out = subprocess.run(["mysql", "-uroot", "-proot", "-N", "-B", config["db_name"], "-e", query],
		capture_output=True, text=True, check=True)  # fmt: skip
	return out.stdout.strip()


def sql_count(bench, db_site, query) -> int:
	return int(sql_value(bench, db_site, query))


def seat_race(site, bench, db_site, clients, day):
	service, [provider] = make_providers(site, uuid.uuid4().hex[:6], 1)
	start = starts(day, 1)[0]
	barrier = threading.Barrier(clients)
	latencies = []

	def one(_):
		barrier.wait()
		began = time.perf_counter()
		r = site.call("frappoint.api.booking.hold", service_type=service, provider=provider, start=start,
			customer_name="Racer", customer_email="racer@example.com")  # fmt: skip
		latencies.append(time.perf_counter() - began)
		return r.status_code

	with ThreadPoolExecutor(clients) as pool:
		codes = list(pool.map(one, range(clients)))
	held = sql_count(bench, db_site,
		f"select count(*) from `tabService Appointment` where service_type = '{service}' and status = 'Open'")  # fmt: skip
	latencies.sort()
	return codes, int(held), statistics.median(latencies) * 1000, latencies[-1] * 1000


def sustained_load(args, site, day) -> None:
	"""`args.load` bookings by 16 clients on distinct slots, then what went wrong, counted: seats
	beyond a slot's capacity (SQL), 5xx answers, and MariaDB's own deadlock counter."""
	service, providers = make_providers(site, uuid.uuid4().hex[:6], 16)
	per_client = -(-args.load // len(providers))
	deadlocks = innodb_deadlocks()
	results, elapsed = run_clients([site], service, providers, per_client, day)
	deadlocks = innodb_deadlocks() - deadlocks
	ok, total, rate, p50, p99 = summary(results, elapsed)
	server_errors = sum(1 for r in results for code in r[2] if code >= 500)
	overbooked = sql_count(
		args.bench,
		args.site,
		f"""select count(*) from (select s.slot from
		`tabService Appointment Slot` s join `tabService Appointment` a on a.name = s.parent
		where a.service_type = '{service}' and s.seat_key is not null group by s.slot having count(*) > 1) x""",
	)
	print(f"sustained: {ok}/{total} booked in {elapsed:.0f} s, {rate:.1f} bookings/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
		f"double-booked slots (SQL) {overbooked}, InnoDB deadlocks {deadlocks}, 5xx {server_errors}")  # fmt: skip


def innodb_deadlocks() -> int:
	out = subprocess.run(["mysql", "-uroot", "-proot", "-N", "-B", "-e", "show global status like 'Innodb_deadlocks'"],
		capture_output=True, text=True, check=True)  # fmt: skip
	return int(out.stdout.split()[1])


def main():
	parser = server_parser(__doc__)
	parser.add_argument("--per-client", type=int, default=20)
	parser.add_argument(
		"--load", type=int, default=0, help="then book this many more (e.g. 10000) and count failures"
	)
	args = parser.parse_args()
	url, processes = own_server(args)
	billing = None
	try:
		wait_for(url, args.site)
		site = Site(url, args.site, args.password)
		billing = site.session.get(f"{url}/api/resource/Service Appointment Settings/Service Appointment Settings",
			headers=site.headers).json()["data"].get("bill_in_erpnext")  # fmt: skip
		# Booking, not billing: with billing on, every confirmation queues an ERPNext job that a bench
		# without a worker would keep (accounting_workers.py measures billing with real workers).
		site.put_single(
			"Service Appointment Settings",
			{"lead_time_minutes": 0, "max_advance_days": 30, "bill_in_erpnext": 0},
		)
		day = date.today() + timedelta(days=5)
		ping, ping_p50 = ping_rate(url, args.site, 16)
		_, alone_p50 = ping_rate(url, args.site, 1)
		print(f"server: gunicorn, {args.workers} workers, site {args.site}")
		print(
			f"ping, 16 clients: {ping:.0f} req/s, p50 {ping_p50:.1f} ms; one client: p50 {alone_p50:.1f} ms"
		)
		tag = uuid.uuid4().hex[:6]
		service, providers = make_providers(site, tag, 16)
		for clients in (1, 16):
			results, elapsed = run_clients(
				[site], service, providers[:clients], args.per_client, day + timedelta(days=clients // 16)
			)
			ok, total, rate, p50, p99 = summary(results, elapsed)
			print(f"hold+confirm, {clients:2d} client(s), distinct slots: {ok}/{total} booked, "
				f"{rate:.1f} bookings/s ({100 * rate / ping:.1f} % of ping req/s), p50 {p50:.0f} ms "
				f"({p50 / alone_p50:.1f}x one ping), p99 {p99:.0f} ms")  # fmt: skip
		# Two floors measured beside it: what Frappe itself does per create + update, and ERPNext's booking.
		results, elapsed = concurrently(16, args.per_client, lambda n, i: create_and_update(site, n, i))
		ok, total, floor, p50, _ = summary(results, elapsed)
		print(f"Frappe insert + update of a ToDo (two requests), 16 clients: {ok}/{total}, {floor:.1f} /s "
			f"({100 * floor / ping:.1f} % of ping), p50 {p50:.0f} ms; hold+confirm is {rate / floor:.2f}x that rate")  # fmt: skip
		# ERPNext's booking needs its settings (this site is a new one), and refuses a second
		# appointment at a time already booked: start after the last one.
		configure_erpnext(site, uuid.uuid4().hex[:6])
		free_day = date.fromisoformat(sql_value(args.bench, args.site,
			"select date(greatest(coalesce(max(scheduled_time), now()), now())) + interval 1 day from tabAppointment"))  # fmt: skip
		results, elapsed = concurrently(
			16, args.per_client, lambda n, i: erpnext_booking(site, free_day, n, i)
		)
		ok, total, erpnext, p50, _ = summary(results, elapsed)
		print(f"ERPNext create_appointment (one request, Guest), 16 clients: {ok}/{total}, {erpnext:.1f} /s "
			f"({100 * erpnext / ping:.1f} % of ping), p50 {p50:.0f} ms; hold+confirm is {rate / erpnext:.2f}x that rate")  # fmt: skip
		# Scaling out: a second server, started separately, and 16 clients split between the two.
		port2 = free_port()
		processes += start_server(args.bench, port2, args.workers)
		wait_for(f"http://127.0.0.1:{port2}", args.site)
		second = copy.copy(site)  # the same API token (a new Site would issue a new one)
		second.url, second.session = f"http://127.0.0.1:{port2}", requests.Session()
		service2, providers2 = make_providers(site, uuid.uuid4().hex[:6], 16)
		results, elapsed = run_clients([site, second], service2, providers2, args.per_client, day)
		ok, total, rate, p50, p99 = summary(results, elapsed)
		overbooked = sql_count(
			args.bench,
			args.site,
			f"""select count(*) from (select s.slot from
			`tabService Appointment Slot` s join `tabService Appointment` a on a.name = s.parent
			where a.service_type = '{service2}' and s.seat_key is not null group by s.slot having count(*) > 1) x""",
		)
		print(f"two servers ({args.workers} workers each), 16 clients split between them: {ok}/{total} booked, "
			f"{rate:.1f} bookings/s, p50 {p50:.0f} ms; slots holding more seats than they have (SQL): {overbooked}")  # fmt: skip
		codes, held, p50, worst = seat_race(site, args.bench, args.site, 10, day)
		print(f"10 clients racing for one seat: {codes.count(200)} won, {codes.count(409)} refused, "
			f"{sum(1 for c in codes if c >= 500)} 5xx; Open holds in SQL: {held}; p50 {p50:.0f} ms, max {worst:.0f} ms")  # fmt: skip
		if held != 1 or codes.count(200) != 1:
			sys.exit("FAILED: not exactly one winner")
		if args.load:
			sustained_load(args, site, day)
	finally:
		if billing is not None:
			site.put_single("Service Appointment Settings", {"bill_in_erpnext": billing})
		stop(processes)


if __name__ == "__main__":
	main()
