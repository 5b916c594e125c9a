# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.records import service_units
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, make_unit, make_unit_type

test_ignore = IGNORED_TEST_RECORDS


class TestServiceUnit(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_units_reach_the_core_with_type_capacity_and_overlap(self):
		chair = make_unit_type(allow_overlap=1)
		unit = make_unit(chair.name, capacity=3)
		[loaded] = service_units({chair.name: 1})
		self.assertEqual((loaded.name, loaded.capacity, loaded.allow_overlap), (unit.name, 3, True))

	def test_disabled_units_are_never_offered(self):
		room = make_unit_type()
		unit = make_unit(room.name)
		unit.db_set("disabled", 1)
		self.assertEqual(service_units({room.name: 1}), [])
