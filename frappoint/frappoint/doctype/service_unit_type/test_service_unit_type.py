# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, make_unit_type

test_ignore = IGNORED_TEST_RECORDS


class TestServiceUnitType(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_unit_type_names_are_unique(self):
		room = make_unit_type()
		with self.assertRaises(frappe.DuplicateEntryError):
			make_unit_type(name=room.name)
