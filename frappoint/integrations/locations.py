"""Locations and companies on ERPNext: the company a location bills under.

A Service Location is a Frappoint DocType (it works on Frappe alone); only its link to an ERPNext
Company is a custom field, installed with the others (`erpnext.all_custom_fields`). Which units a
booking may use at a location is the core's rule (`scheduling.resources.usable_at`), not this module's.
"""

import frappe

# Custom fields on ERPNext-linked doctypes, installed with erpnext.CUSTOM_FIELDS.
CUSTOM_FIELDS: dict[str, list[dict]] = {
	"Service Location": [
		{"fieldname": "company", "label": "Company", "fieldtype": "Link", "options": "Company",
		 "insert_after": "disabled", "description": "Appointments at this location are billed by this company."},
	],
}  # fmt: skip


def billing_company(appointment) -> str | None:
	"""The company of the appointment's location, if it has one (else the caller falls back to the
	service's company and the default)."""
	location = appointment.get("location")
	if not location:
		return None
	return frappe.db.get_value("Service Location", location, "company") or None
