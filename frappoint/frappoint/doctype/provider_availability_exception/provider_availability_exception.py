# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.booking.clock import from_site
from frappoint.booking.errors import InvalidBookingInput
from frappoint.frappoint.doctype.service_provider.service_provider import enqueue_regeneration
from frappoint.scheduling import AvailabilityException, InvalidInput


class ProviderAvailabilityException(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from_datetime: DF.Datetime
		kind: DF.Literal["Leave", "Holiday", "Blocked", "Extra Shift"]
		naming_series: DF.Literal["PAE-.YYYY.-"]
		provider: DF.Link
		reason: DF.SmallText | None
		to_datetime: DF.Datetime

	# end: auto-generated types

	def validate(self):
		try:
			AvailabilityException(self.kind, from_site(self.from_datetime), from_site(self.to_datetime))
		except InvalidInput:
			frappe.throw(_("The exception must end after it starts."), exc=InvalidBookingInput)

	def on_update(self):
		enqueue_regeneration(self.provider)

	def on_trash(self):
		enqueue_regeneration(self.provider)
