# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ServiceAppointmentSlot(Document):
	pass


def on_doctype_update():
	# The seat ledger's last line of defence: MariaDB refuses a second live claim on a seat.
	frappe.db.add_unique("Service Appointment Slot", ["seat_key"], constraint_name="unique_live_seat")
	frappe.db.add_index("Service Appointment Slot", ["slot"])
	ensure_provider_index()


def ensure_provider_index():
	"""Availability reads the seats of some providers over a time range: one index range each."""
	frappe.db.add_index(
		"Service Appointment Slot", ["provider", "slot_start_utc"], index_name="provider_start"
	)
