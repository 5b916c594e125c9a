# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceUnit(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		capacity: DF.Int
		description: DF.SmallText | None
		disabled: DF.Check
		location: DF.Link | None
		unit_name: DF.Data
		unit_type: DF.Link
	# end: auto-generated types

	pass
