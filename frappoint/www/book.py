"""/book: choose a service, a location (when there are several), a provider (or any), a day and a
free time, then give your details and confirm. With ?reschedule=<appointment>&token=<manage token> it
moves an existing appointment."""

import frappe
from frappe import _
from frappe.utils import get_system_timezone

from frappoint.booking.hold_caps import VISITOR_COOKIE
from frappoint.portal.pages import (
	booking_rules,
	customer_prefill,
	forbid,
	js_messages,
	locations_to_choose,
	manageable,
	portal_assets,
	protect_session,
	services_on_offer,
)
from frappoint.portal.views import appointment_view

no_cache = 1
sitemap = 1


def get_context(context):
	context.no_cache = 1
	protect_session()
	context.title = _("Book an appointment")
	portal_assets(context)
	services = services_on_offer()
	data = {
		"page": "book",
		"services": services,
		"locations": locations_to_choose(),
		"rules": booking_rules(),
		"prefill": customer_prefill(frappe.session.user),
		"site_timezone": get_system_timezone(),
		"preselect": frappe.form_dict.get("service") or None,
		"messages": js_messages(),
		"reschedule": None,
	}
	if name := frappe.form_dict.get("reschedule"):
		token = frappe.form_dict.get("token") or None
		doc = manageable(name, token)
		if not doc:
			return forbid(context)
		context.title = _("Move your appointment")
		view = appointment_view(doc)
		context.moving = view
		data["reschedule"] = {"appointment": view, "token": token}
		data["services"] = [s for s in services if s["name"] == doc.service_type]
		context.services = data["services"]
		if not view["can_change"] or not data["services"]:
			context.cannot_move = True
	context.services = data["services"]
	context.portal_data = data
	give_visitor_id()


def give_visitor_id() -> None:
	"""Guests share one Frappe session; this cookie lets the hold caps count holds per browser."""
	request = getattr(frappe.local, "request", None)
	cookies = getattr(frappe.local, "cookie_manager", None)
	if frappe.session.user == "Guest" and request is not None and cookies is not None:
		if not request.cookies.get(VISITOR_COOKIE):
			cookies.set_cookie(VISITOR_COOKIE, frappe.generate_hash(length=32), httponly=True, samesite="Lax")
