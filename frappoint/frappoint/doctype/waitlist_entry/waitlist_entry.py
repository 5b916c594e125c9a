# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from frappoint.booking import waitlist


class WaitlistEntry(Document):
	def validate(self):
		waitlist.fill_range(self)

	def after_insert(self):
		waitlist.enqueue_offers(self.service_type, self.name)


def on_doctype_update():
	import frappe

	frappe.db.add_index("Waitlist Entry", ["service_type", "status", "creation"])
