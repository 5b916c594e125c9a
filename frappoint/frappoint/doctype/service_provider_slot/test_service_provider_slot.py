# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.clock import from_db, from_site
from frappoint.booking.slot_generation import slot_name
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestServiceProviderSlot(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_slot_names_are_provider_and_utc_start(self):
		use_booking_settings()
		provider = make_provider([make_service().name])
		row = frappe.get_all(
			"Service Provider Slot",
			filters={"provider": provider.name, "slot_start": at(1, 9)},
			fields=["name", "slot_start", "slot_start_utc"],
		)[0]
		self.assertEqual(row.name, slot_name(provider.name, from_db(row.slot_start_utc)))
		self.assertEqual(from_db(row.slot_start_utc), from_site(row.slot_start))
		self.assertTrue(row.name.endswith("Z"))

	def test_generated_slots_are_indexed_for_booking_reads(self):
		indexes = {
			r.Key_name for r in frappe.db.sql("show index from `tabService Provider Slot`", as_dict=True)
		}
		self.assertIn("provider_slot_start_utc_index", indexes)
