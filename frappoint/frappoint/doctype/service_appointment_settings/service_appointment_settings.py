# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import ipaddress

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.booking import records
from frappoint.booking.errors import InvalidBookingInput, refuse_input
from frappoint.integrations import erpnext
from frappoint.scheduling import InvalidInput, parse_reminder_hours
from frappoint.scheduling.slots import require_slot_size


class ServiceAppointmentSettings(Document):
	def validate(self):
		try:
			require_slot_size(int(self.default_slot_minutes or 0))
			records.booking_policy(source=self)  # the same checks the booking service will make
			records.dispatch_weights(source=self)
			parse_reminder_hours(self.reminder_hours)
			records.cancellation_policy(source=self)
		except InvalidInput as e:
			refuse_input(e, title=_("Invalid settings"))
		self.validate_trusted_proxies()
		if self.has_value_changed("bill_in_erpnext"):
			erpnext.validate_settings(self)

	def validate_trusted_proxies(self):
		for line in (self.trusted_proxies or "").replace(",", "\n").splitlines():
			try:
				line.strip() and ipaddress.ip_network(line.strip(), strict=False)
			except ValueError:
				frappe.throw(
					_("{0} is not an IP address or network (CIDR).").format(frappe.bold(line.strip())),
					exc=InvalidBookingInput,
					title=_("Invalid settings"),
				)
