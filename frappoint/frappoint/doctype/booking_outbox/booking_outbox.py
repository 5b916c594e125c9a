# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class BookingOutbox(Document):
	"""Written and run by `booking.outbox` only, in SQL; the desk reads it (what is pending or failed)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		arguments: DF.Code | None
		attempts: DF.Int
		done_utc: DF.Datetime | None
		job_key: DF.Data | None
		last_error: DF.SmallText | None
		method: DF.Data | None
		not_before_utc: DF.Datetime | None
		run_as: DF.Data | None
		status: DF.Literal["Pending", "Done", "Failed"]
	# end: auto-generated types

	pass


def on_doctype_update():
	# The dispatcher's question: what is pending and due, oldest first.
	frappe.db.add_index("Booking Outbox", ["status", "not_before_utc"], index_name="pending_due")
