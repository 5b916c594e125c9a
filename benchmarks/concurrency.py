"""Race for the last seat with real parallel HTTP requests against a running bench.

Each round creates a fresh service and provider, fills all but one seat, then fires N simultaneous
`hold` requests at that seat: exactly one must win, every other must be refused with HTTP 409 and a
"no longer available" message, and none may get a 5xx. A second scenario races N requests, split
between two providers, for the one room both need. Prints outcome counts and p50/p99 latencies.

Start several web workers first, e.g.:
  cd ~/frappe-bench && ./env/bin/gunicorn -b 127.0.0.1:8000 -w 8 -t 120 --chdir sites \
      'frappe.app:application_with_statics()' --preload
then:  python3 benchmarks/concurrency.py --url http://127.0.0.1:8000 --site frappoint-bench.test
"""

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import own_site
import requests


class Site:
	def __init__(self, url, site, password):
		self.url, self.headers = url.rstrip("/"), {"Host": site, "Accept": "application/json"}
		login = requests.Session()
		r = login.post(
			f"{self.url}/api/method/login",
			data={"usr": "Administrator", "pwd": password},
			headers=self.headers,
		)
		r.raise_for_status()
		csrf = (
			{"X-Frappe-CSRF-Token": login.cookies.get("csrf_token", "")}
			if login.cookies.get("csrf_token")
			else {}
		)
		secret = login.post(
			f"{self.url}/api/method/frappe.core.doctype.user.user.generate_keys",
			data={"user": "Administrator"},
			headers={**self.headers, **csrf},
		).json()["message"]["api_secret"]
		key = login.get(f"{self.url}/api/resource/User/Administrator", headers=self.headers).json()["data"][
			"api_key"
		]
		self.headers["Authorization"] = f"token {key}:{secret}"
		self.session = requests.Session()

	def call(self, endpoint, **data):
		return self.session.post(f"{self.url}/api/method/{endpoint}", json=data, headers=self.headers)

	def insert(self, doctype, doc):
		r = self.session.post(
			f"{self.url}/api/resource/{doctype}", data={"data": json.dumps(doc)}, headers=self.headers
		)
		r.raise_for_status()
		return r.json()["data"]

	def insert_service(self, values):
		"""A Service Type; on a site that bills in ERPNext it needs a Billing Item: the demo's Haircut's."""
		if not hasattr(self, "_billing_item"):
			r = self.session.get(f"{self.url}/api/resource/Service Type/Haircut", headers=self.headers)
			self._billing_item = r.json()["data"].get("billing_item") if r.ok else None
		return self.insert(
			"Service Type", {**values, **({"billing_item": self._billing_item} if self._billing_item else {})}
		)

	def put_single(self, doctype, values):
		r = self.session.put(
			f"{self.url}/api/resource/{doctype}/{doctype}",
			data={"data": json.dumps(values)},
			headers=self.headers,
		)
		r.raise_for_status()


def make_round(site, tag, with_room):
	unit_type = None
	if with_room:
		unit_type = site.insert("Service Unit Type", {"unit_type_name": f"Race Room Type {tag}"})["name"]
		site.insert("Service Unit", {"unit_name": f"Race Room {tag}", "unit_type": unit_type})
	service = site.insert_service(
		{
			"service_name": f"Race {tag}",
			"duration_minutes": 30,
			"max_clients_per_slot": 1 if with_room else 3,
			"pricing_tiers": [{"tier": "Standard", "rate": 10}],
			"required_unit_types": [{"unit_type": unit_type, "qty": 1}] if with_room else [],
		},
	)["name"]
	providers = []
	for n in range(2 if with_room else 1):
		providers.append(
			site.insert(
				"Service Provider",
				{
					"provider_name": f"Racer {tag}-{n}",
					"timezone": "UTC",
					"slot_capacity": 1 if with_room else 3,
					"services": [{"service_type": service}],
					"shifts": [
						{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"}
						for d in (
							"Monday",
							"Tuesday",
							"Wednesday",
							"Thursday",
							"Friday",
							"Saturday",
							"Sunday",
						)
					],
				},
			)["name"]
		)
		r = site.call("run_doc_method", dt="Service Provider", dn=providers[-1], method="generate_slots")
		r.raise_for_status()
	return service, providers


def hold(site, service, provider, start, n):
	payload = {
		"service_type": service,
		"provider": provider,
		"start": start,
		"customer_name": f"Racer {n}",
		"customer_email": f"racer{n}@example.com",
	}
	began = time.perf_counter()
	r = site.call("frappoint.api.booking.hold", **payload)
	elapsed = time.perf_counter() - began
	message = ""
	if r.status_code != 200:
		try:
			message = " ".join(
				json.loads(m).get("message", "") for m in json.loads(r.json().get("_server_messages", "[]"))
			)
		except (ValueError, AttributeError):
			message = r.text[:200]
	return r.status_code, message, elapsed


def race(site, service, providers, start, requests_per_round):
	barrier = threading.Barrier(requests_per_round)

	def one(n):
		barrier.wait()
		return hold(site, service, providers[n % len(providers)], start, n)

	with ThreadPoolExecutor(max_workers=requests_per_round) as pool:
		return list(pool.map(one, range(requests_per_round)))


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--url", default="http://127.0.0.1:8000")
	own_site.add_site_options(parser)
	parser.add_argument("--password", default="admin")
	parser.add_argument("--requests", type=int, default=120)
	parser.add_argument("--rounds", type=int, default=20)
	args = parser.parse_args()
	own_site.prepare(args)

	site = Site(args.url, args.site, args.password)
	site.put_single("Service Appointment Settings", {"lead_time_minutes": 0, "max_advance_days": 30})
	start = f"{date.today() + timedelta(days=3)}T10:00:00+00:00"
	ok = True
	for scenario, with_room in (("last seat of a slot", False), ("one room shared by two providers", True)):
		outcomes, latencies, messages = Counter(), [], Counter()
		for round_no in range(args.rounds):
			tag = uuid.uuid4().hex[:6]
			service, providers = make_round(site, tag, with_room)
			if not with_room:  # fill all but the last seat
				for n in range(2):
					assert hold(site, service, providers[0], start, 1000 + n)[0] == 200
			results = race(site, service, providers, start, args.requests)
			codes = Counter(code for code, _, _ in results)
			outcomes.update(codes)
			latencies.extend(elapsed for _, _, elapsed in results)
			messages.update(message for code, message, _ in results if code != 200)
			round_ok = (
				codes[200] == 1 and codes[409] == args.requests - 1 and not any(c >= 500 for c in codes)
			)
			round_ok = round_ok and all("no longer available" in m for c, m, _ in results if c != 200)
			ok = ok and round_ok
			print(
				f"  {scenario}: round {round_no + 1:2d}: {dict(codes)}{'' if round_ok else '  <-- WRONG'}",
				flush=True,
			)
		latencies.sort()
		p50 = statistics.median(latencies) * 1000
		p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
		print(
			f"{scenario}: {args.rounds} rounds x {args.requests} parallel requests -> "
			f"{dict(outcomes)}; p50 {p50:.0f} ms, p99 {p99:.0f} ms"
		)
		for message, count in messages.most_common():
			print(f"   {count:5d} x {message!r}")
	print("RESULT:", "exactly one winner every round, no 5xx" if ok else "FAILED")
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
