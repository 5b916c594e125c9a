"""The booking API used by the portal and by integrations. ISO 8601 with offsets in and out.

Guests may list services, read availability and book; to act on an existing appointment they need
its manage token. Status, price and provider choice are never taken from the caller, and every value
a guest sends is parsed strictly (`inputs`): wrong input is a 400 that changes nothing.
"""

from datetime import datetime, timedelta

import frappe
from frappe import _

from frappoint.api.inputs import (
	active_service,
	bad_input,
	choice,
	contact_given,
	customer_details,
	emergency_tier,
	job_location,
	known_location,
	known_provider,
	parse_instant,
	parse_range,
	parse_zone,
	text,
)
from frappoint.booking import actions, hold_caps, records
from frappoint.booking.access import authorize
from frappoint.booking.availability import free_rows, windows_for
from frappoint.booking.clock import from_db, to_site
from frappoint.booking.errors import SlotUnavailable
from frappoint.booking.locks import read_committed, retry_contention
from frappoint.booking.tokens import manage_token
from frappoint.integrations import payments
from frappoint.permissions import is_staff
from frappoint.portal.views import price_label
from frappoint.scheduling import local_instant
from frappoint.security import guest_rate_limit

APPOINTMENT = "Service Appointment"


def staff_user() -> bool:
	return frappe.session.user != "Guest" and is_staff(frappe.session.user)


def iso(stored_utc, tz) -> str | None:
	"""A `*_utc` column's instant in `tz`, with its offset."""
	instant = from_db(stored_utc)
	return instant.astimezone(tz).isoformat() if instant else None


# --- reads --------------------------------------------------------------------------------------
# Parameters are untyped and default to None on purpose: a missing or wrongly typed value is the
# translated 400 of its parser in `inputs`, not Frappe's untranslated type error or a TypeError.


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@guest_rate_limit
@frappe.read_only()  # from a replica when the site has one (`read_from_replica`)
def services() -> list[dict]:
	"""Enabled services with their tiers and the active providers offering them."""
	return records.offered_services()


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@guest_rate_limit
@frappe.read_only()  # a booking re-checks on the primary: a replica's lag can only cost a 409
def availability(
	service_type=None,
	from_date=None,
	to_date=None,
	provider=None,
	timezone=None,
	tier=None,
	format=None,
	location=None,
) -> dict:
	"""Free start times between two dates (inclusive, in `timezone`), at most *Days per Availability
	Request* (Settings) at a time, per provider. `format=compact` (what the portal reads) names each
	start and provider once: `times` and `providers` are lists, and `free` holds one
	[time index, provider index, free seats] per window, each lasting `duration_minutes`."""
	svc = active_service(service_type)
	tz = parse_zone(timezone)
	first, last = parse_range(from_date, to_date)
	provider = known_provider(provider)
	shape = choice(format, "format", ("slots", "compact"))
	asked = dict(
		range_start=local_instant(first, datetime.min.time(), tz),
		range_end=local_instant(last + timedelta(days=1), datetime.min.time(), tz)
		- timedelta(microseconds=1),
		provider=provider,
		emergency=emergency_tier(svc, tier),
		customer=not staff_user(),
		location=known_location(location),  # only the providers working there
	)
	answer = {"service_type": svc.name, "timezone": tz.key}
	if shape == "compact":
		providers, rows = free_rows(svc, **asked)
		return {**answer, "duration_minutes": svc.duration_minutes, **compact(providers, rows, tz)}
	windows = windows_for(svc, **asked)
	instants = {w.start for w in windows} | {w.end for w in windows}
	shown = {instant: instant.astimezone(tz).isoformat() for instant in instants}  # once per instant
	return {
		**answer,
		"slots": [
			{"start": shown[w.start], "end": shown[w.end], "provider": w.provider, "free_seats": w.free_seats}
			for w in windows
		],
	}


def compact(providers: list[str], rows, tz) -> dict:
	"""Windows (as rows, ordered by start) as indexes into lists of their distinct start times and of
	their providers; the start times come out in order."""
	times = sorted({row[0] for row in rows})
	used = sorted({row[1] for row in rows})
	time_at = {t: i for i, t in enumerate(times)}
	if len(used) == len(providers):  # every provider has a time: their indexes stand
		free = [(time_at[start], p, seats) for start, p, _end, seats in rows]
	else:
		provider_at = {p: i for i, p in enumerate(used)}
		free = [(time_at[start], provider_at[p], seats) for start, p, _end, seats in rows]
	return {
		"times": [datetime.fromtimestamp(stamp, tz).isoformat() for stamp in times],
		"providers": [providers[i] for i in used],
		"free": free,
	}


# --- writes -------------------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def hold(
	service_type=None,
	start=None,
	customer_name=None,
	customer_email=None,
	customer_phone=None,
	provider=None,
	tier=None,
	timezone=None,
	latitude=None,
	longitude=None,
	location=None,
) -> dict:
	"""Hold a time (status Open until the hold expires); returns the appointment and its manage token.
	`latitude`/`longitude` place a job at the customer's: "any provider" then prefers the nearest.

	The customer's name and email may come now or with `confirm`: the portal holds the time as soon as
	it is picked, while the customer types. A visitor may keep only a few live holds at once.
	"""
	read_committed()  # row locks only: see booking.locks
	doc, tz = held(
		service_type,
		start,
		customer_name,
		customer_email,
		customer_phone,
		provider,
		tier,
		timezone,
		latitude,
		longitude,
		location,
	)
	return appointment_summary(doc, tz, with_token=True)


def held(
	service_type,
	start,
	customer_name,
	customer_email,
	customer_phone,
	provider,
	tier,
	timezone,
	latitude,
	longitude,
	location,
	before_hold=None,
):
	"""`hold`'s work in the caller's transaction: parse, check the visitor's caps, insert the held
	appointment; the appointment and the zone to answer in. `before_hold(details)` may refuse more
	input once everything is parsed, before anything is read for the hold or written."""
	svc = active_service(service_type)
	when = parse_instant(start, "start")
	details = customer_details(customer_name, customer_email, customer_phone)
	if details.get("customer_email") and not details.get("customer_name"):
		bad_input(_("Please give your name."))
	provider = known_provider(provider)
	location = known_location(location)
	tier = text(tier, "tier")
	emergency_tier(svc, tier)
	latitude, longitude = job_location(latitude, longitude)
	tz = parse_zone(timezone)
	if before_hold:
		before_hold(details)
	staff = staff_user()
	doc = frappe.get_doc(
		{
			"doctype": APPOINTMENT,
			"service_type": svc.name,
			"provider": provider,
			"requested_start": to_site(when),
			"pricing_tier": tier,
			"job_latitude": latitude,
			"job_longitude": longitude,
			"customer_name": _("Guest"),
			**details,
			"source": "API" if staff else "Portal",
			"customer_timezone": tz.key,  # emails show times where the customer booked
		}
	)
	doc.flags.customer_booking = not staff
	doc.flags.at_location = location  # "any provider" picks among those working there
	doc.flags.requested_instant = when  # the desk field alone is ambiguous on a fall-back night
	linked_party(doc, named=bool(details.get("customer_name")))
	if not staff:
		hold_caps.check(doc.customer_email)
	try:
		# Links: service and provider were checked above, the party comes from the session.
		doc.insert(ignore_permissions=True, ignore_links=True)
	except frappe.UniqueValidationError:
		# Only reachable if two claims raced past the row locks: the unique seat index decided.
		frappe.throw(_("This time is no longer available. Please pick another."), exc=SlotUnavailable)
	if not staff:
		hold_caps.remember(doc)
	return doc, tz


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def confirm(
	appointment=None,
	token=None,
	timezone=None,
	customer_name=None,
	customer_email=None,
	customer_phone=None,
) -> dict:
	"""Confirm a held time, with the customer's details if they were not given to `hold`; the customer
	is emailed the manage link (`emailed` says whether the email was queued)."""
	read_committed()  # row locks only: see booking.locks
	by_customer = authorize(appointment, token, to_change=True)
	tz = parse_zone(timezone)
	details = customer_details(customer_name, customer_email, customer_phone)
	if frappe.session.user != "Guest" and by_customer:
		details.pop("customer_email", None)  # a logged-in customer books as themselves
	if timezone:
		details["customer_timezone"] = tz.key
	return confirmed(appointment, by_customer, details, tz)


def confirmed(appointment: str, by_customer: bool, details: dict, tz) -> dict:
	"""`confirm`'s work in the caller's transaction, once the caller is authorized and the input
	parsed: confirm the hold, or (a customer paying at booking) send them to the gateway."""
	if by_customer and payments.required(appointment):
		# The payment confirms it: the customer goes to the gateway with their hold kept meanwhile.
		doc, payment_url = payments.checkout(appointment, details, needs_contact=True)
		return {**appointment_summary(doc, tz, with_token=True), "payment_url": payment_url}
	doc = actions.confirm(appointment, details=details, needs_contact=by_customer, ended_as_expired=True)
	summary = appointment_summary(doc, tz, with_token=by_customer)
	summary["emailed"] = bool(
		doc.flags.customer_emailed
	)  # the lifecycle hook told them (notifications.changes)
	return summary


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def book(
	service_type=None,
	start=None,
	customer_name=None,
	customer_email=None,
	customer_phone=None,
	provider=None,
	tier=None,
	timezone=None,
	latitude=None,
	longitude=None,
	location=None,
) -> dict:
	"""Hold and confirm in one request, for a caller that already has every detail (a logged-in
	customer, the desk, an integration, a guest who gives their name and email): `hold` then
	`confirm` in one transaction, so the same rules, caps and journal events, and all or nothing.
	Answers as `confirm` does: with `payment_url` when the customer pays at booking (the time is then
	held while they pay)."""
	read_committed()  # row locks only: see booking.locks
	staff = staff_user()
	doc, tz = held(
		service_type,
		start,
		customer_name,
		customer_email,
		customer_phone,
		provider,
		tier,
		timezone,
		latitude,
		longitude,
		location,
		before_hold=None if staff else contact_given,
	)
	return confirmed(doc.name, not staff, {}, tz)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def cancel(
	appointment=None,
	token=None,
	reason=None,
	timezone=None,
) -> dict:
	read_committed()  # row locks only: see booking.locks
	by_customer = authorize(appointment, token, to_change=True)
	tz = parse_zone(timezone)
	reason = text(reason, "reason", 500)
	doc = actions.cancel(appointment, reason=reason, by_customer=by_customer)
	summary = appointment_summary(doc, tz)
	summary["emailed"] = bool(doc.flags.customer_emailed)
	return summary


@frappe.whitelist(allow_guest=True, methods=["POST"])
@guest_rate_limit
@retry_contention
def reschedule(
	appointment=None,
	start=None,
	token=None,
	provider=None,
	timezone=None,
) -> dict:
	read_committed()  # row locks only: see booking.locks
	by_customer = authorize(appointment, token, to_change=True)
	tz = parse_zone(timezone)
	when = parse_instant(start, "start")
	provider = known_provider(provider)
	new = actions.reschedule(appointment, when, provider=provider, by_customer=by_customer)
	summary = appointment_summary(new, tz, with_token=by_customer)
	summary["emailed"] = bool(new.flags.customer_emailed)
	return summary


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@guest_rate_limit
def appointment(appointment=None, token=None, timezone=None) -> dict:
	authorize(appointment, token)
	return appointment_summary(frappe.get_doc(APPOINTMENT, appointment), parse_zone(timezone))


# --- helpers ------------------------------------------------------------------------------------


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
		"due_at_booking": doc.get("amount_due_at_booking") or 0,
		"due_label": price_label(doc.amount_due_at_booking) if doc.get("amount_due_at_booking") else None,
		"paid": doc.get("amount_paid") or 0,
		"rescheduled_from": doc.rescheduled_from,
		"rescheduled_to": doc.rescheduled_to,
		"customer_name": doc.customer_name,
	}
	if with_token:
		summary["token"] = manage_token(doc)
	return summary
