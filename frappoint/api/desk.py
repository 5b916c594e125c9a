"""Endpoints behind desk forms and buttons."""

import frappe

from frappoint.booking.availability import providers_for


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def providers_for_service(doctype, txt, searchfield, start, page_len, filters):
	service_type = (filters or {}).get("service_type")
	names = (
		providers_for(service_type)
		if service_type
		else frappe.get_all("Service Provider", {"active": 1}, pluck="name")
	)
	return [[name] for name in names if (txt or "").lower() in name.lower()][
		int(start) : int(start) + int(page_len)
	]


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
