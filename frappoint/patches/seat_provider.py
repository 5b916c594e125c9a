"""Seats learn their slot's provider (availability reads the seats of the providers it asks about,
through the index on provider and start)."""

import frappe

from frappoint.frappoint.doctype.service_appointment_slot.service_appointment_slot import (
	ensure_provider_index,
)


def execute():
	frappe.db.sql(
		"""update `tabService Appointment Slot` seat
		join `tabService Provider Slot` slot on slot.name = seat.slot
		set seat.provider = slot.provider
		where seat.provider is null"""
	)
	ensure_provider_index()
