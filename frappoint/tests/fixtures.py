"""Factories for site tests: each test builds what it needs, with unique names, no test records."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, get_datetime, getdate

from frappoint.booking import window_cache
from frappoint.booking.clock import now as clock_now
from frappoint.booking.clock import to_db, to_site
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


def site_settings() -> dict:
	"""The site's own values of what use_booking_settings sets, for a class whose DDL commits them."""
	return {key: frappe.db.get_single_value("Service Appointment Settings", key) for key in BOOKING_SETTINGS}


def use_booking_settings(**overrides) -> None:
	frappe.db.set_single_value("Service Appointment Settings", {**BOOKING_SETTINGS, **overrides})
	frappe.clear_document_cache("Service Appointment Settings", "Service Appointment Settings")


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
