"""/jobs: the technician portal. A provider's own jobs, today and the week ahead, on a phone first;
Start, Complete, No Show and notes go through the same lifecycle and journal as the desk
(`frappoint.api.jobs`). Guests are sent to log in; a user who is not a provider gets a notice."""

import frappe
from frappe import _

from frappoint.portal.pages import js_messages, portal_assets, protect_session, require_login

no_cache = 1
sitemap = 0


def get_context(context):
	require_login("/jobs")
	context.no_cache = 1
	protect_session()
	context.title = _("My jobs")
	context.provider = frappe.db.get_value("Service Provider", {"user": frappe.session.user}, "provider_name")
	context.forbidden = not context.provider
	portal_assets(context)
	context.portal_data = {"page": "jobs", "token": None, "messages": js_messages()}
