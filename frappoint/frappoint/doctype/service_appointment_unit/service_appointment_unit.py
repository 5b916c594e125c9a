# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ServiceAppointmentUnit(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		block_end: DF.Datetime | None
		block_end_utc: DF.Datetime | None
		block_start: DF.Datetime | None
		block_start_utc: DF.Datetime | None
		hold_until_utc: DF.Datetime | None
		live: DF.Check
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		service_unit: DF.Link
		unit_type: DF.Link | None
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Service Appointment Unit", ["service_unit", "block_start_utc"])
