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
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from frappoint.frappoint.doctype.service_pricing_tier.service_pricing_tier import ServicePricingTier
		from frappoint.frappoint.doctype.service_required_unit_type.service_required_unit_type import (
			ServiceRequiredUnitType,
		)

		buffer_after_minutes: DF.Int
		buffer_before_minutes: DF.Int
		deposit_type: DF.Literal["Amount", "Percent"]
		deposit_value: DF.Float
		description: DF.TextEditor | None
		disabled: DF.Check
		duration_minutes: DF.Int
		emergency_reserved_seats: DF.Int
		lead_time_minutes: DF.Int
		max_clients_per_slot: DF.Int
		payment_at_booking: DF.Literal["", "Deposit", "Full Payment"]
		pricing_tiers: DF.Table[ServicePricingTier]
		required_skills: DF.SmallText | None
		required_unit_types: DF.Table[ServiceRequiredUnitType]
		service_name: DF.Data

	# end: auto-generated types

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
