# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.booking import records
from frappoint.booking.errors import InvalidBookingInput
from frappoint.scheduling import InvalidInput
from frappoint.scheduling.slots import require_slot_size


class ServiceAppointmentSettings(Document):
	def validate(self):
		try:
			require_slot_size(int(self.default_slot_minutes or 0))
			records.booking_policy(source=self)  # the same checks the booking service will make
		except InvalidInput as e:
			frappe.throw(str(e), exc=InvalidBookingInput, title=_("Invalid settings"))
		before = self.get_doc_before_save()
		if before and (before.journal_sequence, before.journal_head_hash) != (
			self.journal_sequence,
			self.journal_head_hash,
		):
			frappe.throw(_("The journal head is kept by Frappoint."), exc=InvalidBookingInput)
