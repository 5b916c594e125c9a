"""Joining the wait-list (the portal's "tell me when a time frees up"). Guests may join; every value
is parsed strictly (`inputs`): wrong input is a 400 that changes nothing."""

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.api.inputs import (
	active_service,
	bad_input,
	customer_details,
	known_provider,
	parse_day,
	parse_zone,
)
from frappoint.booking import hold_caps, records
from frappoint.booking.clock import now as clock_now
from frappoint.booking.locks import retry_contention
from frappoint.permissions import is_staff
from frappoint.security import guest_rate_limit

ENTRY = "Waitlist Entry"


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def join(
	service_type=None,
	provider=None,
	from_date=None,
	to_date=None,
	timezone=None,
	customer_name=None,
	customer_email=None,
	customer_phone=None,
) -> dict:
	"""Wait for a time of `service_type` (with `provider`, or any) on the customer's days from
	`from_date` to `to_date` (in `timezone`). The first time that frees up is held for them and
	emailed; each email may wait for as many requests at once as it may keep holds."""
	settings = records.settings()
	if not cint(settings.allow_waitlist):
		frappe.throw(_("The wait-list is closed."), frappe.PermissionError)
	service = active_service(service_type)
	provider = known_provider(provider)
	tz = parse_zone(timezone)
	first, last = parse_day(from_date, "from_date"), parse_day(to_date, "to_date")
	# order and length: the core's rule (`wait_range`), applied when the entry is saved
	if last < clock_now().astimezone(tz).date():
		bad_input(_("Choose days that are still ahead."))
	details = customer_details(customer_name, customer_email, customer_phone)
	if not details.get("customer_name") or not details.get("customer_email"):
		bad_input(_("Please give your name and email address."))
	email = details["customer_email"].lower()
	# A place on the wait-list is a hold to come: it counts toward the visitor's caps (their session,
	# address and email; staff: the email alone), under the same locks until this commits.
	visitor = frappe.session.user == "Guest" or not is_staff(frappe.session.user)
	hold_caps.check(email, visitor=visitor)
	entry = frappe.get_doc(
		{
			"doctype": ENTRY,
			"service_type": service.name,
			"provider": provider,
			"first_day": first,
			"last_day": last,
			"customer_timezone": tz.key,
			**details,
			"customer_email": email,
		}
	).insert(ignore_permissions=True)
	if visitor:
		hold_caps.remember(entry, until=entry.latest_utc)
	return {"name": entry.name, "status": entry.status}
