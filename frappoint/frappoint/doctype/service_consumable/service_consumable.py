# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ServiceConsumable(Document):
	pass
