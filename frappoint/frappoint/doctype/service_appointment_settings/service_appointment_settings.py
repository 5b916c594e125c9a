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
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		allow_past_booking: DF.Check
		allow_waitlist: DF.Check
		attach_calendar_invitation: DF.Check
		bill_in_erpnext: DF.Check
		cancellation_cutoff_hours: DF.Int
		charge_no_show_fee: DF.Check
		default_slot_minutes: DF.Int
		desk_bookings_confirmed: DF.Check
		dispatch_weight_distance: DF.Float
		dispatch_weight_skills: DF.Float
		dispatch_weight_workload: DF.Float
		guest_customer_policy: DF.Literal["Create a Customer", "Use the Walk-in Customer"]
		guest_requests_per_minute: DF.Int
		hold_minutes: DF.Int
		holds_per_email: DF.Int
		holds_per_ip: DF.Int
		holds_per_session: DF.Int
		invoice_when: DF.Literal["On Completion", "On Confirmation", "Never"]
		late_cancellation_fee: DF.Currency
		late_moves: DF.Literal["Free", "Charged as a Late Cancellation"]
		late_refund_percent: DF.Percent
		lead_time_minutes: DF.Int
		manage_link_days: DF.Int
		max_advance_days: DF.Int
		max_availability_days: DF.Int
		max_past_days: DF.Int
		no_show_fee_rate: DF.Currency
		notify_customers: DF.Check
		notify_providers: DF.Check
		payment_window_minutes: DF.Int
		refund_cutoff_hours: DF.Int
		reminder_hours: DF.Data | None
		return_payments_as: DF.Literal["Refund", "Store Credit"]
		sales_order_policy: DF.Literal["Create on Confirmation", "Link an Existing Order", "No Sales Order"]
		send_sms: DF.Check
		trusted_proxies: DF.SmallText | None
		waitlist_offer_minutes: DF.Int

	# end: auto-generated types

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

	def on_update(self):
		records.note_settings_saved(self)

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
