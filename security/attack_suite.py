#!/usr/bin/env python3
"""The attack suite (tier 2d): real HTTP against a running multi-worker server of a Frappoint site.

1. An authorisation matrix: every principal (guest, two website customers, two providers, a desk
   user without Frappoint roles, Frappoint staff) x every route that reaches appointment data (the
   app's API, `/api/resource`, `frappe.client.*`, `run_doc_method`, `getdoc`, the report, the ledger
   child tables, the journal, the portal page) x an appointment that is theirs or someone else's,
   each answer compared with what that principal should get.
2. A property-based fuzz (hypothesis) over every endpoint a guest can reach, then a shaped fuzz over
   every whitelisted method of the app (found in its source) and every report: each parameter gets
   each malformed shape (a lone surrogate escaped and as raw bytes, bytes that are not UTF-8,
   non-ASCII tokens and signatures, lists and objects, 10,000 levels of nesting, 100,000
   characters, the same as form data) and each method whole bodies truncated, nested or not UTF-8,
   from a guest and then from the signed-in principals in turn. No answer may be a 5xx, and after
   the guest's part no row of any table of the site may have changed (MariaDB `CHECKSUM TABLE`).

Run by scripts/test; by hand against a server you started:
    python3 security/attack_suite.py --url http://frappoint-e2e.test:8000 --site frappoint-e2e.test
It creates its principals with fresh names each run (as Administrator) and prints
"== attack suite report" with the counts; it exits non-zero on any mismatch, 5xx or changed row.
"""

import argparse
import ast
import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

APPOINTMENT = "Service Appointment"
BOOKING = "/api/method/frappoint.api.booking."
GUEST_ENDPOINTS = ("services", "availability", "hold", "confirm", "cancel", "reschedule", "appointment")
DENIED = {401, 403, 404}
# The shaped fuzz's signed-in principals: a portal customer, a provider, desk users without and with
# Frappoint's roles (the last reaches the desk's methods and the reports past their permission check).
SIGNED_IN = ("customer_a", "provider_a", "desk_no_role", "staff")


class Principal:
	def __init__(self, name, url, site, email=None, password=None):
		self.name, self.url, self.email = name, url, email
		self.http = requests.Session()
		self.http.headers["Host"] = site
		if email:
			r = self.http.post(f"{url}/api/method/login", data={"usr": email, "pwd": password}, timeout=30)
			r.raise_for_status()
			# As a browser: a portal page hands the session its CSRF token, and every POST sends it.
			page = self.http.get(f"{url}/book", headers={"Accept": "text/html"}, timeout=30).text
			token = re.search(r'frappe\.csrf_token = "([^"]+)"', page)
			if not token or token.group(1) == "None":
				sys.exit(f"set-up failed: no CSRF token for {email}")
			self.http.headers["X-Frappe-CSRF-Token"] = token.group(1)

	def call(self, method, path, **kwargs):
		return self.http.request(method, self.url + path, timeout=60, **kwargs)


# --- set-up, as Administrator ----------------------------------------------------------------------


def make_user(admin, tag, label, roles=(), website=False):
	email = f"{label}-{tag}@attack.example"
	password = secrets.token_urlsafe(18) + "aA1!"
	doc = {
		"doctype": "User",
		"email": email,
		"first_name": f"{label} {tag}",
		"send_welcome_email": 0,
		"new_password": password,
		"roles": [{"role": r} for r in roles],
	}
	if website:
		doc["user_type"] = "Website User"
	ok(admin.call("POST", "/api/resource/User", json=doc), f"create user {label}")
	return email, password


def ok(response, what):
	if response.status_code >= 300:
		sys.exit(f"set-up failed: {what}: {response.status_code} {response.text[:500]}")
	return response.json()


def set_up(args, tag):
	admin = Principal("Administrator", args.url, args.site, "Administrator", args.admin_password)
	settings_doc = ok(
		admin.call("GET", "/api/resource/Service Appointment Settings/Service Appointment Settings"),
		"settings",
	)["data"]
	saved = {k: settings_doc.get(k) for k in ("guest_requests_per_minute", "trusted_proxies")}
	ok(
		admin.call(
			"PUT",
			"/api/resource/Service Appointment Settings/Service Appointment Settings",
			json={"guest_requests_per_minute": 100000, "trusted_proxies": ""},
		),
		"settings",
	)
	# the site bills in ERPNext: a service needs a Billing Item (the demo's Haircut's)
	haircut = admin.call("GET", "/api/resource/Service Type/Haircut")
	billing = {"billing_item": haircut.json()["data"].get("billing_item")} if haircut.ok else {}
	service = ok(
		admin.call(
			"POST",
			"/api/resource/Service Type",
			json={
				"service_name": f"Probe {tag}",
				"duration_minutes": 30,
				"pricing_tiers": [{"tier": "Standard", "rate": 10}],
				**billing,
			},
		),
		"service",
	)["data"]["name"]
	# an outbox, so that the confirmation email (and the link in it) is queued where we can read it
	outbox = ok(
		admin.call(
			"POST",
			"/api/resource/Email Account",
			json={
				"email_account_name": f"Attack outbox {tag}",
				"email_id": f"outbox-{tag}@attack.example",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "smtp.attack.example",
				"no_smtp_authentication": 1,
			},
		),
		"outbox",
	)["data"]["name"]
	saved["outbox"] = outbox
	people = {
		"customer_a": make_user(admin, tag, "cust-a", website=True),
		"customer_b": make_user(admin, tag, "cust-b", website=True),
		"provider_a": make_user(admin, tag, "prov-a", roles=["Service Provider"]),
		"provider_b": make_user(admin, tag, "prov-b", roles=["Service Provider"]),
		"desk_no_role": make_user(admin, tag, "desk", roles=["Sales User"]),
		"staff": make_user(admin, tag, "staff", roles=["Frappoint User"]),
	}
	providers = {}
	for key in ("provider_a", "provider_b"):
		doc = ok(
			admin.call(
				"POST",
				"/api/resource/Service Provider",
				json={
					"provider_name": f"Probe {key} {tag}",
					"user": people[key][0],
					"timezone": "Europe/London",
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
			),
			f"provider {key}",
		)["data"]
		ok(
			admin.call(
				"POST",
				"/api/method/run_doc_method",
				data={"dt": "Service Provider", "dn": doc["name"], "method": "generate_slots"},
			),
			"slots",
		)
		providers[key] = doc["name"]
	records = {}
	for owner, provider in (("a", "provider_a"), ("b", "provider_b")):
		first = str(date.today() + timedelta(days=2))
		slots = ok(
			admin.call(
				"GET",
				BOOKING + "availability",
				params={
					"service_type": service,
					"from_date": first,
					"to_date": first,
					"provider": providers[provider],
					"timezone": "Europe/London",
				},
			),
			"availability",
		)["message"]["slots"]
		held = ok(
			admin.call(
				"POST",
				BOOKING + "hold",
				data={
					"service_type": service,
					"start": slots[0]["start"],
					"provider": providers[provider],
					"customer_name": f"Customer {owner}",
					"customer_email": people[f"customer_{owner}"][0],
				},
			),
			"hold",
		)["message"]
		ok(admin.call("POST", BOOKING + "confirm", data={"appointment": held["name"]}), "confirm")
		records[owner] = held["name"]
	principals = {"guest": Principal("guest", args.url, args.site)}
	for key, (email, password) in people.items():
		principals[key] = Principal(key, args.url, args.site, email, password)
	return admin, saved, service, providers, records, principals


# --- the matrix ------------------------------------------------------------------------------------


def owner_of(principal: str) -> str | None:
	return principal[-1] if principal[-2:] in ("_a", "_b") else None


FORGED_TOKEN = "QVBULTEyM3w5OTk5OTk5OTk5fG1hbmFnZQ." + "0" * 64


def probes(record, provider_of_me):
	"""(probe name, request) pairs; each request is a function of a principal returning a Response."""
	# A client-built copy ("__islocal": Frappe then skips its modified-timestamp check) naming the
	# prober as provider: what a check on the posted document instead of the stored one would pass.
	forged = {"doctype": APPOINTMENT, "name": record, "provider": provider_of_me, "__islocal": 1}
	return {
		"resource get": lambda p: p.call("GET", f"/api/resource/{APPOINTMENT}/{record}"),
		"client.get": lambda p: p.call(
			"GET", "/api/method/frappe.client.get", params={"doctype": APPOINTMENT, "name": record}
		),
		"getdoc": lambda p: p.call(
			"GET", "/api/method/frappe.desk.form.load.getdoc", params={"doctype": APPOINTMENT, "name": record}
		),
		"get_value email": lambda p: p.call(
			"GET",
			"/api/method/frappe.client.get_value",
			params={
				"doctype": APPOINTMENT,
				"filters": json.dumps({"name": record}),
				"fieldname": "customer_email",
			},
		),
		"resource list": lambda p: p.call(
			"GET",
			f"/api/resource/{APPOINTMENT}",
			params={"fields": '["name"]', "filters": json.dumps({"name": record})},
		),
		"get_count": lambda p: p.call(
			"GET",
			"/api/method/frappe.client.get_count",
			params={"doctype": APPOINTMENT, "filters": json.dumps({"name": record})},
		),
		"seat rows": lambda p: p.call(
			"GET",
			"/api/method/frappe.client.get_list",
			params={
				"doctype": "Service Appointment Slot",
				"parent": APPOINTMENT,
				"fields": '["parent"]',
				"filters": json.dumps({"parent": record}),
				"limit_page_length": 0,
			},
		),
		"journal events": lambda p: p.call(
			"GET",
			"/api/method/frappe.client.get_list",
			params={
				"doctype": "Appointment Event",
				"fields": '["name"]',
				"filters": json.dumps({"appointment": record}),
			},
		),
		"api appointment": lambda p: p.call("GET", BOOKING + "appointment", params={"appointment": record}),
		# reaches the permission check, then stops at the bad start: nothing changes either way
		"api reschedule": lambda p: p.call(
			"POST", BOOKING + "reschedule", data={"appointment": record, "start": "not-a-time"}
		),
		# a confirmed appointment cannot be confirmed again: past authorisation it is a 409
		"api confirm, forged token": lambda p: p.call(
			"POST", BOOKING + "confirm", data={"appointment": record, "token": FORGED_TOKEN}
		),
		"run_doc_method forged": lambda p: p.call(
			"POST",
			"/api/method/run_doc_method",
			data={"docs": json.dumps(forged), "method": "retry_accounting"},
		),
		"doc method route": lambda p: p.call(
			"POST", f"/api/resource/{APPOINTMENT}/{record}", data={"run_method": "retry_accounting"}
		),
		"put notes": lambda p: p.call(
			"PUT", f"/api/resource/{APPOINTMENT}/{record}", json={"notes": "probe"}
		),
		"portal page": lambda p: p.call("GET", f"/appointments/{record}"),
		"report": lambda p: p.call(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			data={"report_name": "Journal Verification", "filters": "{}"},
		),
	}


def expected(probe, principal, record_owner) -> bool:
	staff = principal == "staff"
	provider = principal.startswith("provider") and owner_of(principal) == record_owner
	customer = principal.startswith("customer") and owner_of(principal) == record_owner
	if probe == "report":
		return False  # Journal Verification is for System Managers and Frappoint Managers
	if probe == "journal events":
		return staff
	if probe in ("api appointment", "api reschedule", "portal page"):
		return staff or provider or customer
	if probe == "api confirm, forged token":
		return staff or provider or customer  # the token is ignored when the user may act anyway
	return staff or provider


def allowed(probe, response, record) -> bool:
	"""Did the principal get through to the record? A refusal is a 401/403/404 or an empty answer."""
	status = response.status_code
	if status >= 500:
		raise AssertionError(f"{probe}: {status} {response.text[:300]}")
	if status in DENIED or (status == 417 and "PermissionError" in response.text):
		return False
	if probe in ("resource list", "seat rows"):
		return status == 200 and record in response.text
	if probe == "journal events":
		return status == 200 and bool(response.json().get("message"))
	if probe == "get_count":
		return status == 200 and response.json().get("message") == 1
	if probe == "get_value email":
		return status == 200 and bool((response.json().get("message") or {}).get("customer_email"))
	if probe == "api reschedule":
		return status == 400  # past authorisation, refused for its start
	if probe in ("run_doc_method forged", "doc method route", "api confirm, forged token"):
		return True  # past the permission check (then 200, or refused for its own reason)
	return status < 400


def run_matrix(principals, records, providers, admin):
	rows, mismatches = [], []
	for owner, record in records.items():
		for principal, who in principals.items():
			mine = providers.get(principal, "")
			for probe, send in probes(record, mine).items():
				response = send(who)
				got = allowed(probe, response, record)
				want = expected(probe, principal, owner)
				rows.append((principal, probe, owner, got))
				if got != want:
					mismatches.append(
						f"{principal} / {probe} / appointment of {owner}: got {'allowed' if got else 'denied'}"
						f" ({response.status_code} {response.text[:160]}), want {'allowed' if want else 'denied'}"
					)
	# Field-level: a provider's PUT leaves the customer fields alone and is refused on server-set ones.
	provider_a = principals["provider_a"]
	before = ok(admin.call("GET", f"/api/resource/{APPOINTMENT}/{records['a']}"), "read")["data"]
	provider_a.call(
		"PUT",
		f"/api/resource/{APPOINTMENT}/{records['a']}",
		json={"customer_email": "pwned@attack.example", "party_type": "Customer"},
	)
	refused = provider_a.call(
		"PUT", f"/api/resource/{APPOINTMENT}/{records['a']}", json={"accounting_status": "Done"}
	)
	after = ok(admin.call("GET", f"/api/resource/{APPOINTMENT}/{records['a']}"), "read")["data"]
	for field in ("customer_email", "party_type", "accounting_status"):
		if before.get(field) != after.get(field):
			mismatches.append(
				f"provider_a changed {field} by PUT: {before.get(field)!r} -> {after.get(field)!r}"
			)
	if refused.status_code != 400:
		mismatches.append(f"provider_a PUT accounting_status: want 400, got {refused.status_code}")
	return rows, mismatches


def check_host_header(args, service, providers):
	"""A guest naming another Host gets no link to it: the booking's manage link names the site."""
	guest = requests.Session()
	headers = {"Host": "evil.example", "X-Frappe-Site-Name": args.site}
	first = str(date.today() + timedelta(days=3))
	slots = guest.get(
		args.url + BOOKING + "availability",
		headers=headers,
		timeout=30,
		params={
			"service_type": service,
			"from_date": first,
			"to_date": first,
			"provider": providers["provider_b"],
		},
	).json()["message"]["slots"]
	email = f"victim-{secrets.token_hex(4)}@attack.example"
	held = guest.post(
		args.url + BOOKING + "hold",
		headers=headers,
		timeout=30,
		data={
			"service_type": service,
			"start": slots[-1]["start"],
			"provider": providers["provider_b"],
			"customer_name": "Victim",
			"customer_email": email,
		},
	).json()["message"]
	guest.post(
		args.url + BOOKING + "confirm",
		headers=headers,
		timeout=30,
		data={"appointment": held["name"], "token": held["token"]},
	)
	# The email is written by a background job after the booking commits: run the queue once.
	subprocess.run(["bench", "worker", "--queue", "short", "--burst"], cwd=args.bench, check=True,
		capture_output=True, timeout=600)  # fmt: skip
	message = sql(args, f"select message from `tabEmail Queue` where message like '%{held['name']}%' limit 1")
	if not message:
		return [f"no confirmation email was queued for {held['name']}: cannot see where its link points"]
	return ["the manage link in the email points at evil.example"] if "evil.example" in message else []


# --- the fuzz ------------------------------------------------------------------------------------

hostile_text = st.one_of(
	st.text(max_size=40),
	st.sampled_from(
		[
			"",
			"\x00",
			"Europe",
			"Etc",
			"../../etc/passwd",
			"x" * 300,
			"null",
			"[]",
			"{}",
			"%00",
			"a@b.c,d@e.f",
			"<script>alert(1)</script>",
			"' or 1=1 --",
			"9999-12-31",
			"0001-01-01",
		]
	),
)
iso_ish = st.one_of(
	hostile_text,
	st.sampled_from(
		[
			"0001-01-01T00:00:00+14:00",
			"9999-12-31T23:59:59-14:00",
			"2026-02-30T10:00:00Z",
			"2020-01-01T10:00:00+00:00",
			"2026-06-01T10:00:00",
		]
	),
	st.datetimes().map(lambda d: d.isoformat()),
)
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), hostile_text)


def fuzz_params(service):
	services = st.one_of(hostile_text, st.just(service))
	return {
		"services": st.fixed_dictionaries({}),
		"availability": st.fixed_dictionaries(
			{},
			optional={
				"service_type": services,
				"from_date": iso_ish,
				"to_date": iso_ish,
				"provider": hostile_text,
				"timezone": hostile_text,
				"tier": hostile_text,
			},
		),
		# a start never bookable (malformed, past or far), so that a hold can never be made
		"hold": st.fixed_dictionaries(
			{"start": iso_ish},
			optional={
				"service_type": services,
				"customer_name": hostile_text,
				"customer_email": hostile_text,
				"customer_phone": hostile_text,
				"provider": hostile_text,
				"tier": hostile_text,
				"timezone": hostile_text,
				"latitude": numbers,
				"longitude": numbers,
			},
		),
		"confirm": st.fixed_dictionaries(
			{},
			optional={
				"appointment": hostile_text,
				"token": hostile_text,
				"customer_name": hostile_text,
				"customer_email": hostile_text,
				"timezone": hostile_text,
			},
		),
		"cancel": st.fixed_dictionaries(
			{},
			optional={
				"appointment": hostile_text,
				"token": hostile_text,
				"reason": hostile_text,
				"timezone": hostile_text,
			},
		),
		"reschedule": st.fixed_dictionaries(
			{},
			optional={
				"appointment": hostile_text,
				"token": hostile_text,
				"start": iso_ish,
				"provider": hostile_text,
				"timezone": hostile_text,
			},
		),
		"appointment": st.fixed_dictionaries(
			{}, optional={"appointment": hostile_text, "token": hostile_text, "timezone": hostile_text}
		),
	}


def run_fuzz(args, service, examples):
	guest = Principal("guest", args.url, args.site)
	seen = {"requests": 0, "5xx": [], "statuses": {}}
	params = fuzz_params(service)

	def tally(response):
		seen["requests"] += 1
		seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1

	@settings(
		max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False
	)
	@given(st.sampled_from(GUEST_ENDPOINTS), st.data(), st.sampled_from(["GET", "POST", "POST-json"]))
	def probe(endpoint, data, how):
		values = data.draw(params[endpoint])
		if endpoint == "hold" and _bookable(values.get("start")):
			values["start"] = "2000-01-01T10:00:00+00:00"
		if how == "GET":
			response = guest.call("GET", BOOKING + endpoint, params=values)
		elif how == "POST":
			response = guest.call("POST", BOOKING + endpoint, data=values)
		else:
			response = guest.call("POST", BOOKING + endpoint, json=values)
		tally(response)
		if response.status_code >= 500:
			seen["5xx"].append(
				f"{how} {endpoint} {values!r:.300} -> {response.status_code} {response.text[:300]}"
			)

	probe()

	# calendar feeds: no token, junk and well-formed random ones all get the same bare 403 (or 429)
	@settings(max_examples=max(examples // 10, 20), deadline=None, suppress_health_check=list(HealthCheck))
	@given(st.one_of(hostile_text, st.just(secrets.token_urlsafe(32)), st.none()))
	def feed(token):
		response = guest.call("GET", "/api/method/frappoint.api.calendar.feed", params={"token": token})
		tally(response)
		if response.status_code not in (403, 429) or "VCALENDAR" in response.text:
			seen["5xx"].append(f"feed {token!r:.100} -> {response.status_code} {response.text[:200]}")

	feed()

	# the test gateway (on for this site): a forged or junk payment link pays nothing, whatever it says
	@settings(max_examples=max(examples // 10, 20), deadline=None, suppress_health_check=list(HealthCheck))
	@given(
		st.one_of(hostile_text, st.none()),
		st.one_of(hostile_text, st.just("0" * 64), st.none()),
		st.sampled_from(["checkout", "authorize"]),
	)
	def gateway(request, signature, step):
		values = {"request": request, "signature": signature, "outcome": "Completed"}
		method = "GET" if step == "checkout" else "POST"
		response = guest.call(
			method,
			f"/api/method/frappoint.integrations.test_gateway.{step}",
			**({"params": values} if method == "GET" else {"data": values}),
		)
		tally(response)
		if response.status_code not in (403, 404, 417, 429):
			seen["5xx"].append(
				f"gateway {step} {values!r:.100} -> {response.status_code} {response.text[:200]}"
			)

	gateway()
	# the desk's provider search and the count endpoint, as a guest and with junk
	for path, values in (
		("/api/method/frappoint.api.desk.providers_for_service", {"filters": "{not json"}),
		("/api/method/frappoint.api.desk.providers_for_service", {}),
		("/api/method/frappe.client.get_count", {"doctype": APPOINTMENT}),
		("/api/method/frappe.client.get_count", {"doctype": "\x00"}),
	):
		response = guest.call("GET", path, params=values)
		seen["requests"] += 1
		if response.status_code >= 500 or response.status_code == 200:
			seen["5xx"].append(f"guest {path} {values} -> {response.status_code} {response.text[:200]}")
	return seen


def _bookable(start) -> bool:
	"""A start a hold could succeed with: well-formed, with an offset, within the booking horizon."""
	from datetime import datetime, timezone

	try:
		parsed = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
		return parsed.tzinfo is not None and parsed > datetime.now(timezone.utc) - timedelta(days=1)
	except (ValueError, OverflowError):
		return False


# --- every whitelisted method, every malformed shape -----------------------------------------------
# The methods are found in the app's source, not listed here: a new endpoint is fuzzed the day it is
# written. This script runs outside the bench (no Frappe to import), so the decorators are read with
# `ast`. Each parameter of each method gets each shape once, the others keeping a plausible value, so
# that the malformed one travels as deep as it can; a guest's plausible values never book anything.

APP = Path(__file__).resolve().parent.parent / "frappoint"
LONG = 100_000  # characters: far beyond any field, well within Frappe's 25 MB body limit
DEEP = 10_000  # levels of nesting: far beyond Python's recursion limit
NEVER_BOOKABLE = "2000-01-01T10:00:00+00:00"


@dataclass(frozen=True)
class Method:
	route: str  # a module function's dotted path, "DocType.method" for a controller, "report:Name"
	params: tuple[str, ...]
	guest: bool
	http: str  # POST when the method takes it, else what it takes
	doctype: str | None = None  # a controller method: called through run_doc_method
	report: str | None = None  # a script report: called through query_report.run

	def envelope(self, fields: list[tuple[str, bytes]], as_text: bool = False) -> list[tuple[str, bytes]]:
		"""The request's top-level fields around the method's own (raw JSON values). `as_text`: the
		nested arguments as one JSON text, as the desk sends them."""
		nest = (
			(lambda value: _json(value.decode("utf-8", "surrogateescape")))
			if as_text
			else (lambda value: value)
		)
		if self.doctype:
			name = dict(fields).get("dn", _json(None))
			args = [f for f in fields if f[0] != "dn"]
			return [("dt", _json(self.doctype)), ("dn", name), ("method", _json(self.route.split(".")[-1])),
				("args", nest(_object(args)))]  # fmt: skip
		if self.report:
			return [("report_name", _json(self.report)), ("filters", nest(_object(fields)))]
		return fields

	@property
	def path(self) -> str:
		if self.doctype:
			return "/api/method/run_doc_method"
		if self.report:
			return "/api/method/frappe.desk.query_report.run"
		return f"/api/method/{self.route}"


def whitelisted_methods() -> list[Method]:
	"""Every function of the app that `@frappe.whitelist` registers (module functions and DocType
	controller methods), and every script report with the filters its form sends."""
	found = []
	for path in sorted(APP.rglob("*.py")):
		if "tests" in path.parts:
			continue
		tree = ast.parse(path.read_text(encoding="utf-8"))
		module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
		doctype = _doctype_of(path)
		for node in tree.body:
			if isinstance(node, ast.FunctionDef) and (spec := _whitelisted(node)):
				found.append(Method(f"{module}.{node.name}", _params(node), *spec))
			elif isinstance(node, ast.ClassDef) and doctype:
				for item in node.body:
					if isinstance(item, ast.FunctionDef) and (spec := _whitelisted(item)):
						# `dn` names the document: a parameter the caller sends like any other
						found.append(
							Method(
								f"{doctype}.{item.name}",
								("dn", *_params(item)),
								spec[0],
								"POST",
								doctype=doctype,
							)
						)
	for definition in sorted((APP / "frappoint" / "report").glob("*/*.json")):
		report = json.loads(definition.read_text(encoding="utf-8"))
		form = definition.with_suffix(".js")
		filters = (
			re.findall(r'fieldname:\s*"(\w+)"', form.read_text(encoding="utf-8")) if form.exists() else []
		)
		found.append(
			Method(
				f"report:{report['name']}",
				tuple(filters) or ("filters",),
				False,
				"POST",
				report=report["name"],
			)
		)
	return found


def _whitelisted(node) -> tuple[bool, str] | None:
	for decorator in node.decorator_list:
		call = decorator if isinstance(decorator, ast.Call) else None
		if ast.unparse(call.func if call else decorator) in ("frappe.whitelist", "whitelist"):
			options = {k.arg: ast.literal_eval(k.value) for k in (call.keywords if call else ())}
			methods = options.get("methods") or ["GET", "POST"]  # Frappe's default: any
			return bool(options.get("allow_guest")), "POST" if "POST" in methods else methods[0]
	return None


def _params(node) -> tuple[str, ...]:
	names = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs if a.arg != "self"]
	if node.args.kwarg:  # **kwargs: the keys the body reads from it
		kwargs = node.args.kwarg.arg
		names += [
			c.args[0].value for c in ast.walk(node)
			if isinstance(c, ast.Call) and ast.unparse(c.func) == f"{kwargs}.get"
			and c.args and isinstance(c.args[0], ast.Constant) and isinstance(c.args[0].value, str)
		]  # fmt: skip
	return tuple(dict.fromkeys(names))


def _doctype_of(path: Path) -> str | None:
	definition = path.with_suffix(".json")
	if path.parent.parent.name != "doctype" or not definition.exists():
		return None
	return json.loads(definition.read_text(encoding="utf-8"))["name"]


def _json(value) -> bytes:
	return json.dumps(value).encode()


def _object(fields: list[tuple[str, bytes]]) -> bytes:
	"""A JSON object from raw JSON values: a value may be malformed on purpose, json.dumps cannot."""
	return b"{" + b", ".join(_json(k) + b": " + v for k, v in fields) + b"}"


def non_ascii(param: str) -> str:
	if param == "token":  # a manage or feed token mangled in both parts, as a mail client might
		head, signature = FORGED_TOKEN.split(".")
		return f"{head}é.{signature[:-1]}é"
	if param == "signature":
		return "0" * 63 + "é"
	return "Zoë ☃ 𝔘 ١٢٣ \u200f"


# Each shape: a raw JSON value (bytes), or for the form shapes the percent-encoded value.
JSON_SHAPES = {
	"lone surrogate": lambda p: b'"\\ud800 then text"',  # escaped: valid JSON, never valid text
	"surrogate bytes": lambda p: b'"\xed\xa0\x80"',  # the same surrogate as raw bytes: not UTF-8
	"invalid UTF-8": lambda p: b'"\xff\xfe\xc3"',
	"non-ASCII": lambda p: json.dumps(non_ascii(p), ensure_ascii=False).encode(),
	"list": lambda p: b'[1, "a", null, {"b": []}]',
	"object": lambda p: b'{"a": {"b": 1}, "name": "x"}',
	"deep nesting": lambda p: b"[" * DEEP + b"]" * DEEP,
	"long string": lambda p: _json("x" * LONG),
}
FORM_SHAPES = {
	"form: surrogate": lambda p: "%ED%A0%80",
	"form: non-ASCII": lambda p: quote(non_ascii(p)),
	"form: repeated": lambda p: f"a&{quote(p)}=b",
	"form: long string": lambda p: "x" * LONG,
}
# The same, inside the JSON text of a controller method's `args` or a report's `filters`.
NESTED_FORM_SHAPES = {
	"form: surrogate": JSON_SHAPES["lone surrogate"],
	"form: non-ASCII": JSON_SHAPES["non-ASCII"],
	"form: repeated": lambda p: b'["a", "b"]',
	"form: long string": JSON_SHAPES["long string"],
}
# Whole bodies, once per method.
BODY_SHAPES = {
	"truncated JSON": lambda m: _object([(p, b'"x"') for p in m.params[:1]])[:-4],
	"deeply nested body": lambda m: b"[" * DEEP,
	"JSON scalar body": lambda m: b'"text"',
	"invalid UTF-8 body": lambda m: b"\xff\xfe{",
}
SHAPES = (*JSON_SHAPES, *FORM_SHAPES, *BODY_SHAPES)


def plausible(records, service, providers) -> dict[str, str]:
	"""The value each known parameter keeps while another one is malformed."""
	day = str(date.today() + timedelta(days=2))
	return {
		"appointment": records["a"], "service_type": service, "provider": providers["provider_a"],
		"start": NEVER_BOOKABLE, "new_start": NEVER_BOOKABLE, "from_date": day, "to_date": day, "day": day,
		"timezone": "Europe/London", "token": FORGED_TOKEN, "signature": "0" * 64, "request": "ACC-PRQ-PROBE",
		"Service Appointment": records["a"], "Service Provider": providers["provider_a"],
	}  # fmt: skip


def shaped_requests(method: Method, known: dict[str, str]):
	"""(shape, parameter, request kwargs) for every shape of every parameter, and the body shapes."""
	base = {p: known.get(method.doctype if p == "dn" else p) for p in method.params}
	base = {p: v for p, v in base.items() if v is not None}
	for param in method.params:
		others = [(p, _json(v)) for p, v in base.items() if p != param]
		for shape, value in JSON_SHAPES.items():
			body = _object(method.envelope([*others, (param, value(param))]))
			yield shape, param, {"data": body, "headers": {"Content-Type": "application/json"}}
		for shape, value in FORM_SHAPES.items():
			if (method.doctype or method.report) and param != "dn":
				# their arguments travel as JSON text in one field (`args`, `filters`), as from the desk
				body = _object(
					method.envelope([*others, (param, NESTED_FORM_SHAPES[shape](param))], as_text=True)
				)
				yield shape, param, {"data": body, "headers": {"Content-Type": "application/json"}}
				continue
			kept = [(p, v) for p, v in base.items() if p != param]
			if method.doctype:  # the document's name as a form field, beside the rest of the envelope
				kept = [
					("dt", method.doctype),
					("method", method.route.split(".")[-1]),
					("args", json.dumps(dict(kept))),
				]
			query = "&".join([*(f"{quote(p)}={quote(v)}" for p, v in kept), f"{quote(param)}={value(param)}"])
			if method.http == "GET":
				yield shape, param, {"url_query": query}
			else:
				yield (
					shape,
					param,
					{
						"data": query.encode(),
						"headers": {"Content-Type": "application/x-www-form-urlencoded"},
					},
				)
	for shape, body in BODY_SHAPES.items():
		yield shape, "(body)", {"data": body(method), "headers": {"Content-Type": "application/json"}}


def run_shape_fuzz(principals: dict, methods: list[Method], known: dict[str, str]) -> dict:
	"""Every method x every parameter x every shape, each sent once, by the principals in turn (so
	that each of them calls every method). The 5xx are kept by method and shape, with the first
	request that caused each."""
	seen = {"requests": 0, "statuses": {}, "5xx": {}}
	names = list(principals)
	for number, method in enumerate(methods):
		for turn, (shape, param, kwargs) in enumerate(shaped_requests(method, known), start=number):
			name = names[turn % len(names)]
			url = method.path + ("?" + kwargs.pop("url_query") if "url_query" in kwargs else "")
			response = principals[name].call(method.http, url, **kwargs)
			seen["requests"] += 1
			seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1
			if response.status_code >= 500:
				first = f"{name}: {method.http} {method.route} {param}={shape} -> {response.status_code} {_exception(response)}"
				seen["5xx"].setdefault((method.route, shape), [0, first])[0] += 1
	return seen


def shape_failures(*runs) -> list[str]:
	"""One line per method and shape that answered 5xx: how often, and the first request."""
	merged = {}
	for run in runs:
		for key, (count, first) in run["5xx"].items():
			merged.setdefault(key, [0, first])[0] += count
	return [
		f"{route} / {shape}: {count} x 5xx, first: {first}"
		for (route, shape), (count, first) in sorted(merged.items())
	]


def _exception(response) -> str:
	try:
		answer = response.json()
	except ValueError:
		return response.text[:160]
	return str(answer.get("exception") or answer.get("exc_type") or answer)[:200]


# --- the database, read directly ------------------------------------------------------------------


def sql(args, query):
	config = json.load(open(os.path.join(args.bench, "sites", args.site, "site_config.json")))
	out = subprocess.run(
		["mysql", "-uroot", f"-p{args.db_root_password}", "-N", "-B", config["db_name"], "-e", query],
		check=True,
		capture_output=True,
		text=True,
	)
	return out.stdout


def checksums(args) -> dict[str, str]:
	tables = [t for t in sql(args, "show tables").split("\n") if t]
	out = sql(args, "checksum table " + ", ".join(f"`{t}`" for t in tables))
	return dict(line.split("\t", 1) for line in out.strip().split("\n"))


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--site", required=True)
	parser.add_argument(
		"--bench", default=os.environ.get("FRAPPOINT_BENCH", os.path.expanduser("~/frappe-bench"))
	)
	parser.add_argument("--admin-password", default=os.environ.get("FRAPPOINT_ADMIN_PASSWORD", "admin"))
	parser.add_argument("--db-root-password", default=os.environ.get("FRAPPOINT_DB_ROOT_PASSWORD", "root"))
	parser.add_argument("--examples", type=int, default=400)
	args = parser.parse_args()
	tag = secrets.token_hex(3)
	admin, saved, service, providers, records, principals = set_up(args, tag)
	failures = []
	try:
		rows, mismatches = run_matrix(principals, records, providers, admin)
		failures += mismatches
		failures += check_host_header(args, service, providers)
		before = checksums(args)
		started = time.monotonic()
		seen = run_fuzz(args, service, args.examples)
		methods, known = whitelisted_methods(), plausible(records, service, providers)
		shaped = run_shape_fuzz({"guest": principals["guest"]}, methods, known)
		after = checksums(args)
		guest_seconds = time.monotonic() - started
		changed = sorted(t for t in before if before[t] != after.get(t))
		started = time.monotonic()
		signed = run_shape_fuzz({p: principals[p] for p in SIGNED_IN}, methods, known)
		signed_seconds = time.monotonic() - started
		failures += seen["5xx"] + shape_failures(shaped, signed)
		failures += [f"table changed during the guest fuzz: {t}" for t in changed]
	finally:
		admin.call("DELETE", f"/api/resource/Email Account/{saved.pop('outbox')}")
		admin.call(
			"PUT", "/api/resource/Service Appointment Settings/Service Appointment Settings", json=saved
		)
	guest_5xx = len(seen["5xx"]) + sum(count for count, _ in shaped["5xx"].values())
	statuses = {
		s: seen["statuses"].get(s, 0) + shaped["statuses"].get(s, 0)
		for s in {*seen["statuses"], *shaped["statuses"]}
	}
	print("== attack suite report")
	print(
		f"matrix: {len(rows)} probes ({len(principals)} principals x {len(rows) // len(principals) // len(records)} routes x {len(records)} appointments), {len(mismatches)} mismatches"
	)
	print(f"fuzz: {seen['requests'] + shaped['requests']} guest requests, {seen['requests']} drawn by hypothesis and "
		f"{shaped['requests']} shaped ({len(methods)} whitelisted methods x {len(SHAPES)} shapes in every parameter), "
		f"statuses {dict(sorted(statuses.items()))}, {guest_5xx} 5xx/unexpected, "
		f"{len(changed)} tables changed of {len(before)}, {guest_seconds:.0f} s")  # fmt: skip
	print(f"fuzz signed in: {signed['requests']} requests as {', '.join(SIGNED_IN)} in turn ({len(methods)} methods x "
		f"{len(SHAPES)} shapes in every parameter), statuses {dict(sorted(signed['statuses'].items()))}, "
		f"{sum(count for count, _ in signed['5xx'].values())} 5xx, {signed_seconds:.0f} s")  # fmt: skip
	for line in failures:
		print("FAIL:", line)
	print("attack suite: " + ("PASSED" if not failures else f"FAILED ({len(failures)})"))
	sys.exit(1 if failures else 0)


if __name__ == "__main__":
	main()
