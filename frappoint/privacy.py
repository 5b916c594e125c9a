"""Personal data: a customer's export includes their appointments and journal events. Erasure needs
nothing here: Frappe redacts the appointments (`user_data_fields`) and the journal holds no personal
data, only record names and salted hashes."""

import json

import frappe


def customer_data(email: str) -> dict:
	appointments = frappe.get_all(
		"Service Appointment", filters={"customer_email": email}, fields=["*"], order_by="creation asc"
	)
	events = frappe.get_all(
		"Appointment Event",
		filters={"appointment": ("in", [a.name for a in appointments] or [""])},
		fields=["sequence", "appointment", "event_type", "actor", "timestamp_ns", "changes", "hash"],
		order_by="sequence asc",
	)
	return {"Service Appointment": appointments, "Appointment Event": events}


def attach_appointment_data(request, method=None):
	"""Attach the customer's appointments and events to a Personal Data Download Request."""
	email = frappe.db.get_value("User", request.user, "email") or request.user
	frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"Frappoint-Appointments-{request.name}.json",
			"attached_to_doctype": request.doctype,
			"attached_to_name": request.name,
			"content": json.dumps(customer_data(email), indent=1, default=str),
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
