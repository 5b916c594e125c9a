"""Everything a guest can send the booking API, parsed strictly: a value of the wrong type, too long,
with a control character, out of range or missing is refused with a translated 400
(`InvalidBookingInput`) before anything is read or written."""

from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.booking import records
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import InvalidBookingInput
from frappoint.scheduling import InvalidInput, Location, tier_named, zone

# Bookings and their lookups never reach further than this from today; it also keeps date arithmetic
# far from year 1 and year 9999.
FARTHEST = timedelta(days=3660)
DEFAULT_AVAILABILITY_DAYS = 62


def bad_input(message: str):
	frappe.throw(message, exc=InvalidBookingInput, title=_("Invalid input"))


def text(value, field: str, max_length: int = 140, required: bool = False) -> str | None:
	"""A single line of text (stripped), or None when not given and not `required`."""
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			bad_input(_("{0} is required.").format(field))
		return None
	if not isinstance(value, str):
		bad_input(_("{0} must be text.").format(field))
	value = value.strip()
	if len(value) > max_length:
		bad_input(_("{0} must be at most {1} characters.").format(field, max_length))
	if any(ord(c) < 32 for c in value):
		bad_input(_("{0} must not contain control characters.").format(field))
	if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # a lone UTF-16 surrogate: no character at all
		bad_input(_("{0} must be valid text.").format(field))
	return value


def choice(value, field: str, allowed: tuple[str, ...]) -> str:
	"""One of `allowed` (the first when not given)."""
	value = text(value, field, 32) or allowed[0]
	if value not in allowed:
		bad_input(_("{0} must be one of: {1}.").format(field, ", ".join(allowed)))
	return value


def parse_instant(value, field: str) -> datetime:
	value = text(value, field, 64, required=True)
	try:
		parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
	except ValueError:
		bad_input(
			_("{0} must be an ISO 8601 date and time, for example 2026-06-01T09:30:00+01:00.").format(field)
		)
	if parsed.tzinfo is None:
		bad_input(_("{0} must include a timezone offset, for example +01:00.").format(field))
	try:
		near = abs(parsed - clock_now()) <= FARTHEST
	except OverflowError:
		near = False
	if not near:
		bad_input(_("{0} must be within ten years from today.").format(field))
	return parsed


def parse_day(value, field: str) -> date:
	value = text(value, field, 10, required=True)
	try:
		day = date.fromisoformat(value)
	except ValueError:
		bad_input(_("{0} must be a date like 2026-06-01.").format(field))
	if abs(day - clock_now().date()) > FARTHEST:
		bad_input(_("{0} must be within ten years from today.").format(field))
	return day


def parse_range(from_date, to_date) -> tuple[date, date]:
	"""Two days, in order, at most *Days per Availability Request* (Settings) apart."""
	first, last = parse_day(from_date, "from_date"), parse_day(to_date, "to_date")
	if last < first:
		bad_input(_("to_date must not be before from_date."))
	most = cint(records.settings().max_availability_days) or DEFAULT_AVAILABILITY_DAYS
	if (last - first).days + 1 > most:
		bad_input(_("Ask for at most {0} days at a time.").format(most))
	return first, last


def parse_zone(name):
	if name is None or name == "":
		return zone(frappe.utils.get_system_timezone())
	try:
		return zone(text(name, "timezone", 64))
	except InvalidInput:
		bad_input(_("{0} is not a known timezone.").format(frappe.bold(str(name)[:64])))


def active_service(name):
	name = text(name, "service_type")
	service = name and cached_doc("Service Type", name)
	if not service or service.disabled:
		bad_input(_("Please choose a service that is offered."))
	return service


def known_provider(name) -> str | None:
	name = text(name, "provider")
	if name and not cached_doc("Service Provider", name):
		bad_input(_("Unknown provider."))
	return name


def known_location(name) -> str | None:
	"""A location customers may choose (one not disabled), or None when not given."""
	name = text(name, "location")
	location = name and cached_doc("Service Location", name)
	if name and (not location or location.disabled):
		bad_input(_("Please choose one of our locations."))
	return name


def cached_doc(doctype: str, name: str):
	"""The document from Frappe's document cache (Redis, cleared on save), or None when there is none."""
	try:
		return frappe.get_cached_doc(doctype, name)
	except frappe.DoesNotExistError:
		frappe.clear_last_message()
		return None


def emergency_tier(svc, tier) -> bool:
	try:
		return tier_named(records.price_tiers(svc), text(tier, "tier")).emergency
	except InvalidInput:
		bad_input(_("That pricing tier is not offered for this service."))


def job_location(latitude, longitude) -> tuple[float | None, float | None]:
	"""Where the job is, when the caller says: both coordinates or neither."""
	if latitude in (None, "") and longitude in (None, ""):
		return None, None
	try:
		point = Location(float(latitude), float(longitude))
	except (InvalidInput, TypeError, ValueError):
		bad_input(_("The job location must be a latitude (-90 to 90) and a longitude (-180 to 180)."))
	return point.latitude, point.longitude


def customer_details(name, email, phone) -> dict:
	"""The customer fields that were given, checked; a field given blank or malformed is refused."""
	details = {}
	if name is not None:
		if not (isinstance(name, str) and name.strip()):
			bad_input(_("Please give your name."))
		details["customer_name"] = text(name, _("Name"))
	if email is not None:
		email = text(email, _("Email"), required=True)
		# One address: validate_email_address also accepts a list and returns the valid part.
		if any(c in email for c in ",; <>") or frappe.utils.validate_email_address(email) != email:
			bad_input(_("Please give a valid email address."))
		details["customer_email"] = email
	if phone := text(phone, _("Phone"), 40):
		if not frappe.utils.validate_phone_number(phone):
			bad_input(_("Please give a valid phone number, or leave it empty."))
		details["customer_phone"] = phone
	return details


def contact_given(details: dict) -> None:
	"""A guest booking in one step (`book`) gives what `confirm` would ask of them, before anything is
	held; a logged-in customer books under their own address."""
	if frappe.session.user != "Guest":
		return
	if not details.get("customer_name"):
		bad_input(_("Please give your name."))
	if not details.get("customer_email"):
		bad_input(_("Please give a valid email address."))
