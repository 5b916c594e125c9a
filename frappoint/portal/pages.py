"""What the portal pages show: the services on offer with the customer's price, an appointment as its
customer sees it (times, the change deadline, what they may still do) and its signed manage link.

Times go out as ISO 8601 with offsets and a fallback text in the site's zone; the page's script shows
them in the customer's own zone. Permission is decided by `booking.access`, not here.
"""

import os
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import cint, fmt_money, format_datetime, strip_html_tags

from frappoint.booking import records, service
from frappoint.booking.access import authorize
from frappoint.booking.clock import from_db, site_zone
from frappoint.booking.clock import now as clock_now
from frappoint.booking.tokens import manage_token
from frappoint.scheduling import Action, Status, allowed_actions, holds_resources, zone
from frappoint.scheduling.policy import cancellation_allowed, cancellation_deadline
from frappoint.security import site_url

APPOINTMENT = "Service Appointment"
PORTAL_JS = ("public", "js", "portal.js")


def status_label(status: str) -> str:
	return {
		Status.OPEN: _("Held, not confirmed yet"),
		Status.CONFIRMED: _("Confirmed"),
		Status.COMPLETED: _("Completed"),
		Status.CANCELLED: _("Cancelled"),
		Status.NO_SHOW: _("Missed"),
	}.get(status, _(status))


def price_label(rate) -> str:
	return fmt_money(rate, currency=frappe.db.get_default("currency"))


def services_on_offer() -> list[dict]:
	"""Services a customer can book: enabled, priced and offered by an active provider."""
	return [
		{
			"name": r.name,
			"duration": cint(r.duration_minutes),
			"description": strip_html_tags(r.description or "").strip()[:300],
			"tiers": [
				{"tier": t["tier"], "price": price_label(t["rate"]), "emergency": t["emergency"]}
				for t in r.tiers
			],
			"providers": r.providers,
		}
		for r in records.offered_services()
		if r.tiers and r.providers
	]


def booking_rules() -> dict:
	"""The settings a customer is told about: hold length, how far ahead, the change cut-off."""
	policy = records.booking_policy()
	return {
		"hold_minutes": int(records.hold_duration().total_seconds() // 60),
		"max_advance_days": policy.max_advance_days,
		"cutoff_hours": policy.cancellation_cutoff_hours,
		"change_rule": change_rule(policy.cancellation_cutoff_hours),
	}


def change_rule(cutoff_hours: int) -> str:
	if cutoff_hours:
		return _("You can reschedule or cancel online until {0} hours before the start.").format(cutoff_hours)
	return _("You can reschedule or cancel online until the appointment starts.")


def manage_path(name: str, token: str) -> str:
	return f"/appointments/{quote(name)}?token={quote(token)}"


def manage_url(doc) -> str:
	"""The signed link that lets whoever holds it view, move or cancel this one appointment, on the
	site's own host (see `security.site_url`)."""
	return site_url(manage_path(doc.name, manage_token(doc)))


def time_label(instant, tz) -> str:
	"""A fallback text for an instant, in `tz`, for readers without the page's script (emails)."""
	local = instant.astimezone(tz)
	return f"{format_datetime(local.replace(tzinfo=None), 'EEE d MMM yyyy, HH:mm')} ({tz.key}, UTC{local:%z})"


def appointment_view(doc, timezone=None, now=None) -> dict:
	"""One appointment as its customer sees it, with what they may still do and until when."""
	tz = zone(timezone) if timezone else site_zone()
	now = now or clock_now()
	start, end = from_db(doc.start_utc), from_db(doc.end_utc)
	policy = records.booking_policy(frappe.get_cached_doc("Service Type", doc.service_type))
	deadline = cancellation_deadline(start, policy)
	live = holds_resources(doc.status, from_db(doc.hold_expires_utc), now)
	active = Action.CANCEL in allowed_actions(doc.status)  # Open or Confirmed, as the lifecycle says
	changeable = active and live and start > now
	within_cutoff = cancellation_allowed(start, now, policy, doc.status)
	return {
		"name": doc.name,
		"status": doc.status,
		"status_label": status_label(doc.status),
		"service_type": doc.service_type,
		"provider": doc.provider,
		"start": start.astimezone(tz).isoformat(),
		"end": end.astimezone(tz).isoformat(),
		"start_label": time_label(start, tz),
		"end_label": time_label(end, tz),
		"duration": int((end - start).total_seconds() // 60),
		"price": price_label(doc.rate),
		"tier": doc.pricing_tier,
		"customer_name": doc.customer_name,
		"customer_email": doc.customer_email,
		"customer_phone": doc.customer_phone,
		"upcoming": end > now and active and live,
		"can_change": changeable and within_cutoff,
		"too_late_to_change": changeable and not within_cutoff,
		"change_deadline": deadline.astimezone(tz).isoformat(),
		"change_deadline_label": time_label(deadline, tz),
		"change_rule": change_rule(policy.cancellation_cutoff_hours),
		"cancellation_reason": doc.cancellation_reason if doc.status == Status.CANCELLED else None,
		"rescheduled_from": doc.rescheduled_from,
		"rescheduled_to": doc.rescheduled_to,
	}


def customer_appointments(user: str) -> dict[str, list[dict]]:
	"""A logged-in customer's appointments (by their email, as permissions.py decides), soonest first
	among the upcoming, latest first among the past. Holds that lapsed or were released are left out:
	they never were appointments for the customer."""
	email = frappe.db.get_value("User", user, "email") or user
	names = frappe.get_all(
		APPOINTMENT,
		filters={"customer_email": email},
		pluck="name",
		order_by="start_utc desc",
		limit_page_length=200,
	)
	docs = [frappe.get_doc(APPOINTMENT, name) for name in names]
	views = [appointment_view(doc) for doc in docs if not ended_as_hold(doc)]
	return {
		"upcoming": sorted((v for v in views if v["upcoming"]), key=lambda v: v["start"]),
		"past": [v for v in views if not v["upcoming"]],
	}


def ended_as_hold(doc, now=None) -> bool:
	return service.ended_as_hold(doc.status, doc.hold_expires_utc, now or clock_now())


def customer_prefill(user: str) -> dict:
	"""Name, email and phone to prefill the booking form for a logged-in website user."""
	if user == "Guest":
		return {"logged_in": False, "name": "", "email": "", "phone": ""}
	values = frappe.db.get_value("User", user, ["full_name", "email", "phone", "mobile_no"], as_dict=True)
	contact = frappe.db.get_value("Contact", {"user": user}, ["phone", "mobile_no"], as_dict=True) or {}
	return {
		"logged_in": True,
		"name": values.full_name or "",
		"email": values.email or "",
		"phone": contact.get("mobile_no") or contact.get("phone") or values.mobile_no or values.phone or "",
	}


_messages_cache: dict[tuple[str, float], dict] = {}


def js_messages() -> dict[str, str]:
	"""Translations of the strings portal.js shows, for the current language (Frappe's web pages do not
	load the desk's translation dictionary)."""
	from frappe.translate import extract_messages_from_javascript_code

	lang = frappe.local.lang or "en"
	if lang == "en":
		return {}
	path = frappe.get_app_path("frappoint", *PORTAL_JS)
	key = (lang, os.path.getmtime(path))
	if key not in _messages_cache:
		with open(path) as source:
			messages = {m for _line, m, _ctx in extract_messages_from_javascript_code(source.read())}
		_messages_cache[key] = {m: _(m) for m in messages if _(m) != m}
	return _messages_cache[key]


def manageable(name, token):
	"""The appointment when this visitor may act on it (staff, its customer or a valid token holder, as
	`access.authorize` decides), else None: an unknown name and a wrong token look the same."""
	if not isinstance(name, str) or not (token is None or isinstance(token, str)):
		return None
	try:
		authorize(name, token)
	except (frappe.PermissionError, frappe.DoesNotExistError):
		frappe.clear_last_message()
		return None
	return frappe.get_doc(APPOINTMENT, name)


def asset_version() -> str:
	"""Changes whenever the portal's script or style changes, so browsers never run a stale copy."""
	public = frappe.get_app_path("frappoint", "public")
	paths = (os.path.join(public, "js", "portal.js"), os.path.join(public, "css", "portal.css"))
	return str(int(max(os.path.getmtime(p) for p in paths if os.path.exists(p))))


def forbid(context) -> None:
	"""Render the page as the portal's 403: the link is wrong, expired or not this visitor's."""
	context.forbidden = True
	context.http_status_code = 403
	context.title = _("This link does not work")


def protect_session() -> None:
	"""Give a logged-in visitor's session its CSRF token now.

	Frappe v15 checks the token on every POST of a session that has one, but creates it lazily (the
	desk does it when it boots): a website user who never opened the desk would post unchecked. The
	page prints the token and portal.js sends it. Guests share no session, hold no token and have no
	ambient authority to abuse; their writes need the manage token instead.
	"""
	if frappe.session.user != "Guest":
		from frappe.sessions import get_csrf_token

		get_csrf_token()
