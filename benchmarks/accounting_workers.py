"""Billing with real workers: N appointments through confirm -> complete (or cancel) at once, billed
by two RQ workers, then counted in SQL: every appointment's Sales Order and Sales Invoice must match
its status. Prints the mismatches (must be 0) and the time the queue took to drain.

The races it provokes are the ones shops hit: a walk-in confirmed and completed within a second (the
order and invoice jobs of one appointment run at once), a customer with a phone (ERPNext's Contact
hook commits mid-step), a booking cancelled before its order job runs, and two appointments of the
same new customer billed together. It starts its own server (gunicorn, 4 workers) and two
`bench worker --queue short` processes on a free port, and stops them at the end.

  python3 benchmarks/accounting_workers.py [--bench ~/frappe-bench] [--site frappoint-bench.test] [--n 24]

Needs the demo on the site (`scripts/bench-setup` loads it): the Haircut service, billed in ERPNext.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import own_site
import requests
from concurrency import Site

SCENARIOS = ("walk_in", "walk_in_with_phone", "cancelled_at_once", "same_new_customer")


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def start(bench: str, port: int, workers: int) -> list[subprocess.Popen]:
	log = open("/tmp/frappoint-bench-accounting.log", "w")
	gunicorn = [f"{bench}/env/bin/gunicorn", "-b", f"127.0.0.1:{port}", "-w", "4", "-t", "120"]
	commands = [
		[*gunicorn, "--chdir", "sites", "frappe.app:application_with_statics()", "--preload"],
		*[["bench", "worker", "--queue", "short"]] * workers,
	]
	return [
		subprocess.Popen(command, cwd=bench, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
		for command in commands
	]


def stop(processes: list[subprocess.Popen]) -> None:
	for p in processes:
		try:
			os.killpg(p.pid, signal.SIGTERM)
		except ProcessLookupError:
			pass
	for p in processes:
		p.wait(timeout=30)


def sql(bench: str, site: str, query: str) -> list[list[str]]:
	command = ["bench", "--site", site, "mariadb", "-N", "-e", query]
	out = subprocess.run(command, cwd=bench, capture_output=True, text=True, check=True).stdout
	return [line.split("\t") for line in out.splitlines() if line.strip()]


def times(site: Site, service: str, n: int) -> list[tuple[str, str]]:
	"""n distinct (start, provider) pairs that are free."""
	first = date.today() + timedelta(days=1)
	r = site.session.get(
		f"{site.url}/api/method/frappoint.api.booking.availability",
		params={"service_type": service, "from_date": str(first), "to_date": str(first + timedelta(days=13))},
		headers=site.headers,
	)
	r.raise_for_status()
	pairs = [(w["start"], w["provider"]) for w in r.json()["message"]["slots"]]
	picked = pairs[:: max(len(pairs) // n, 1)][:n]
	if len(picked) < n:
		sys.exit(f"only {len(picked)} free times for {service}; load the demo or ask for fewer")
	return picked


def doc_method(site: Site, name: str, method: str, **args):
	return site.session.post(
		f"{site.url}/api/method/run_doc_method",
		json={"dt": "Service Appointment", "dn": name, "method": method, "args": args or None},
		headers=site.headers,
	)


def book(site: Site, tag: str, i: int, when: tuple[str, str]) -> tuple[str, list[int]]:
	scenario = SCENARIOS[i % len(SCENARIOS)]
	email = f"bench-{tag}-{i // 8 if scenario == 'same_new_customer' else i}@example.com"
	details = {"customer_name": f"Bench {tag} {i}", "customer_email": email}
	if scenario == "walk_in_with_phone":
		details["customer_phone"] = f"+44 20 7946 {i:04d}"
	start_at, provider = when
	held = site.call(
		"frappoint.api.booking.hold", service_type="Haircut", start=start_at, provider=provider, **details
	)
	if held.status_code != 200:
		return scenario, [held.status_code]
	name = held.json()["message"]["name"]
	statuses = [held.status_code, doc_method(site, name, "confirm").status_code]
	last = "cancel_appointment" if scenario == "cancelled_at_once" else "complete"
	statuses.append(doc_method(site, name, last).status_code)
	return scenario, statuses


def main():
	parser = own_site.add_site_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
	parser.add_argument("--password", default="admin")
	parser.add_argument("--n", type=int, default=24)
	parser.add_argument("--workers", type=int, default=2)
	args = parser.parse_args()
	own_site.prepare(args)

	port = free_port()
	processes = start(args.bench, port, args.workers)
	try:
		url = f"http://127.0.0.1:{port}"
		for _ in range(60):
			try:
				if requests.get(f"{url}/api/method/ping", headers={"Host": args.site}, timeout=2).ok:
					break
			except requests.RequestException:
				pass
			time.sleep(1)
		site = Site(url, args.site, args.password)
		tag = uuid.uuid4().hex[:6]
		slots = times(site, "Haircut", args.n)
		began = time.perf_counter()
		with ThreadPoolExecutor(max_workers=8) as pool:
			results = list(pool.map(lambda i: book(site, tag, i, slots[i]), range(args.n)))
		requests_done = time.perf_counter() - began
		refused = [r for r in results if any(code != 200 for code in r[1])]

		batch = f"customer_name like 'Bench {tag} %'"
		for _ in range(600):
			query = f"select count(*) from `tabService Appointment` where {batch} and accounting_status = 'Pending'"
			[[pending]] = sql(args.bench, args.site, query)
			if pending == "0":
				break
			time.sleep(1)
		drained = time.perf_counter() - began
		rows = sql(
			args.bench,
			args.site,
			f"""
			select a.name, a.status, coalesce(a.accounting_status, ''),
				(select count(*) from `tabSales Order` so where so.service_appointment = a.name and so.docstatus = 1),
				(select count(*) from `tabSales Order` so where so.service_appointment = a.name and so.docstatus = 1
					and so.status not in ('Closed', 'Completed')),
				(select count(*) from `tabSales Invoice` si where si.service_appointment = a.name and si.docstatus = 1)
			from `tabService Appointment` a where {batch} order by a.name""",
		)
	finally:
		stop(processes)

	expected = {  # status -> (submitted orders, open orders, submitted invoices)
		"Completed": lambda so, open_so, si: so == 1 and si == 1,
		"Cancelled": lambda so, open_so, si: open_so == 0 and si == 0,
		"Confirmed": lambda so, open_so, si: so == 1 and si == 0,
	}
	mismatches = [
		r
		for r in rows
		if r[2] != "Done" or not expected.get(r[1], lambda *_: False)(int(r[3]), int(r[4]), int(r[5]))
	]
	print(f"appointments: {len(rows)} of {args.n} ({', '.join(SCENARIOS)}), {args.workers} RQ workers")
	print(f"HTTP calls refused: {len(refused)} {refused[:5]}")
	print(f"all requests answered in {requests_done:.1f} s; queue drained after {drained:.1f} s")
	for status in ("Completed", "Cancelled"):
		print(f"  {status}: {sum(r[1] == status for r in rows)}")
	print(f"mismatches (documents that do not match the status): {len(mismatches)}")
	for r in mismatches[:10]:
		print(
			"   ",
			dict(zip(("name", "status", "accounting", "orders", "open orders", "invoices"), r, strict=True)),
		)
	sys.exit(1 if mismatches or refused or len(rows) != args.n else 0)


if __name__ == "__main__":
	main()
