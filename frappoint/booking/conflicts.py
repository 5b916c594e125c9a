"""Booked appointments their provider's availability no longer covers (new leave, a holiday, a shift
change): found by slot regeneration, flagged on the appointment (*Outside Availability*, a list
filter), counted on the provider's form, with a dispatch suggestion for staff. Nothing is moved or
cancelled on its own: staff reassign, reschedule, or ask the customer to pick a new time."""

import frappe
from frappe import _
from frappe.utils import format_datetime

from frappoint.booking import records
from frappoint.booking.clock import from_db, to_db
from frappoint.booking.dispatch import pick_provider
from frappoint.scheduling import NotBookable, tier_named

APPOINTMENT = "Service Appointment"


def reflag(provider: str, range_start, range_end, conflicting: set[str]) -> None:
	"""After a regeneration of `provider` over [range_start, range_end): flag the live appointments
	whose slots no longer fit, and clear the flag of those in range that fit again (leave withdrawn)."""
	flagged = set(
		frappe.get_all(
			APPOINTMENT,
			filters={
				"provider": provider,
				"availability_conflict": 1,
				"start_utc": ("between", [to_db(range_start), to_db(range_end)]),
			},
			pluck="name",
		)
	)
	if new := sorted(conflicting - flagged):
		note = _("Outside {0}'s availability (leave, a holiday or a shift change), noticed {1}.").format(
			provider, format_datetime(frappe.utils.now_datetime(), "d MMM yyyy HH:mm")
		)
		frappe.db.set_value(
			APPOINTMENT,
			{"name": ("in", new)},
			{"availability_conflict": 1, "availability_note": note},
			update_modified=False,
		)
	if fit_again := sorted(flagged - conflicting):
		clear(fit_again)


def clear(names: list[str]) -> None:
	frappe.db.set_value(
		APPOINTMENT,
		{"name": ("in", names)},
		{"availability_conflict": 0, "availability_note": None},
		update_modified=False,
	)


def suggest_provider(name: str) -> str | None:
	"""Dispatch's choice of another provider free at the appointment's time (at its location, if it
	has one: the customer comes there), or None."""
	doc = frappe.get_doc(APPOINTMENT, name)
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	emergency = tier_named(records.price_tiers(service), doc.pricing_tier).emergency
	try:
		chosen = pick_provider(
			service,
			from_db(doc.start_utc),
			emergency,
			records.location(doc.job_latitude, doc.job_longitude),
			exclude={doc.provider},
			location=doc.get("location"),
		)
	except NotBookable:
		return None
	return chosen.name
