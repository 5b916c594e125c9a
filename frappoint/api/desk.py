"""Endpoints behind desk forms and buttons."""

import json

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.api.inputs import bad_input, parse_day, text
from frappoint.booking.availability import providers_for
from frappoint.booking.resource_day import bookings_on


@frappe.whitelist()
def providers_for_service(doctype=None, txt=None, searchfield=None, start=0, page_len=20, filters=None):
	"""The provider field's search in the desk (a link query's signature), for users who may read
	providers. `searchfield` is not used: the names are matched in Python."""
	if not frappe.has_permission("Service Provider", "read"):
		frappe.throw(_("You are not permitted to list providers."), frappe.PermissionError)
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)  # the desk sends a dict; a URL sends JSON text
		except ValueError:
			bad_input(_("filters must be a JSON object."))
	if filters is not None and not isinstance(filters, dict):
		bad_input(_("filters must be a JSON object."))
	txt = text(txt, "txt") or ""
	service_type = text(filters.get("service_type"), "service_type") if filters else None
	names = (
		providers_for(service_type)
		if service_type
		else frappe.get_all("Service Provider", {"active": 1}, pluck="name")
	)
	start, page_len = max(cint(start), 0), min(max(cint(page_len), 0), 500)
	return [[name] for name in names if txt.lower() in name.lower()][start : start + page_len]


@frappe.whitelist(methods=["POST"])
def generate_all_slots():
	frappe.only_for(("System Manager", "Frappoint Manager"))
	frappe.enqueue(
		"frappoint.tasks.regenerate_all_slots",
		queue="long",
		publish=True,
		job_id="frappoint:slots:all",
		deduplicate=True,
	)


@frappe.whitelist(methods=["GET", "POST"])
def resource_day(day=None) -> dict:
	"""The Resources page: one site day of every active provider's and every unit's bookings (Open
	holds included), for desk users who may read appointments."""
	if not frappe.has_permission("Service Appointment", "read") or frappe.session.user == "Guest":
		frappe.throw(_("You are not permitted to see appointments."), frappe.PermissionError)
	return bookings_on(parse_day(day, "day"))
