"""What the portal pages show: the services on offer with the customer's price, the booking rules,
a customer's appointments (each as `views.appointment_view` shows it) and the page's own assets.

Times go out as ISO 8601 with offsets; the page's script shows them in the customer's own zone.
Permission is decided by `booking.access`, not here.
"""

import glob
import os

import frappe
from frappe import _
from frappe.utils import cint, strip_html_tags

from frappoint.booking import actions, locations, records
from frappoint.booking.access import authorize
from frappoint.booking.clock import now as clock_now
from frappoint.portal.views import appointment_view, change_rule, price_label

APPOINTMENT = "Service Appointment"


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


def locations_to_choose() -> list[dict]:
	"""The locations a customer chooses among (enabled, with someone working there), each with its
	providers; none when there is at most one, so a one-place business shows no choice."""
	offered = [place for place in locations.locations_on_offer() if place["providers"]]
	return offered if len(offered) > 1 else []


def booking_rules() -> dict:
	"""The settings a customer is told about: hold length, how far ahead, the change cut-off."""
	policy = records.booking_policy()
	return {
		"hold_minutes": int(records.hold_duration().total_seconds() // 60),
		"max_advance_days": policy.max_advance_days,
		"cutoff_hours": policy.cancellation_cutoff_hours,
		"change_rule": change_rule(policy.cancellation_cutoff_hours),
		"waitlist": bool(cint(records.settings().allow_waitlist)),
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
	return actions.ended_as_hold(doc.status, doc.hold_expires_utc, now or clock_now())


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
	"""Translations of the strings the portal's scripts show, for the current language (Frappe's web
	pages do not load the desk's translation dictionary)."""
	from frappe.translate import extract_messages_from_javascript_code

	lang = frappe.local.lang or "en"
	if lang == "en":
		return {}
	paths = portal_scripts()
	key = (lang, max(os.path.getmtime(p) for p in paths))
	if key not in _messages_cache:
		messages = set()
		for path in paths:
			with open(path) as source:
				messages |= {m for _line, m, _ctx in extract_messages_from_javascript_code(source.read())}
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


def portal_scripts() -> list[str]:
	"""The portal's entry script and its modules (public/js/portal/), in a stable order."""
	js = frappe.get_app_path("frappoint", "public", "js")
	modules = sorted(glob.glob(os.path.join(js, "portal", "**", "*.js"), recursive=True))
	return [os.path.join(js, "portal.js"), *modules]


def asset_version() -> str:
	"""Changes whenever one of the portal's scripts or its style changes, so browsers never run a
	stale copy of any of them."""
	css = frappe.get_app_path("frappoint", "public", "css", "portal.css")
	paths = [*portal_scripts(), css]
	return str(int(max(os.path.getmtime(p) for p in paths if os.path.exists(p))))


def portal_assets(context) -> None:
	"""What the page frame (templates/portal/base.html) loads: the version and the import map through
	which the modules find each other ("frappoint/book/page.js" -> its versioned URL)."""
	version = context.asset_version = asset_version()
	root = os.path.join(frappe.get_app_path("frappoint", "public", "js"), "portal")
	modules = [os.path.relpath(path, root) for path in portal_scripts()[1:]]
	context.import_map = {
		"imports": {f"frappoint/{m}": f"/assets/frappoint/js/portal/{m}?v={version}" for m in modules}
	}


def forbid(context) -> None:
	"""Render the page as the portal's 403: the link is wrong, expired or not this visitor's."""
	context.forbidden = True
	context.http_status_code = 403
	context.title = _("This link does not work")


def require_login(path: str) -> None:
	"""Send a guest to log in and come back to `path`."""
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = f"/login?redirect-to={path}"
		raise frappe.Redirect(302)


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
