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
	def validate(self):
		try:
			AvailabilityException(self.kind, from_site(self.from_datetime), from_site(self.to_datetime))
		except InvalidInput:
			frappe.throw(_("The exception must end after it starts."), exc=InvalidBookingInput)

	def on_update(self):
		enqueue_regeneration(self.provider)

	def on_trash(self):
		enqueue_regeneration(self.provider)
