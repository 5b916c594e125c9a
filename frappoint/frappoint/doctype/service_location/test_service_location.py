# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, make_location

# Without this the runner would build ERPNext's Company test records through the location's company.
test_ignore = IGNORED_TEST_RECORDS


class TestServiceLocation(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_location_names_are_unique(self):
		north = make_location()
		with self.assertRaises(frappe.DuplicateEntryError):
			make_location(name=north.name)
