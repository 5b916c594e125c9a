# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.frappoint.doctype.appointment_event.appointment_event import JournalIsAppendOnly


class JournalCheckpoint(Document):
	"""Written by `journal.checkpoint` only, in SQL; the desk can read, never write."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		covered: DF.Int
		covers: DF.Code | None
		hash: DF.Data | None
		legacy_head: DF.Data | None
		number: DF.Int
		prev_hash: DF.Data | None
		signature: DF.SmallText | None
	# end: auto-generated types

	def before_insert(self):
		frappe.throw(_("Journal checkpoints are written by Frappoint only."), exc=JournalIsAppendOnly)

	def validate(self):
		frappe.throw(_("Journal checkpoints cannot be changed."), exc=JournalIsAppendOnly)

	def on_trash(self):
		frappe.throw(_("Journal checkpoints cannot be deleted."), exc=JournalIsAppendOnly)


def on_doctype_update():
	frappe.db.add_unique("Journal Checkpoint", ["number"], constraint_name="unique_checkpoint_number")
