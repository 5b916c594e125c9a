"""How many holds one visitor may keep at once: per browser session, per IP address and per email.

A customer normally holds one time while typing their details; a visitor piling up holds blocks times
for everyone else. A place on the wait-list counts as a hold (it becomes one when a time frees up):
the caps count live holds and the visitor's waiting wait-list entries together. The database decides
whether a hold is still live or an entry still waiting. Redis only remembers which visitor placed which
hold or entry, under hashed keys that expire with them, so no IP address or session id is stored with
an appointment. Staff and API users are not capped by session or address.
"""

import hashlib
import time

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.booking import records
from frappoint.booking.clock import from_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import TooManyHolds
from frappoint.booking.locks import named_locks
from frappoint.scheduling import holds_resources
from frappoint.security import client_ip

DEFAULT_CAPS = {"session": 3, "ip": 10, "email": 3}
SETTING_FOR = {"session": "holds_per_session", "ip": "holds_per_ip", "email": "holds_per_email"}
# Guests share Frappe's one "Guest" session, so the booking page gives each browser its own id.
VISITOR_COOKIE = "frappoint_visitor"
WAITLIST_ENTRY = "Waitlist Entry"


def caps() -> dict[str, int]:
	"""The caps, as set in Service Appointment Settings (Guests and Links)."""
	settings = records.settings()
	return {kind: cint(settings.get(SETTING_FOR[kind])) or cap for kind, cap in DEFAULT_CAPS.items()}


def visitor_keys() -> dict[str, str]:
	"""The hashed session and IP address the current visitor's holds are counted under."""
	keys = {}
	if frappe.session.user != "Guest":
		session = frappe.session.sid
	else:
		request = getattr(frappe.local, "request", None)
		session = request.cookies.get(VISITOR_COOKIE) if request is not None else None
	if session:
		keys["session"] = _digest(session)
	if ip := client_ip():
		keys["ip"] = _digest(ip)
	return keys


def check(email: str | None, visitor: bool = True) -> None:
	"""Refuse a new hold or wait-list entry when the visitor (with `visitor`: their session and
	address too, else the email alone) already keeps as many as allowed.

	The visitor's keys are locked (MariaDB named locks) until the hold commits: two requests from one
	visitor cannot both pass on the last place, and the counts include every hold committed before.
	"""
	limits = caps()
	keys = visitor_keys() if visitor else {}
	named_locks(
		[f"holds:{kind}:{key}" for kind, key in keys.items()]
		+ ([f"holds:email:{_digest(email.strip().lower())}"] if email else [])
	)
	for kind, key in keys.items():
		if _live(_remembered(kind, key)) >= limits[kind]:
			_refuse(limits[kind])
	if email and _live_for_email(email) + _waiting_for_email(email) >= limits["email"]:
		_refuse(limits["email"])


def remember(doc, until=None) -> None:
	"""Note a new hold (until it expires) or wait-list entry (`until` its last day ends) under the
	visitor's keys."""
	expires = from_db(until or doc.hold_expires_utc).timestamp()
	for kind, key in visitor_keys().items():
		name = _redis_key(kind, key)
		frappe.cache.zadd(name, {doc.name: expires})
		# The key lives as long as its longest-lived member: a short hold must not cut an entry short.
		[(_member, longest)] = frappe.cache.zrange(name, -1, -1, withscores=True)
		frappe.cache.expireat(name, int(longest) + 60)


def email_at_cap(email: str) -> bool:
	"""This email already keeps as many live holds as it may (a wait-list offer would be one more)."""
	return _live_for_email(email) >= caps()["email"]


def _refuse(limit: int):
	frappe.throw(
		_(
			"You are already holding {0} times. Please confirm or release one of them, or wait a few minutes, before choosing another."
		).format(limit),
		exc=TooManyHolds,
		title=_("Too many holds"),
	)


def _digest(value: str) -> str:
	return hashlib.sha256(value.encode()).hexdigest()[:32]


def _redis_key(kind: str, key: str) -> str:
	return frappe.cache.make_key(f"frappoint:holds:{kind}:{key}")


def _remembered(kind: str, key: str) -> list[str]:
	name = _redis_key(kind, key)
	frappe.cache.zremrangebyscore(name, "-inf", time.time())
	return [frappe.safe_decode(member) for member in frappe.cache.zrange(name, 0, -1)]


# Plain reads at READ COMMITTED (`hold` switches to it first): each sees every hold committed before
# it, including one the same visitor committed while we waited for the visitor's named lock. No row
# lock: a share lock on the visitor's holds deadlocked with those holds being confirmed (issue 25).


def _live(names: list[str]) -> int:
	"""Live holds and wait-list entries among the remembered names. An entry counts while Waiting or
	Offered: its offer's hold is not remembered under the visitor's keys, so it is counted once."""
	if not names:
		return 0
	waiting = frappe.db.count(
		WAITLIST_ENTRY, {"name": ("in", names), "status": ("in", ["Waiting", "Offered"])}
	)
	return _count_live("name in %(names)s", {"names": names}) + waiting


def _live_for_email(email: str) -> int:
	return _count_live("customer_email = %(email)s", {"email": email})


def _waiting_for_email(email: str) -> int:
	"""Entries still waiting (an Offered one is counted by its offer's hold, which bears the email)."""
	return frappe.db.count(WAITLIST_ENTRY, {"customer_email": email.strip().lower(), "status": "Waiting"})


def _count_live(condition: str, values: dict) -> int:
	"""Open holds matching `condition` that still hold their seats (the core decides which do)."""
	now = clock_now()
	rows = frappe.db.sql(
		f"""select status, hold_expires_utc from `tabService Appointment`
		where {condition} and status = 'Open'""",
		values,
	)
	return sum(1 for status, expires in rows if holds_resources(status, from_db(expires), now))
