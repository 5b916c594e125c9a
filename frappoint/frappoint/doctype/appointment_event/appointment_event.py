# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class JournalIsAppendOnly(frappe.PermissionError):
	pass


class AppointmentEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		actor: DF.Data | None
		appointment: DF.Link | None
		changes: DF.Code | None
		event_type: DF.Data | None
		hash: DF.Data | None
		party: DF.Data | None
		prev_hash: DF.Data | None
		sequence: DF.Int
		signature: DF.SmallText | None
		stream_seq: DF.Int
		timestamp_ns: DF.Data | None

	# end: auto-generated types

	def before_insert(self):
		if not self.flags.from_journal:
			frappe.throw(_("Journal events are written by Frappoint only."), exc=JournalIsAppendOnly)

	def validate(self):
		if not self.is_new():
			frappe.throw(_("Journal events cannot be changed."), exc=JournalIsAppendOnly)

	def on_trash(self):
		frappe.throw(_("Journal events cannot be deleted."), exc=JournalIsAppendOnly)


def on_doctype_update():
	frappe.db.add_unique("Appointment Event", ["sequence"], constraint_name="unique_journal_sequence")
	# Not unique: events from before per-appointment chains all stand at place 0. One writer per
	# chain is the appointment's row lock; verification names any place taken twice.
	frappe.db.add_index("Appointment Event", ["appointment", "stream_seq"])
