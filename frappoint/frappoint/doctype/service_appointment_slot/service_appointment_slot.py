# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ServiceAppointmentSlot(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		hold_until_utc: DF.Datetime | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		provider: DF.Link | None
		seat_key: DF.Data | None
		seat_no: DF.Int
		slot: DF.Link
		slot_start: DF.Datetime | None
		slot_start_utc: DF.Datetime | None
	# end: auto-generated types

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
