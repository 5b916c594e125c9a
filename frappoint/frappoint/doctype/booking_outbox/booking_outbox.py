# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class BookingOutbox(Document):
	"""Written and run by `booking.outbox` only, in SQL; the desk reads it (what is pending or failed)."""

	pass


def on_doctype_update():
	# The dispatcher's question: what is pending and due, oldest first.
	frappe.db.add_index("Booking Outbox", ["status", "not_before_utc"], index_name="pending_due")
