"""Availability over HTTP next to ERPNext's own booking page API, on a server this script starts.

Frappoint: one `availability` request for a service offered by 20 providers (09:00-17:00 every day,
15-minute slots, a 30-minute service), for 1, 7 and 30 days, in the compact shape the portal reads:
from the window cache, and just after a change to the service made every cached entry stale (the
worst case after any change); and 30 days in the one-object-per-window shape. ERPNext: `get_appointment_slots` of
its /book_appointment page (one day per call, one pool of agents), configured here with the same
hours and duration: one call, and the 30 calls a month takes. Both as Guest, p50 of the repeats.

  python3 benchmarks/availability.py [--bench ~/frappe-bench] [--site frappoint-bench.test] [--workers 4]

It switches ERPNext's booking page off again if it was off, and restores Frappoint's guest rate
limit, when done.
"""

import json
import statistics
import subprocess
import time
import uuid
from datetime import date, timedelta

import requests
from accounting_workers import stop
from concurrency import Site
from throughput import EVERY_DAY, configure_erpnext, own_server, server_parser, wait_for

ERPNEXT_SLOTS = "/api/method/erpnext.www.book_appointment.index.get_appointment_slots"
FRAPPOINT_SLOTS = "/api/method/frappoint.api.booking.availability"


def make_service(site: Site, tag: str, providers: int) -> str:
	service = site.insert_service({"service_name": f"Avail {tag}", "duration_minutes": 30,
		"pricing_tiers": [{"tier": "Standard", "rate": 10}]})["name"]  # fmt: skip
	for n in range(providers):
		name = site.insert("Service Provider", {
			"provider_name": f"Avail {tag}-{n:02d}", "timezone": "UTC", "slot_minutes": 15,
			"services": [{"service_type": service}],
			"shifts": [{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"} for d in EVERY_DAY],
		})["name"]  # fmt: skip
		site.call(
			"run_doc_method", dt="Service Provider", dn=name, method="generate_slots"
		).raise_for_status()
	return service


def timed(get, repeats: int) -> tuple[float, object]:
	times, result = [], None
	for _ in range(repeats):
		began = time.perf_counter()
		result = get()
		times.append((time.perf_counter() - began) * 1000)
	return statistics.median(times), result


def main():
	parser = server_parser(__doc__)
	parser.add_argument("--repeats", type=int, default=7)
	args = parser.parse_args()
	url, processes = own_server(args)
	site = restore_erpnext = limit = None
	try:
		wait_for(url, args.site)
		site = Site(url, args.site, args.password)
		limit = site.session.get(f"{url}/api/resource/Service Appointment Settings/Service Appointment Settings",
			headers=site.headers).json()["data"].get("guest_requests_per_minute")  # fmt: skip
		site.put_single(
			"Service Appointment Settings",
			{"guest_requests_per_minute": 100000, "max_advance_days": 40, "lead_time_minutes": 0},
		)
		tag = uuid.uuid4().hex[:6]
		service = make_service(site, tag, 20)
		restore_erpnext = configure_erpnext(site, tag)
		guest = requests.Session()
		headers = {"Host": args.site}
		first = date.today() + timedelta(days=1)

		def frappoint(days, shape="compact"):
			r = guest.get(url + FRAPPOINT_SLOTS, headers=headers, params={"service_type": service, "format": shape,
				"from_date": str(first), "to_date": str(first + timedelta(days=days - 1)), "timezone": "UTC"})  # fmt: skip
			r.raise_for_status()
			answer = r.json()["message"]
			return len(answer["free"] if shape == "compact" else answer["slots"])

		def erpnext(days):
			count = 0
			for d in range(days):
				r = guest.get(
					url + ERPNEXT_SLOTS,
					headers=headers,
					params={"date": str(first + timedelta(days=d)), "timezone": "UTC"},
				)
				r.raise_for_status()
				count += sum(1 for s in r.json()["message"] if s["availability"])
			return count

		def invalidated(days):
			# Saving the service changes the configuration version: every cached entry is stale.
			site.session.put(f"{url}/api/resource/Service Type/{service}", headers=site.headers,
				data={"data": json.dumps({"description": uuid.uuid4().hex})}).raise_for_status()  # fmt: skip
			began = time.perf_counter()
			frappoint(days)
			return (time.perf_counter() - began) * 1000

		for _ in range(2 * args.workers):  # every worker past its first request (imports, metadata)
			frappoint(1), erpnext(1)
		print(f"server: gunicorn, {args.workers} workers, site {args.site}; p50 of {args.repeats}")
		ours = {}
		for days in (1, 7, 30):
			cold = statistics.median(invalidated(days) for _ in range(max(args.repeats // 2, 3)))
			ours[days], windows = timed(lambda: frappoint(days), args.repeats)
			print(f"Frappoint availability, 20 providers x {days:2d} day(s): {ours[days]:6.0f} ms from the cache"
				f" ({cold:.0f} ms just after a change), one request, {windows} free starts")  # fmt: skip
		verbose, windows = timed(lambda: frappoint(30, "slots"), args.repeats)
		print(
			f"Frappoint availability, 20 providers x 30 day(s), one object per window (format=slots): {verbose:6.0f} ms"
		)
		for days in (1, 30):
			theirs, slots = timed(
				lambda: erpnext(days), max(args.repeats // 2, 3) if days > 1 else args.repeats
			)
			print(f"ERPNext get_appointment_slots, {days:2d} day(s): {theirs:6.0f} ms in {days} call(s), {slots} free times (one pool)"
				f"  -> Frappoint is {theirs / ours[days]:.2f}x {'faster' if theirs > ours[days] else 'slower'}")  # fmt: skip
	finally:
		if site is not None:
			if restore_erpnext is not None:
				# Straight to the single: ERPNext's settings controller answers a partial PUT with a 500.
				subprocess.run(["bench", "--site", args.site, "execute", "frappe.db.set_single_value", "--args",
					json.dumps(["Appointment Booking Settings", "enable_scheduling", restore_erpnext["enable_scheduling"]])],
					cwd=args.bench, check=True, capture_output=True)  # fmt: skip
			if limit is not None:
				site.put_single("Service Appointment Settings", {"guest_requests_per_minute": limit})
		stop(processes)


if __name__ == "__main__":
	main()
