#!/usr/bin/env python3
"""Processes killed while people book (issue 25), over real HTTP, with no scheduler, counted in SQL.

A provider's morning is fully booked (16 quarter-hours, capacity 1, each Confirmed with its Sales
Order) and 24 customers wait for it. Then, all at once against a 4-worker server with two RQ workers:
the 16 customers cancel from their manage links, and 16 newcomers book another service as guests (8
with one e-mail address, who must become one ERPNext Customer; 8 with one name and their own
addresses, who must become 8). Mid-storm, an RQ worker that is running a job and a web worker are
killed (`kill -9`, by PID); a new RQ worker starts, as a supervisor would start one. No scheduler
runs: only the outbox (kicked by web requests) can finish what the killed processes dropped.
Afterwards, in SQL: every freed seat is offered once, to the first waiters, and no seat is claimed
twice; every message logged as sent has exactly one e-mail and every change that tells someone was
told; every appointment's ERPNext documents match its status and no accounting is pending or failed;
no outbox row is pending or failed; the customers are as many as they should be.

  python3 security/fault_storm.py --site frappoint-e2e.test [--bench ~/frappe-bench] [--password admin]

Run by scripts/test in tier 2d. Starts and stops its own server and workers; exits non-zero on any
violation.
"""

import argparse
import json
import os
import secrets
import signal
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
from waitlist_storm import EVERY_DAY, count, entries, finish, queue_busy

SEATS, WAITERS, NEWCOMERS = 16, 24, 16
SETTINGS = "Service Appointment Settings"
RULES = {
	"notify_customers": 1, "notify_providers": 0, "send_sms": 0, "attach_calendar_invitation": 0,
	"allow_waitlist": 1, "waitlist_offer_minutes": 120, "bill_in_erpnext": 1,
	"sales_order_policy": "Create on Confirmation", "invoice_when": "On Completion",
	"guest_customer_policy": "Create a Customer", "cancellation_cutoff_hours": 0, "refund_cutoff_hours": 0,
	"late_cancellation_fee": 0, "lead_time_minutes": 0, "max_advance_days": 60,
	# many guests from this one machine: the per-address limits are for strangers, not for this test
	"holds_per_ip": 1000, "holds_per_email": 100, "holds_per_session": 100, "guest_requests_per_minute": 100000,
	# this run's guests come from an address of their own (below), not the holds earlier storms left
	"trusted_proxies": "127.0.0.1",
}  # fmt: skip
# TEST-NET-3: the hold storm gives its 32 guests 198.51.100.1-32, and what they left must not count here.
ADDRESS = f"203.0.113.{secrets.randbelow(250) + 1}"
NEWS_CANCELLED, NEWS_CONFIRMED, NEWS_OFFER = (
	"Appointment Cancelled",
	"Appointment Confirmed",
	"A Time Is Free for You",
)


def guest(url, site, method, **data):
	"""A guest's call (no session), or None when the connection died with its web worker."""
	try:
		return requests.post(
			f"{url}/api/method/{method}",
			json=data,
			headers={"Host": site, "Accept": "application/json", "X-Forwarded-For": ADDRESS},
			timeout=120,
		)
	except requests.ConnectionError:
		return None


def book(url, site, service, provider, start_at, name, email):
	"""Hold and confirm as the portal does; (appointment, token, confirm status) or Nones when a call died."""
	held = guest(
		url,
		site,
		"frappoint.api.booking.hold",
		service_type=service,
		provider=provider,
		start=start_at,
		timezone="UTC",
	)
	if held is None or held.status_code != 200:
		return None, None, held.status_code if held is not None else "died"
	h = held.json()["message"]
	confirmed = guest(url, site, "frappoint.api.booking.confirm", appointment=h["name"], token=h["token"],
		customer_name=name, customer_email=email, timezone="UTC")  # fmt: skip
	return h["name"], h["token"], confirmed.status_code if confirmed is not None else "died"


def outbox_left(args) -> tuple[int, int]:
	[[pending, failed]] = sql(args.bench, args.site, """select ifnull(sum(status = 'Pending'), 0), ifnull(sum(status = 'Failed'), 0)
		from `tabBooking Outbox`""")  # fmt: skip
	return int(pending), int(failed)


def settle(args, url, seconds=240) -> float:
	"""Until the outbox and the short queue are empty, sending a request a second (a site's ordinary
	traffic: what kicks the outbox's dispatcher when no scheduler runs); the seconds it took."""
	started = time.time()
	while time.time() - started < seconds:
		requests.get(f"{url}/api/method/ping", headers={"Host": args.site}, timeout=30)
		if outbox_left(args)[0] == 0 and not queue_busy(args):
			return time.time() - started
		time.sleep(1)
	return time.time() - started


def busy_rq_worker(args) -> tuple[int, str] | None:
	"""The PID of an RQ worker of the site's queue that is running an outbox row's job right now, and
	the row."""
	sites = os.path.join(args.bench, "sites")
	config = {**json.load(open(os.path.join(sites, "common_site_config.json"))),
		**json.load(open(os.path.join(sites, args.site, "site_config.json")))}  # fmt: skip
	redis = ["redis-cli", "-u", os.environ.get("FRAPPE_REDIS_QUEUE") or config["redis_queue"]]
	for key in subprocess.run(
		[*redis, "--scan", "--pattern", "rq:worker:*"], capture_output=True, text=True
	).stdout.split():
		fields = subprocess.run([*redis, "hgetall", key], capture_output=True, text=True).stdout.split("\n")
		values = dict(zip(fields[::2], fields[1::2], strict=False))
		if "frappoint-outbox::" in values.get("current_job", "") and values.get("pid"):
			return int(values["pid"]), values["current_job"].rsplit("::", 1)[-1]
	return None


def web_workers(server_pid: int) -> list[int]:
	out = subprocess.run(
		["ps", "-o", "pid=", "--ppid", str(server_pid)], capture_output=True, text=True
	).stdout
	return [int(p) for p in out.split()]


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
	failures, site, saved, mail_account = [], None, {}, None
	try:
		url = f"http://127.0.0.1:{port}"
		wait_for(url, args.site)
		site = Site(url, args.site, args.password)
		stored = site.session.get(f"{url}/api/resource/{SETTINGS}/{SETTINGS}", headers=site.headers).json()[
			"data"
		]
		saved = {key: stored.get(key) for key in RULES}
		site.put_single(SETTINGS, RULES)
		tag = uuid.uuid4().hex[:6]
		if not count(
			args, "select count(*) from `tabEmail Account` where enable_outgoing = 1 and default_outgoing = 1"
		):
			mail_account = site.insert("Email Account", {"email_account_name": f"Fault {tag}", "email_id": f"fault-{tag}@example.com",
				"enable_outgoing": 1, "default_outgoing": 1, "smtp_server": "smtp.example.invalid", "no_smtp_authentication": 1})["name"]  # fmt: skip
		shifts = [{"weekday": d, "start_time": "09:00:00", "end_time": "13:00:00"} for d in EVERY_DAY]
		full = site.insert_service(
			{
				"service_name": f"Fault {tag}",
				"duration_minutes": 15,
				"pricing_tiers": [{"tier": "Standard", "rate": 10}],
			}
		)["name"]
		other = site.insert_service(
			{
				"service_name": f"Fault New {tag}",
				"duration_minutes": 15,
				"pricing_tiers": [{"tier": "Standard", "rate": 10}],
			}
		)["name"]
		providers = []
		for service in (full, other):
			providers.append(site.insert("Service Provider", {"provider_name": f"Fault {tag} {len(providers)}", "timezone": "UTC",
				"slot_minutes": 15, "services": [{"service_type": service}], "shifts": shifts})["name"])  # fmt: skip
			site.call(
				"run_doc_method", dt="Service Provider", dn=providers[-1], method="generate_slots"
			).raise_for_status()
		day = date.today() + timedelta(days=3)
		starts = [f"{day}T{9 + i // 4:02d}:{i % 4 * 15:02d}:00+00:00" for i in range(SEATS)]
		with ThreadPoolExecutor(4) as pool:
			booked = list(pool.map(lambda i: book(url, args.site, full, providers[0], starts[i], f"Fault {tag} {i:02d}",
				f"fault-{tag}-{i:02d}@example.com"), range(SEATS)))  # fmt: skip
		if [status for _, _, status in booked] != [200] * SEATS:
			failures.append(f"the morning was not booked: {[status for _, _, status in booked]}")
		for n in range(WAITERS):
			joined = guest(url, args.site, "frappoint.api.waitlist.join", service_type=full, from_date=str(day), to_date=str(day),
				timezone="UTC", customer_name=f"Waiter {tag} {n:02d}", customer_email=f"waiter-{tag}-{n:02d}@example.com")  # fmt: skip
			if joined is None or joined.status_code != 200:
				raise SystemExit(
					# (a Response of a 4xx is falsy: test for None, not truth)
					f"waiter {n} could not join: "
					+ ("the call died" if joined is None else f"{joined.status_code} {joined.text[:500]}")
				)
		before = settle(args, url)
		batch = f"(a.service_type in ('{full}', '{other}'))"
		orders = count(args, f"""select count(*) from `tabService Appointment` a join `tabSales Order` so
			on so.name = a.sales_order and so.docstatus = 1 where {batch} and a.status = 'Confirmed'""")  # fmt: skip
		if orders != SEATS:
			failures.append(f"before the storm {orders} of {SEATS} bookings had their Sales Order")

		# the storm: 16 cancellations and 16 new bookings at once; an RQ worker and a web worker killed
		def cancel(name, token):
			return lambda: guest(
				url, args.site, "frappoint.api.booking.cancel", appointment=name, token=token, reason="Fault"
			)

		def newcomer(i):
			shared_email = i < NEWCOMERS // 2
			email = f"same-{tag}@example.com" if shared_email else f"namesake-{tag}-{i:02d}@example.com"
			name = f"Same Email {tag}" if shared_email else f"Same Name {tag}"
			return lambda: book(url, args.site, other, providers[1], starts[i], name, email)

		calls = [cancel(name, token) for name, token, _ in booked] + [newcomer(i) for i in range(NEWCOMERS)]
		barrier = threading.Barrier(len(calls) + 1)

		def run(call):
			barrier.wait()
			return call()

		killed, lost_row = {}, None
		with ThreadPoolExecutor(len(calls)) as pool:
			futures = [pool.submit(run, call) for call in calls]
			barrier.wait()
			deadline = time.time() + 30
			while "rq worker" not in killed and time.time() < deadline:
				if busy := busy_rq_worker(args):
					os.killpg(os.getpgid(busy[0]), signal.SIGKILL)  # the worker and the job it runs
					killed["rq worker"], lost_row = busy
				else:
					time.sleep(0.05)
			if workers := web_workers(processes[0].pid):
				os.kill(workers[0], signal.SIGKILL)
				killed["web worker"] = workers[0]
			results = [f.result() for f in futures]
		processes.append(subprocess.Popen(["bench", "worker", "--queue", "short"], cwd=args.bench, start_new_session=True,
			stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))  # fmt: skip
		if set(killed) != {"rq worker", "web worker"}:
			failures.append(f"the storm killed only {killed or 'nothing'}")
		answers = [r.status_code if r is not None else "died" for r in results[:SEATS]]
		answers += [status for _, _, status in results[SEATS:]]
		if any(a not in (200, "died") for a in answers):
			failures.append(f"the storm's calls answered {sorted(map(str, answers))}")
		took = settle(args, url)

		# what SQL says
		cancelled = count(
			args,
			f"select count(*) from `tabService Appointment` a where a.service_type = '{full}' and a.status = 'Cancelled'",
		)
		rows = entries(args, full)
		offered = [(name, apt) for name, status, apt in rows if status == "Offered"]
		if [name for name, _ in offered] != [name for name, _, _ in rows[: min(cancelled, WAITERS)]]:
			failures.append(
				f"{cancelled} seats freed, {len(offered)} offered (not the first {min(cancelled, WAITERS)} waiters)"
			)
		open_offers = count(args, f"""select count(*) from `tabService Appointment` where status = 'Open' and name in
			(select appointment from `tabWaitlist Entry` where service_type = '{full}')""")  # fmt: skip
		if open_offers != len(offered):
			failures.append(f"{open_offers} Open holds for {len(offered)} offers")
		doubles = count(args, f"""select count(*) from (select s.slot from `tabService Appointment Slot` s
			join `tabService Appointment` a on a.name = s.parent where {batch} and s.seat_key is not null
			group by s.slot having count(*) > 1) x""")  # fmt: skip
		if doubles:
			failures.append(f"{doubles} seats claimed twice")

		# every message sent once, and every change that tells someone told
		mails_vs_logs = sql(args.bench, args.site, f"""select a.name,
				(select count(*) from `tabEmail Queue` q where q.reference_doctype = 'Service Appointment' and q.reference_name = a.name),
				(select count(*) from `tabAppointment Notification` n where n.appointment = a.name and n.status = 'Sent'
					and n.channels like '%%Email%%')
			from `tabService Appointment` a where {batch}""")  # fmt: skip
		twice = [r for r in mails_vs_logs if r[1] != r[2]]
		if twice:
			failures.append(
				f"{len(twice)} appointments whose e-mails are not their sent messages: {twice[:5]}"
			)
		untold = count(args, f"""select count(*) from `tabService Appointment` a where {batch} and not exists
			(select 1 from `tabAppointment Notification` n where n.appointment = a.name and n.audience = 'Customer'
				and n.status = 'Sent' and n.news = case a.status when 'Cancelled' then '{NEWS_CANCELLED}'
					when 'Confirmed' then '{NEWS_CONFIRMED}' when 'Open' then '{NEWS_OFFER}' end)
			and (a.status in ('Cancelled', 'Confirmed') or a.name in (select appointment from `tabWaitlist Entry`))""")  # fmt: skip
		if untold:
			failures.append(f"{untold} appointments whose customer was not told")
		messages = count(args, f"""select count(*) from `tabAppointment Notification` n join `tabService Appointment` a
			on a.name = n.appointment where {batch} and n.status = 'Sent'""")  # fmt: skip

		# documents match status
		mismatched = sql(args.bench, args.site, f"""select a.name, a.status, ifnull(a.accounting_status, ''),
				(select count(*) from `tabSales Order` so where so.service_appointment = a.name and so.docstatus = 1
					and so.status not in ('Closed', 'Cancelled')),
				(select count(*) from `tabSales Order` so where so.service_appointment = a.name)
			from `tabService Appointment` a where {batch} and not (
				(a.status = 'Confirmed' and ifnull(a.accounting_status, '') = 'Done' and count_live = 1)
				or (a.status = 'Cancelled' and ifnull(a.accounting_status, '') in ('Done', '') and count_live = 0)
				or (a.status = 'Open' and ifnull(a.accounting_status, '') != 'Failed' and count_live = 0))
			""".replace("count_live", "(select count(*) from `tabSales Order` so where so.service_appointment = a.name and so.docstatus = 1 and so.status not in ('Closed', 'Cancelled'))"))  # fmt: skip
		if mismatched:
			failures.append(
				f"{len(mismatched)} appointments whose documents do not match their status: {mismatched[:5]}"
			)
		pending, failed = outbox_left(args)
		if pending or failed:
			failures.append(f"the outbox has {pending} rows pending and {failed} failed")
		again = count(args, "select count(*) from `tabBooking Outbox` where attempts > 1")
		lost = sql(
			args.bench,
			args.site,
			f"select status, attempts from `tabBooking Outbox` where name = '{lost_row}'",
		)
		if not lost or lost[0][0] != "Done":
			failures.append(f"the outbox row whose job was killed ({lost_row}) is {lost}")
		one_email = count(args, f"""select count(distinct customer) from `tabService Appointment`
			where customer_email = 'same-{tag}@example.com' and status = 'Confirmed'""")  # fmt: skip
		namesakes = sql(args.bench, args.site, f"""select count(*), count(distinct customer) from `tabService Appointment`
			where customer_name = 'Same Name {tag}' and status = 'Confirmed'""")[0]  # fmt: skip
		if one_email > 1 or namesakes[0] != namesakes[1]:
			failures.append(
				f"customers: {one_email} for one e-mail, {namesakes[1]} for {namesakes[0]} namesakes"
			)
		print(f"faults: {SEATS} cancellations and {NEWCOMERS} bookings at once, no scheduler; killed {killed}; "
			f"{answers.count('died')} calls died with their worker; settled in {took:.0f} s ({before:.0f} s before the storm)")  # fmt: skip
		print(f"faults: {cancelled} seats freed -> {len(offered)} offered once each, {doubles} seats claimed twice; "
			f"{messages} messages sent, {len(twice)} sent twice, {untold} not sent; {len(mismatched)} documents not matching "
			f"their status; outbox {pending} pending, {failed} failed, the killed job's row {lost[0][0] if lost else '?'}, "
			f"{again} rows run more than once; "
			f"customers: {one_email} for one e-mail, {namesakes[1]} for {namesakes[0]} namesakes")  # fmt: skip
	finally:
		if site and saved:
			site.put_single(SETTINGS, saved)
		if site and mail_account:
			site.session.delete(f"{site.url}/api/resource/Email Account/{mail_account}", headers=site.headers)
		stop(processes)
	finish("fault storm", failures)


if __name__ == "__main__":
	main()
