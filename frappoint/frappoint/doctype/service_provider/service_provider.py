# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from frappoint.booking import records
from frappoint.booking.errors import InvalidBookingInput, refuse_input
from frappoint.scheduling import InvalidInput
from frappoint.scheduling.slots import require_slot_size

# Changing any of these changes which slots exist.
SLOT_SHAPING = ("timezone", "slot_minutes", "slot_capacity", "active")


class ServiceProvider(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from frappoint.frappoint.doctype.service_provider_service.service_provider_service import (
			ServiceProviderService,
		)
		from frappoint.frappoint.doctype.service_provider_shift.service_provider_shift import (
			ServiceProviderShift,
		)

		active: DF.Check
		color: DF.Color | None
		latitude: DF.Float
		location: DF.Link | None
		longitude: DF.Float
		provider_name: DF.Data
		services: DF.Table[ServiceProviderService]
		shifts: DF.Table[ServiceProviderShift]
		skills: DF.SmallText | None
		slot_capacity: DF.Int
		slot_fingerprint: DF.Data | None
		slot_minutes: DF.Int
		timezone: DF.Autocomplete
		user: DF.Link | None

	# end: auto-generated types

	def validate(self):
		try:
			pattern = records.shift_pattern(self) if self.shifts else None
			size = require_slot_size(records.slot_minutes(self))
			if self.latitude or self.longitude:
				records.dispatch_candidate(self, 0)
		except InvalidInput as e:
			refuse_input(e, title=_("Invalid provider"))
		for shift in pattern.shifts if pattern else ():
			if shift.nominal_minutes % size:
				frappe.throw(
					_("A {0}-minute shift cannot be cut into {1}-minute slots.").format(
						shift.nominal_minutes, size
					),
					exc=InvalidBookingInput,
					title=_("Invalid provider"),
				)
		if self.active and not self.shifts:
			frappe.msgprint(
				_("{0} has no weekly shifts yet, so nobody can book them.").format(self.name), alert=True
			)

	def on_update(self):
		before = self.get_doc_before_save()
		shifts_changed = before is None or [
			(r.weekday, str(r.start_time), str(r.end_time)) for r in before.shifts
		] != [(r.weekday, str(r.start_time), str(r.end_time)) for r in self.shifts]
		if shifts_changed or any(before.get(f) != self.get(f) for f in SLOT_SHAPING):
			enqueue_regeneration(self.name)

	@frappe.whitelist(methods=["POST"])
	def generate_slots(self):
		"""Desk button: regenerate now, with progress, and report what changed. Permission is checked
		on the stored provider: `run_doc_method` builds `self` from what the client posted."""
		frappe.get_doc(self.doctype, self.name).check_permission("write")
		from frappoint.booking.slot_generation import regenerate_all  # runs at READ COMMITTED

		return regenerate_all([self.name], publish=True, force=True)[0]  # asked for: the whole horizon


def enqueue_regeneration(provider: str):
	frappe.enqueue(
		"frappoint.tasks.regenerate_provider_slots",
		provider=provider,
		job_id=f"frappoint:slots:{provider}",
		deduplicate=True,
		enqueue_after_commit=True,
	)
