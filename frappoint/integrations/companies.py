"""Which company an appointment's documents (order, invoices, payments, stock issue) belong to, the
link on each of them back to the appointment, and the appointment's links to them."""

import frappe
from frappe import _

from frappoint.booking.records import settings
from frappoint.integrations import locations

APPOINTMENT = "Service Appointment"


class NoCompany(frappe.ValidationError):
	pass


def company_of(appointment, service=None) -> str:
	"""The company of the appointment's location, else its service's, else Frappoint's default, else
	ERPNext's."""
	service = service or frappe.get_cached_doc("Service Type", appointment.service_type)
	company = (
		locations.billing_company(appointment)
		or service.get("company")
		or settings().default_company
		or frappe.defaults.get_global_default("company")
	)
	if not company:
		frappe.throw(_("Set a Default Company in Service Appointment Settings."), exc=NoCompany)
	return company


def appointment_link(insert_after: str) -> dict:
	"""The read-only custom field on an ERPNext document that names the appointment it was made for."""
	return {"fieldname": "service_appointment", "label": "Service Appointment", "fieldtype": "Link",
		"options": "Service Appointment", "insert_after": insert_after, "read_only": 1, "no_copy": 1}  # fmt: skip


def store(doc, values: dict) -> None:
	"""Write accounting fields straight to the appointment's row, which the step holds locked: `db_set`
	would reload the whole document with its ledger rows for nothing but a timestamp check."""
	frappe.db.set_value(APPOINTMENT, doc.name, values, update_modified=False)
	doc.update(values)
