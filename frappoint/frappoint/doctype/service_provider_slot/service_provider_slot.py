# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from frappoint.booking.clock import from_db, from_site, put
from frappoint.booking.slot_generation import slot_name


class ServiceProviderSlot(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		capacity: DF.Int
		provider: DF.Link
		shift_start: DF.Datetime | None
		shift_start_utc: DF.Datetime | None
		slot_end: DF.Datetime
		slot_end_utc: DF.Datetime | None
		slot_start: DF.Datetime
		slot_start_utc: DF.Datetime | None

	# end: auto-generated types

	# Slots are written in bulk by slot generation; one made by hand gets its UTC columns here.
	def autoname(self):
		if not self.slot_start_utc:
			for field in ("slot_start", "slot_end", "shift_start"):
				put(self, from_site(self.get(field)), f"{field}_utc")
		self.name = slot_name(self.provider, from_db(self.slot_start_utc))


def on_doctype_update():
	frappe.db.add_index("Service Provider Slot", ["provider", "slot_start_utc"])
	frappe.db.add_index("Service Provider Slot", ["provider", "shift_start_utc"])
