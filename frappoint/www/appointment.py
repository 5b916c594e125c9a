"""/appointments/<name>?token=...: one appointment, for whoever holds its signed manage link (or its
logged-in customer): view, reschedule, cancel. A wrong, expired or foreign link gets a 403 page."""

import frappe
from frappe import _

from frappoint.portal.pages import (
	forbid,
	js_messages,
	manageable,
	portal_assets,
	protect_session,
)
from frappoint.portal.views import appointment_view

no_cache = 1
sitemap = 0


def get_context(context):
	context.no_cache = 1
	protect_session()
	portal_assets(context)
	name = frappe.form_dict.get("name")
	token = frappe.form_dict.get("token") or None
	doc = manageable(name, token)
	context.portal_data = {"page": "appointment", "token": token, "messages": js_messages()}
	if not doc:
		return forbid(context)
	context.view = appointment_view(doc)
	context.token = token
	context.title = _("Your appointment")
	if doc.rescheduled_to:
		context.moved_to = doc.rescheduled_to
