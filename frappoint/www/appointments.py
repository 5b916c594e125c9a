"""/appointments: a logged-in customer's upcoming and past appointments, with reschedule and cancel
while the cut-off allows. Guests are sent to log in."""

import frappe
from frappe import _

from frappoint.portal.pages import (
	booking_rules,
	customer_appointments,
	js_messages,
	portal_assets,
	protect_session,
	require_login,
)

no_cache = 1
sitemap = 0


def get_context(context):
	require_login("/appointments")
	context.no_cache = 1
	protect_session()
	context.show_sidebar = True
	context.title = _("My appointments")
	portal_assets(context)
	context.update(customer_appointments(frappe.session.user))
	context.rules = booking_rules()
	context.portal_data = {"page": "appointments", "token": None, "messages": js_messages()}
