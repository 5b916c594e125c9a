"""The booking API used by the portal and by integrations. ISO 8601 with offsets in and out.

Guests may list services, read availability and book; to act on an existing appointment they need
its manage token. Status, price and provider choice are never taken from the caller.
"""

from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import cint

from frappoint.api import hold_caps
from frappoint.booking import journal, records, service
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_db, to_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable
from frappoint.booking.tokens import TOKEN_LIFETIME_AFTER_END, manage_token, token_grants
from frappoint.permissions import has_appointment_permission, is_staff
from frappoint.portal.emails import send_update
from frappoint.scheduling import InvalidInput, local_instant, tier_named, zone

MAX_RANGE_DAYS = 62
APPOINTMENT = "Service Appointment"


def staff_user() -> bool:
	return frappe.session.user != "Guest" and is_staff(frappe.session.user)


def guest_limit() -> int:
	"""Requests a guest IP may make per window; staff and API users are not limited."""
	if frappe.session.user != "Guest":
		return 10**9
	return cint(frappe.conf.get("frappoint_guest_rate_limit")) or 60


# --- input -------------------------------------------------------------------------------------


def bad_input(message: str):
	frappe.throw(message, exc=InvalidBookingInput, title=_("Invalid input"))


def parse_instant(value: str, field: str) -> datetime:
	try:
		parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
	except ValueError:
		bad_input(
			_("{0} must be an ISO 8601 date and time, for example 2026-06-01T09:30:00+01:00.").format(field)
		)
	if parsed.tzinfo is None:
		bad_input(_("{0} must include a timezone offset, for example +01:00.").format(field))
	return parsed


def parse_day(value: str, field: str) -> date:
	try:
		return date.fromisoformat(str(value))
	except ValueError:
		bad_input(_("{0} must be a date like 2026-06-01.").format(field))


def parse_zone(name: str | None):
	try:
		return zone(name or frappe.utils.get_system_timezone())
	except InvalidInput:
		bad_input(_("{0} is not a known timezone.").format(name))


def active_service(name: str):
	if not name or not frappe.db.exists("Service Type", {"name": name, "disabled": 0}):
		bad_input(_("Please choose a service that is offered."))
	return frappe.get_cached_doc("Service Type", name)


def emergency_tier(svc, tier: str | None) -> bool:
	try:
		return tier_named(records.price_tiers(svc), tier).emergency
	except InvalidInput:
		bad_input(_("That pricing tier is not offered for this service."))


def iso(stored_utc, tz) -> str | None:
	"""A `*_utc` column's instant in `tz`, with its offset."""
	instant = from_db(stored_utc)
	return instant.astimezone(tz).isoformat() if instant else None


# --- reads --------------------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=guest_limit, seconds=60)
def services() -> list[dict]:
	"""Enabled services with their tiers and the active providers offering them."""
	return records.offered_services()


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=guest_limit, seconds=60)
def availability(
	service_type: str,
	from_date: str,
	to_date: str,
	provider: str | None = None,
	timezone: str | None = None,
	tier: str | None = None,
) -> dict:
	"""Free start times between two dates (inclusive, in `timezone`), at most 62 days."""
	svc = active_service(service_type)
	tz = parse_zone(timezone)
	first, last = parse_day(from_date, "from_date"), parse_day(to_date, "to_date")
	if last < first:
		bad_input(_("to_date must not be before from_date."))
	if (last - first).days + 1 > MAX_RANGE_DAYS:
		bad_input(_("Ask for at most {0} days at a time.").format(MAX_RANGE_DAYS))
	if provider and not frappe.db.exists("Service Provider", provider):
		bad_input(_("Unknown provider."))
	windows = windows_for(
		svc,
		local_instant(first, datetime.min.time(), tz),
		local_instant(last + timedelta(days=1), datetime.min.time(), tz) - timedelta(microseconds=1),
		provider=provider,
		emergency=emergency_tier(svc, tier),
		customer=not staff_user(),
	)
	return {
		"service_type": svc.name,
		"timezone": tz.key,
		"slots": [
			{
				"start": w.start.astimezone(tz).isoformat(),
				"end": w.end.astimezone(tz).isoformat(),
				"provider": w.provider,
				"free_seats": w.free_seats,
			}
			for w in windows
		],
	}


# --- writes -------------------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=guest_limit, seconds=60)
def hold(
	service_type: str,
	start: str,
	customer_name: str | None = None,
	customer_email: str | None = None,
	customer_phone: str | None = None,
	provider: str | None = None,
	tier: str | None = None,
	timezone: str | None = None,
	latitude: float | None = None,
	longitude: float | None = None,
) -> dict:
	"""Hold a time (status Open until the hold expires); returns the appointment and its manage token.
	`latitude`/`longitude` place a job at the customer's: "any provider" then prefers the nearest.

	The customer's name and email may come now or with `confirm`: the portal holds the time as soon as
	it is picked, while the customer types. A visitor may keep only a few live holds at once.
	"""
	svc = active_service(service_type)
	when = parse_instant(start, "start")
	details = customer_details(customer_name, customer_email, customer_phone)
	if details.get("customer_email") and not details.get("customer_name"):
		bad_input(_("Please give your name."))
	if provider and not frappe.db.exists("Service Provider", provider):
		bad_input(_("Unknown provider."))
	try:
		records.location(latitude, longitude)
	except InvalidInput:
		bad_input(_("The job location must be a latitude (-90 to 90) and a longitude (-180 to 180)."))
	staff = staff_user()
	doc = frappe.get_doc(
		{
			"doctype": APPOINTMENT,
			"service_type": svc.name,
			"provider": provider or None,
			"requested_start": to_site(when),
			"pricing_tier": tier or None,
			"job_latitude": latitude,
			"job_longitude": longitude,
			"customer_name": _("Guest"),
			**details,
			"source": "API" if staff else "Portal",
		}
	)
	doc.flags.customer_booking = not staff
	doc.flags.requested_instant = when  # the desk field alone is ambiguous on a fall-back night
	linked_party(doc, named=bool(details.get("customer_name")))
	if not staff:
		journal.lock()  # the booking lock, taken early so that the caps count every committed hold
		hold_caps.check(doc.customer_email)
	try:
		doc.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# Only reachable if two claims raced past the row locks: the unique seat index decided.
		frappe.throw(_("This time is no longer available. Please pick another."), exc=SlotUnavailable)
	if not staff:
		hold_caps.remember(doc)
	return appointment_summary(doc, parse_zone(timezone), with_token=True)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=guest_limit, seconds=60)
def confirm(
	appointment: str,
	token: str | None = None,
	timezone: str | None = None,
	customer_name: str | None = None,
	customer_email: str | None = None,
	customer_phone: str | None = None,
) -> dict:
	"""Confirm a held time, with the customer's details if they were not given to `hold`; the customer
	is emailed the manage link (`emailed` says whether the email was queued)."""
	by_customer = authorize(appointment, token)
	tz = parse_zone(timezone)
	details = customer_details(customer_name, customer_email, customer_phone)
	if frappe.session.user != "Guest" and by_customer:
		details.pop("customer_email", None)  # a logged-in customer books as themselves
	service.refuse_ended_hold(appointment)  # before asking for details the hold no longer needs
	held = frappe.get_doc(APPOINTMENT, appointment)
	if by_customer and not held.customer_email:
		if not details.get("customer_name"):
			bad_input(_("Please give your name."))
		if not details.get("customer_email"):
			bad_input(_("Please give a valid email address."))
	doc = service.confirm(appointment, details=details)
	summary = appointment_summary(doc, tz, with_token=by_customer)
	summary["emailed"] = send_update(doc, "confirmed", timezone=tz.key) if by_customer else False
	return summary


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=guest_limit, seconds=60)
def cancel(
	appointment: str, token: str | None = None, reason: str | None = None, timezone: str | None = None
) -> dict:
	by_customer = authorize(appointment, token)
	tz = parse_zone(timezone)
	was_confirmed = frappe.db.get_value(APPOINTMENT, appointment, "status") == "Confirmed"
	doc = service.cancel(appointment, reason=(reason or "").strip()[:500] or None, by_customer=by_customer)
	summary = appointment_summary(doc, tz)
	summary["emailed"] = (
		send_update(doc, "cancelled", timezone=tz.key) if by_customer and was_confirmed else False
	)
	return summary


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=guest_limit, seconds=60)
def reschedule(
	appointment: str,
	start: str,
	token: str | None = None,
	provider: str | None = None,
	timezone: str | None = None,
) -> dict:
	by_customer = authorize(appointment, token)
	tz = parse_zone(timezone)
	when = parse_instant(start, "start")
	if provider and not frappe.db.exists("Service Provider", provider):
		bad_input(_("Unknown provider."))
	new = service.reschedule(appointment, when, provider=provider or None, by_customer=by_customer)
	summary = appointment_summary(new, tz, with_token=by_customer)
	moved = by_customer and new.status == "Confirmed"
	summary["emailed"] = send_update(new, "moved", timezone=tz.key) if moved else False
	return summary


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@rate_limit(limit=guest_limit, seconds=60)
def appointment(appointment: str, token: str | None = None, timezone: str | None = None) -> dict:
	authorize(appointment, token)
	return appointment_summary(frappe.get_doc(APPOINTMENT, appointment), parse_zone(timezone))


# --- helpers ------------------------------------------------------------------------------------


def authorize(name: str, token: str | None) -> bool:
	"""Let staff, the appointment's customer or a valid token holder act; True when it is the customer."""
	if not name or not isinstance(name, str) or not frappe.db.exists(APPOINTMENT, name):
		frappe.throw(_("Appointment not found."), exc=frappe.DoesNotExistError)
	user = frappe.session.user
	if user != "Guest" and is_staff(user):
		return False
	if token_grants(token, name, clock_now()):
		return True
	doc = frappe.get_doc(APPOINTMENT, name)
	if user != "Guest" and has_appointment_permission(doc, "write", user):
		return True
	frappe.throw(
		_("This link is not valid for that appointment, or it has expired."), exc=frappe.PermissionError
	)


def linked_party(doc, named: bool = True) -> None:
	"""A logged-in website user books as their Contact when they have one, under their own email."""
	user = frappe.session.user
	if user == "Guest" or is_staff(user):
		return
	contact = frappe.db.get_value("Contact", {"user": user}, "name")
	if contact:
		doc.party_type, doc.party = "Contact", contact
	doc.customer_email = frappe.db.get_value("User", user, "email") or doc.customer_email
	if not named:
		doc.customer_name = frappe.db.get_value("User", user, "full_name") or doc.customer_name


def customer_details(name: str | None, email: str | None, phone: str | None) -> dict:
	"""The customer fields that were given, checked; a field given blank or malformed is refused."""
	details = {}
	if name is not None:
		if not str(name).strip():
			bad_input(_("Please give your name."))
		if len(str(name).strip()) > 140:
			bad_input(_("Please shorten your name to 140 characters."))
		details["customer_name"] = str(name).strip()
	if email is not None:
		email = str(email).strip()
		if len(email) > 140 or not frappe.utils.validate_email_address(email):
			bad_input(_("Please give a valid email address."))
		details["customer_email"] = email
	if phone is not None and str(phone).strip():
		phone = str(phone).strip()
		if len(phone) > 40 or not frappe.utils.validate_phone_number(phone):
			bad_input(_("Please give a valid phone number, or leave it empty."))
		details["customer_phone"] = phone
	return details


def appointment_summary(doc, tz, with_token: bool = False) -> dict:
	summary = {
		"name": doc.name,
		"status": doc.status,
		"service_type": doc.service_type,
		"provider": doc.provider,
		"start": iso(doc.start_utc, tz),
		"end": iso(doc.end_utc, tz),
		"hold_expires_at": iso(doc.hold_expires_utc, tz),
		"rate": doc.rate,
		"rescheduled_from": doc.rescheduled_from,
		"rescheduled_to": doc.rescheduled_to,
		"customer_name": doc.customer_name,
	}
	if with_token:
		summary["token"] = manage_token(doc.name, from_db(doc.end_utc) + TOKEN_LIFETIME_AFTER_END)
	return summary
