# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from frappoint.booking.clock import from_site
from frappoint.booking.slot_generation import slot_name


class ServiceProviderSlot(Document):
	def autoname(self):
		self.name = slot_name(self.provider, from_site(self.slot_start))


def on_doctype_update():
	frappe.db.add_index("Service Provider Slot", ["provider", "slot_start"])
	frappe.db.add_index("Service Provider Slot", ["provider", "shift_start"])
