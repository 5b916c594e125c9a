"""The Frappe fixes Frappoint carries (`frappoint/frappe_backports.py`): a workspace permission cache
that is empty is a hit, and a miss is built once per request, not once per workspace."""

import frappe
from frappe.tests.utils import FrappeTestCase


class TestFrappeBackports(FrappeTestCase):
	def test_an_empty_workspace_permission_cache_is_a_hit(self):
		from frappe.desk.desktop import Workspace

		from frappoint.frappe_backports import apply, cache_empty_workspace_permissions

		apply()
		self.assertFalse(cache_empty_workspace_permissions(), "patched once, recognised as fixed")
		frappe.set_user("Guest")
		try:
			frappe.cache.set_value("frappoint_test_key", [], "Guest", 60)
			workspace = Workspace.__new__(Workspace)
			self.assertEqual(workspace.get_cached("frappoint_test_key", lambda: self.fail("rebuilt")), [])
		finally:
			frappe.set_user("Administrator")

	def test_a_miss_is_built_once_not_once_per_workspace(self):
		from frappe.desk.desktop import Workspace

		from frappoint.frappe_backports import apply

		apply()
		key = f"frappoint_test_{frappe.generate_hash(length=8)}"
		built = []
		frappe.set_user("Guest")
		try:
			workspace = Workspace.__new__(Workspace)
			for _ in range(3):  # one request's sidebar asks once per workspace
				self.assertEqual(workspace.get_cached(key, lambda: built.append(1) or []), [])
		finally:
			frappe.cache.delete_value(key, user="Guest")
			frappe.set_user("Administrator")
		self.assertEqual(len(built), 1)
