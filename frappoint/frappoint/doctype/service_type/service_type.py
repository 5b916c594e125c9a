# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.booking import records
from frappoint.booking.errors import InvalidBookingInput, refuse_input
from frappoint.integrations import erpnext
from frappoint.scheduling import InvalidInput


class ServiceType(Document):
	def validate(self):
		try:
			records.service_rule(self)
			records.price_tiers(self)
			records.payment_rule(self)
		except InvalidInput as e:
			refuse_input(e, title=_("Invalid service"))
		if not self.pricing_tiers:
			frappe.throw(_("Add at least one pricing tier."), exc=InvalidBookingInput)
		names = [t.tier for t in self.pricing_tiers]
		if len(names) != len(set(names)):
			frappe.throw(_("Each pricing tier needs its own name."), exc=InvalidBookingInput)
		if self.emergency_reserved_seats and not any(t.is_emergency for t in self.pricing_tiers):
			frappe.throw(
				_("Seats reserved for emergencies need an emergency pricing tier."), exc=InvalidBookingInput
			)
		erpnext.validate_service(self)
