# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document
from frappe.utils import cast, validate_email_address

from frappoint.booking import actions, conflicts, journal
from frappoint.booking.clock import from_db
from frappoint.booking.errors import InvalidBookingInput
from frappoint.booking.locks import read_committed, retry_contention
from frappoint.booking.numbering import appointment_name
from frappoint.notifications import changes
from frappoint.permissions import is_staff

# Set by the booking service, the accounting job or Frappe itself, never by a form or PUT: every
# read-only field (custom ones too), the provider (changed by Reassign) and the ledger tables.
# `title` and `color` follow other fields.
SERVER_SET = ("provider",)
DERIVED = ("title", "color")
# Staff may pick the customer's own Sales Order until the booking is confirmed and billed from it.
CHOSEN_WHILE_OPEN = ("sales_order",)
PARTY_TYPES = ("Customer", "Lead", "Contact")
# Longer text is refused with a 400 before MariaDB's TEXT column (64 KB) would fail the save with a 500.
MAX_TEXT_LENGTH = 10_000
LEDGERS = {
	"slots": ("slot", "seat_no", "seat_key", "hold_until_utc"),
	"units": ("service_unit", "block_start_utc", "block_end_utc", "hold_until_utc", "live"),
}


def protected_fields(meta) -> list:
	return [
		df
		for df in meta.fields
		if df.fieldtype not in no_value_fields
		and df.fieldname not in LEDGERS
		and df.fieldname not in DERIVED
		and (df.read_only or df.fieldname in SERVER_SET)
	]


def ledger(doc, table: str) -> list[tuple[str, ...]]:
	return [tuple(str(row.get(f) or "") for f in LEDGERS[table]) for row in doc.get(table)]


class ServiceAppointment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from frappoint.frappoint.doctype.service_appointment_slot.service_appointment_slot import (
			ServiceAppointmentSlot,
		)
		from frappoint.frappoint.doctype.service_appointment_unit.service_appointment_unit import (
			ServiceAppointmentUnit,
		)

		accounting_action: DF.Data | None
		accounting_error: DF.SmallText | None
		accounting_error_log: DF.Link | None
		accounting_status: DF.Literal["", "Pending", "Done", "Failed"]
		amount_due_at_booking: DF.Currency
		availability_conflict: DF.Check
		availability_note: DF.SmallText | None
		block_end_utc: DF.Datetime | None
		block_start_utc: DF.Datetime | None
		cancellation_reason: DF.SmallText | None
		color: DF.Color | None
		customer_email: DF.Data | None
		customer_name: DF.Data
		customer_phone: DF.Data | None
		customer_timezone: DF.Data | None
		end_time: DF.Datetime | None
		end_utc: DF.Datetime | None
		hold_expires_at: DF.Datetime | None
		hold_expires_utc: DF.Datetime | None
		job_address: DF.SmallText | None
		job_latitude: DF.Float
		job_longitude: DF.Float
		journal_hash: DF.Data | None
		journal_seq: DF.Int
		late_cancellation: DF.Check
		location: DF.Link | None
		naming_series: DF.Literal["APT-.YYYY.-"]
		notes: DF.SmallText | None
		overbooked: DF.SmallText | None
		override_reason: DF.SmallText | None
		party: DF.DynamicLink | None
		party_type: DF.Link | None
		payment_window_ends_utc: DF.Datetime | None
		pricing_tier: DF.Literal[None]
		provider: DF.Link | None
		rate: DF.Currency
		requested_start: DF.Datetime
		rescheduled_from: DF.Link | None
		rescheduled_to: DF.Link | None
		service_type: DF.Link
		slots: DF.Table[ServiceAppointmentSlot]
		source: DF.Literal["Desk", "Portal", "API"]
		start_time: DF.Datetime | None
		start_utc: DF.Datetime | None
		started_at: DF.Datetime | None
		status: DF.Literal["Open", "Confirmed", "Completed", "Cancelled", "No Show"]
		title: DF.Data | None
		units: DF.Table[ServiceAppointmentUnit]
	# end: auto-generated types

	def autoname(self):
		self.name = appointment_name(self)  # lock-free numbering: see booking.numbering

	def load_doc_before_save(self, *, raise_exception: bool = False):
		# A booking action loaded this document under its row lock a moment ago (`ledger.
		# lock_appointment`): that copy is the stored one, so saving need not read it a second time.
		if (stored := self.flags.pop("stored_copy", None)) is not None:
			self._doc_before_save = stored
			return
		super().load_doc_before_save(raise_exception=raise_exception)

	def before_insert(self):
		# The journal is a booking's history (signed, shown in the timeline): no Version row as well.
		self.flags.ignore_version = True
		self.refuse_overlong_text()
		actions.place_hold(self)

	def refuse_overlong_text(self):
		"""Frappe checks the length of short (varchar) fields only; the TEXT ones are checked here."""
		for df in self.meta.get("fields", {"fieldtype": ("in", ("Small Text", "Text", "Long Text"))}):
			value = self.get(df.fieldname)
			if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
				frappe.throw(
					_("{0} may be at most {1} characters long.").format(_(df.label), MAX_TEXT_LENGTH),
					exc=InvalidBookingInput,
					title=_("Invalid input"),
				)

	def validate(self):
		self.refuse_overlong_text()
		if self.party_type and self.party_type not in PARTY_TYPES:
			frappe.throw(_("Customer Type must be Customer, Lead or Contact."), exc=InvalidBookingInput)
		if self.customer_email:
			validate_email_address(self.customer_email.strip(), throw=True)
		self.title = f"{self.customer_name} · {self.service_type}"
		# Not left to `fetch_from`, which Frappe applies only while it checks links: the booking paths
		# insert and save without that check, and the calendar would draw their appointments grey.
		self.color = (
			frappe.get_cached_value("Service Provider", self.provider, "color") if self.provider else None
		)
		if not self.is_new() and not self.flags.booking_action:
			self.refuse_direct_changes()

	def refuse_direct_changes(self):
		before = self.get_doc_before_save()
		if not before:
			return
		changed = [
			df.fieldname
			for df in protected_fields(self.meta)
			if cast(df.fieldtype, before.get(df.fieldname)) != cast(df.fieldtype, self.get(df.fieldname))
		]
		changed += [table for table in LEDGERS if ledger(before, table) != ledger(self, table)]
		# Staff only, and only while Open: a provider linking any order (another customer's) to their
		# own job would have it billed from there.
		staff = is_staff(frappe.session.user)
		changed += [
			field
			for field in CHOSEN_WHILE_OPEN
			if (before.status != "Open" or not staff)
			and self.meta.has_field(field)
			and before.get(field) != self.get(field)
		]
		if changed:
			frappe.throw(
				_(
					"{0} change only through the appointment's actions (Confirm, Cancel, Reschedule...)."
				).format(", ".join(_(self.meta.get_label(f)) for f in changed)),
				exc=InvalidBookingInput,
			)

	def after_insert(self):
		event = self.flags.journal_event or ("confirmed" if self.status == "Confirmed" else "held")
		journal.record(
			self,
			event,
			{
				"status": [None, self.status],
				"service_type": self.service_type,
				"provider": self.provider,
				"start": from_db(self.start_utc),
				"end": from_db(self.end_utc),
				"slots": [row.slot for row in self.slots],
				"units": [row.service_unit for row in self.units],
				"rate": self.rate,
				"rescheduled_from": self.rescheduled_from,
				**({"override_reason": self.override_reason} if self.override_reason else {}),
				**(self.flags.journal_extra or {}),  # e.g. what a booking outside the rules overbooked
			},
			head_loaded=True,  # just inserted: the chain starts here
		)

	# Desk actions: each checks write permission on the stored record, then delegates to the booking
	# service. `run_doc_method` builds `self` from what the client posted: a forged provider there
	# would pass a check on `self`, while the action runs on the stored appointment.
	def check_stored_permission(self, ptype: str = "write") -> None:
		"""Actions change state: POST only (Frappe's /api/resource/<doctype>/<name>/<method> route
		runs a whitelisted method on GET too), checked against the stored record."""
		request = getattr(frappe.local, "request", None)
		if request is not None and request.method != "POST":
			frappe.throw(_("Change an appointment with a POST request."), frappe.PermissionError)
		frappe.get_doc(self.doctype, self.name).check_permission(ptype)
		read_committed()  # the action locks rows only: see booking.locks

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def confirm(self):
		self.check_stored_permission()
		return actions.confirm(self.name).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def start(self):
		self.check_stored_permission()
		return actions.start(self.name).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def reassign(self, provider: str):
		self.check_stored_permission()
		return actions.reassign(self.name, provider).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def complete(self):
		self.check_stored_permission()
		return actions.complete(self.name).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def mark_no_show(self):
		self.check_stored_permission()
		return actions.mark_no_show(self.name).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def cancel_appointment(self, reason: str | None = None):
		self.check_stored_permission()
		return actions.cancel(self.name, reason=reason).as_dict()

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def retry_accounting(self):
		self.check_stored_permission()
		from frappoint.integrations.erpnext import retry

		retry(self.name)

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def suggest_provider(self):
		"""Outside availability: dispatch's choice of another provider free at this time, or None."""
		self.check_stored_permission("read")
		return conflicts.suggest_provider(self.name)

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def ask_customer_to_reschedule(self):
		"""Email the customer a link to choose a new time; False if they were asked before."""
		self.check_stored_permission()
		if frappe.db.get_value(self.doctype, self.name, "status") not in ("Open", "Confirmed"):
			frappe.throw(_("Only an upcoming appointment can be moved."), exc=InvalidBookingInput)
		return changes.request_new_time(self.name)

	@frappe.whitelist(methods=["POST"])
	@retry_contention
	def reschedule(self, new_start: str, provider: str | None = None):
		self.check_stored_permission()
		return actions.reschedule(self.name, new_start, provider=provider or None).name
