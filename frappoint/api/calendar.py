"""Calendar subscription links: the feed itself (for calendars, by secret token) and the two ways to
get a link (staff or the provider's own user for a provider; a logged-in customer for their own)."""

import frappe
from frappe import _

from frappoint.booking.locks import retry_contention
from frappoint.notifications import feeds
from frappoint.security import guest_rate_limit


@frappe.whitelist(allow_guest=True, methods=["GET"])
@guest_rate_limit
def feed(token=None):
	"""The iCalendar feed the token opens (calendar apps poll this URL)."""
	frappe.local.response.filename = "appointments.ics"
	frappe.local.response.filecontent = feeds.read(token)
	frappe.local.response.type = "download"


@frappe.whitelist(methods=["POST"])
@retry_contention
def provider_feed(provider=None) -> str:
	"""A new link to a provider's jobs, for staff who may edit the provider or the provider's user;
	the provider's previous link stops working."""
	if not isinstance(provider, str) or not frappe.db.exists("Service Provider", provider):
		frappe.throw(_("Unknown provider."), frappe.DoesNotExistError)
	stored = frappe.get_doc("Service Provider", provider)
	if stored.user != frappe.session.user:
		stored.check_permission("write")
	return feeds.issue(provider=stored.name)


@frappe.whitelist(methods=["POST"])
@retry_contention
def my_feed() -> str:
	"""A new link to the logged-in customer's appointments (booked with their email)."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to subscribe to your appointments."), frappe.PermissionError)
	return feeds.issue(customer_email=frappe.db.get_value("User", frappe.session.user, "email"))
