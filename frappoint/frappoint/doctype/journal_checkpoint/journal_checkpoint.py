# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.frappoint.doctype.appointment_event.appointment_event import JournalIsAppendOnly


class JournalCheckpoint(Document):
	"""Written by `journal.checkpoint` only, in SQL; the desk can read, never write."""

	def before_insert(self):
		frappe.throw(_("Journal checkpoints are written by Frappoint only."), exc=JournalIsAppendOnly)

	def validate(self):
		frappe.throw(_("Journal checkpoints cannot be changed."), exc=JournalIsAppendOnly)

	def on_trash(self):
		frappe.throw(_("Journal checkpoints cannot be deleted."), exc=JournalIsAppendOnly)


def on_doctype_update():
	frappe.db.add_unique("Journal Checkpoint", ["number"], constraint_name="unique_checkpoint_number")
