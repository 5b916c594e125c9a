"""Sites from before the "Bill Appointments in ERPNext" switch billed every appointment: keep that."""

import frappe

SETTINGS = "Service Appointment Settings"


def execute():
	# A Single's new Check field has no row yet; a row means someone chose.
	if not frappe.db.exists("Singles", {"doctype": SETTINGS, "field": "bill_in_erpnext"}):
		frappe.db.set_single_value(SETTINGS, "bill_in_erpnext", 1)
