"""Calendar subscriptions (iCalendar feeds): a provider's jobs or a customer's appointments, behind a
secret link that can be revoked.

The secret is 256 random bits shown once; only its SHA-256 is stored (a Calendar Feed row), so a
database reader cannot subscribe. A new link for the same provider or customer revokes the previous
one, and staff can revoke any feed in the desk. A wrong, revoked or malformed token gets the same 403
with nothing in it. The feed holds confirmed appointments from a month back to the booking horizon
and past ones that took place; a subscribed calendar replaces its copy on every refresh, so a
cancelled or moved appointment simply leaves (a move: the new one keeps the same UID).
"""

import hashlib
import secrets
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.booking.clock import now as clock_now
from frappoint.booking.clock import to_db
from frappoint.booking.records import settings
from frappoint.notifications import calendar
from frappoint.security import site_url

FEED = "Calendar Feed"
PAST_DAYS = 31
SHOWN = ("Confirmed", "Completed", "No Show")
FEED_PATH = "/api/method/frappoint.api.calendar.feed"


class FeedRefused(frappe.PermissionError):
	http_status_code = 403


def digest(token: str) -> str:
	return hashlib.sha256(token.encode()).hexdigest()


def issue(provider: str | None = None, customer_email: str | None = None) -> str:
	"""A new secret link for a provider's jobs or a customer's appointments; theirs before stop."""
	mine = {"provider": provider} if provider else {"customer_email": customer_email}
	for name in frappe.get_all(FEED, filters={**mine, "revoked": 0}, pluck="name"):
		frappe.db.set_value(FEED, name, "revoked", 1)
	token = secrets.token_urlsafe(32)
	frappe.get_doc(
		{
			"doctype": FEED,
			"subscriber": "Provider" if provider else "Customer",
			"provider": provider,
			"customer_email": customer_email,
			"token_hash": digest(token),
		}
	).insert(ignore_permissions=True)
	return site_url(f"{FEED_PATH}?token={token}")


def read(token) -> bytes:
	"""The feed a live token opens, as iCalendar; `FeedRefused` for anything else."""
	feed = None
	if isinstance(token, str) and 20 <= len(token) <= 100 and token.isascii():
		feed = frappe.db.get_value(
			FEED, {"token_hash": digest(token), "revoked": 0}, ["provider", "customer_email"], as_dict=True
		)
	if not feed:
		frappe.throw(
			_("This calendar link is not valid (or no longer)."), exc=FeedRefused, title=_("Not allowed")
		)
	now = clock_now()
	mine = {"provider": feed.provider} if feed.provider else {"customer_email": feed.customer_email}
	rows = frappe.get_all(
		"Service Appointment",
		filters={
			**mine,
			"status": ("in", SHOWN),
			"start_utc": ("between", [to_db(now - timedelta(days=PAST_DAYS)), to_db(now + horizon())]),
		},
		fields=[
			"name",
			"rescheduled_from",
			"start_utc",
			"end_utc",
			"status",
			"service_type",
			"provider",
			"customer_name",
		],
		order_by="start_utc",
	)
	who = "customer_name" if feed.provider else "provider"
	events = [calendar.event(row, summary=f"{row.service_type}: {row[who]}", cancelled=False) for row in rows]
	return calendar.calendar(events, name=feed.provider or _("My appointments"))


def horizon() -> timedelta:
	return timedelta(days=cint(settings().max_advance_days) + 1)
