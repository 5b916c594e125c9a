# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ServiceAppointmentUnit(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("Service Appointment Unit", ["service_unit", "block_start_utc"])
