# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from frappoint.booking import waitlist


class WaitlistEntry(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		appointment: DF.Link | None
		customer_email: DF.Data
		customer_name: DF.Data
		customer_phone: DF.Data | None
		customer_timezone: DF.Data | None
		earliest_utc: DF.Datetime | None
		first_day: DF.Date
		last_day: DF.Date
		latest_utc: DF.Datetime | None
		offered_at: DF.Datetime | None
		provider: DF.Link | None
		service_type: DF.Link
		status: DF.Literal["Waiting", "Offered", "Booked", "Offer Lapsed", "Withdrawn", "Expired"]

	# end: auto-generated types

	def validate(self):
		waitlist.fill_range(self)

	def after_insert(self):
		waitlist.enqueue_offers(self.service_type, self.name)


def on_doctype_update():
	import frappe

	frappe.db.add_index("Waitlist Entry", ["service_type", "status", "creation"])
