# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceUnitType(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		allow_overlap: DF.Check
		description: DF.SmallText | None
		unit_type_name: DF.Data
	# end: auto-generated types

	pass
