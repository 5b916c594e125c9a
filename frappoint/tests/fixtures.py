"""Factories for site tests: each test builds what it needs, with unique names, no test records."""

from contextlib import contextmanager
from datetime import datetime, timedelta

import frappe
from frappe.model import no_value_fields
from frappe.utils import add_days, get_datetime, getdate

from frappoint.booking import window_cache
from frappoint.booking.clock import now as clock_now
from frappoint.booking.clock import to_db, to_site
from frappoint.booking.records import SETTINGS
from frappoint.booking.slot_generation import regenerate

EVERY_DAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BOOKING_SETTINGS = {
	"lead_time_minutes": 0,
	"max_advance_days": 30,
	"allow_past_booking": 0,
	"max_past_days": 0,
	"cancellation_cutoff_hours": 24,
	"default_slot_minutes": 15,
	"hold_minutes": 10,
	# Tests book through the desk's path (`book`) and expect the hold step; test_desk_booking turns it off.
	"desk_bookings_confirmed": 0,
	# Booking tests leave the books alone (test_erpnext turns billing on): a Sales Order per
	# confirmation would double their run time and prove nothing about booking.
	"bill_in_erpnext": 0,
	# Guests and links: the shipped defaults, except a rate limit no ordinary test reaches.
	"guest_requests_per_minute": 1000,
	"trusted_proxies": "",
	"max_availability_days": 62,
	"holds_per_session": 3,
	"holds_per_ip": 10,
	"holds_per_email": 3,
	"manage_link_days": 7,
	"dispatch_weight_skills": 0.5,
	"dispatch_weight_distance": 0.3,
	"dispatch_weight_workload": 0.2,
}


def unique(prefix: str) -> str:
	return f"{prefix} {frappe.generate_hash(length=6)}"


def settings_fields() -> list:
	return [df for df in frappe.get_meta(SETTINGS).fields if df.fieldtype not in no_value_fields]


def site_settings() -> dict:
	"""The site's own value of every Setting, for a class whose DDL commits what it set."""
	return {df.fieldname: frappe.db.get_single_value(SETTINGS, df.fieldname) for df in settings_fields()}


def use_booking_settings(**overrides) -> None:
	"""Every Setting as a test expects it, whatever the site's admin chose: the shipped default (empty
	where there is none), then BOOKING_SETTINGS, then the test's own. The test's rollback gives the
	site its values back."""
	shipped = {df.fieldname: df.default for df in settings_fields()}
	frappe.db.set_single_value(SETTINGS, {**shipped, **BOOKING_SETTINGS, **overrides})
	frappe.clear_document_cache(SETTINGS, SETTINGS)


def use_unusual_settings() -> dict:
	"""Every Setting away from its default, committed: what a site whose admin changed everything
	looks like. scripts/test starts tier 2 from it, so a test passes only if it sets what it relies on
	(`bench --site S execute frappoint.tests.fixtures.use_unusual_settings`)."""
	unusual = {}
	for df in settings_fields():
		default = df.default
		if df.fieldtype == "Check":
			value = 0 if str(default) == "1" else 1
		elif df.fieldtype == "Percent":
			value = (float(default or 0) + 37) % 100
		elif df.fieldtype == "Int":
			value = int(default or 0) * 2 + 3
		elif df.fieldtype in ("Float", "Currency"):
			value = (float(default or 0) or 1) * 2 + 3
		elif df.fieldtype == "Select":
			value = next(o for o in df.options.split("\n") if o and o != default)
		elif df.fieldtype == "Link":  # ERPNext's fields: what an admin picked, if the site has any
			value = frappe.db.get_value(df.options, {}, "name", order_by="creation desc")
		elif df.fieldname == "reminder_hours":
			value = "48, 3"
		elif df.fieldname == "trusted_proxies":
			value = "192.0.2.1"
		else:
			raise ValueError(f"no unusual value for {df.fieldname} ({df.fieldtype})")
		unusual[df.fieldname] = value
	frappe.db.set_single_value(SETTINGS, unusual)
	frappe.db.commit()
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	return unusual


def make_unit_type(allow_overlap=0, name=None):
	name = name or unique("Room")
	return frappe.get_doc(
		{"doctype": "Service Unit Type", "unit_type_name": name, "allow_overlap": allow_overlap}
	).insert()


def make_unit(unit_type: str, capacity=1, name=None, **values):
	return frappe.get_doc(
		{
			"doctype": "Service Unit",
			"unit_name": name or unique("Unit"),
			"unit_type": unit_type,
			"capacity": capacity,
			**values,
		}
	).insert()


def make_location(name=None, **values):
	"""A Service Location (`company=` too, on a site with ERPNext)."""
	return frappe.get_doc(
		{"doctype": "Service Location", "location_name": name or unique("Location"), **values}
	).insert()


def make_service(**values):
	doc = {
		"doctype": "Service Type",
		"service_name": unique("Service"),
		"duration_minutes": 30,
		"pricing_tiers": [
			{"tier": "Standard", "rate": 50},
			{"tier": "Emergency", "rate": 150, "is_emergency": 1},
		],
	}
	doc.update(values)
	return frappe.get_doc(doc).insert()


def make_provider(services=(), shifts=None, generate_days=3, **values):
	doc = {
		"doctype": "Service Provider",
		"provider_name": unique("Provider"),
		"timezone": frappe.utils.get_system_timezone(),
		"services": [{"service_type": s} for s in services],
		"shifts": shifts
		if shifts is not None
		else [{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"} for d in EVERY_DAY],
	}
	doc.update(values)
	provider = frappe.get_doc(doc).insert()
	if generate_days:
		regenerate(provider.name, day(0), day(generate_days))
	return provider


def day(offset: int):
	return add_days(getdate(), offset)


def at(offset_days: int, hour: int, minute: int = 0) -> datetime:
	"""A naive site-time datetime `offset_days` from today."""
	return get_datetime(f"{day(offset_days)} {hour:02d}:{minute:02d}:00")


def book(service: str, provider: str | None, start: datetime, **values):
	doc = {
		"doctype": "Service Appointment",
		"service_type": service,
		"provider": provider,
		"requested_start": start,
		"customer_name": "Test Customer",
		"customer_email": f"{frappe.generate_hash(length=8)}@example.com",
	}
	doc.update(values)
	return frappe.get_doc(doc).insert()


def make_user(role: str | None, website: bool = False) -> str:
	email = f"{frappe.generate_hash(length=10)}@example.com"
	user = frappe.get_doc({"doctype": "User", "email": email, "first_name": "Probe", "send_welcome_email": 0})
	if role:
		user.append("roles", {"role": role})
	user.insert(ignore_permissions=True)
	if website:
		frappe.db.set_value("User", email, "user_type", "Website User")
	return email


def expire_hold_now(name: str) -> None:
	"""Move a hold's expiry into the past, as if the customer walked away."""
	lapsed = clock_now() - timedelta(minutes=1)
	frappe.db.set_value(
		"Service Appointment", name, {"hold_expires_at": to_site(lapsed), "hold_expires_utc": to_db(lapsed)}
	)
	for ledger in ("Service Appointment Slot", "Service Appointment Unit"):
		frappe.db.set_value(ledger, {"parent": name}, "hold_until_utc", to_db(lapsed))
	# Cached availability stays valid until the hold's own expiry, as time would have it: moving the
	# expiry by hand must invalidate it (window_cache).
	window_cache.bump([frappe.db.get_value("Service Appointment", name, "provider")], units=True)


def live_seats(name: str) -> list[str]:
	return frappe.get_all(
		"Service Appointment Slot", filters={"parent": name, "seat_key": ("is", "set")}, pluck="seat_key"
	)


def ensure_outgoing_email() -> None:
	"""Mail is only queued in tests, but Frappe still wants a default outgoing account to queue it."""
	if frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		return
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("Frappoint Outgoing"),
			"email_id": f"{frappe.generate_hash(length=8)}@example.com",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "localhost",
			"no_smtp_authentication": 1,
		}
	).insert(ignore_permissions=True)


# Frappe's runner builds test records for every DocType linked from ours, recursively. Our tests make
# what they need through the factories above; walking into ERPNext's records would be slow and fail
# on doctypes of apps that are not installed (e.g. Payment Gateway). Each DocType test module sets
# `test_ignore = IGNORED_TEST_RECORDS`.
IGNORED_TEST_RECORDS = [
	"Company",
	"Contact",
	"Customer",
	"DocType",
	"Error Log",
	"Item",
	"Payment Entry",
	"Payment Gateway Account",
	"Payment Request",
	"Sales Invoice",
	"Sales Order",
	"Sales Person",
	"Stock Entry",
	"User",
	"Warehouse",
]


@contextmanager
def site_timezone(name: str):
	"""Run with the site's System Settings timezone set to `name`."""

	def forget():
		frappe.clear_document_cache("System Settings", "System Settings")
		if hasattr(frappe.local, "system_settings"):
			del frappe.local.system_settings

	frappe.db.set_single_value("System Settings", "time_zone", name)
	forget()
	try:
		yield
	finally:
		frappe.db.rollback()
		forget()
