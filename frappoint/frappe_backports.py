"""Fixes from newer Frappe v15 releases that the customer portal depends on, applied only while the
running Frappe still has the bug. Each names its upstream change; delete it once every supported
Frappe includes that change. Nothing here changes what a user may see or do, only how fast.
"""

import inspect

import frappe

_applied = False


def apply() -> None:
	"""`before_request` hook: patch once per process; a no-op on every later request."""
	global _applied
	if _applied:
		return
	_applied = True
	cache_empty_workspace_permissions()


def cache_empty_workspace_permissions() -> bool:
	"""frappe/frappe#31446 ("perf: workspace cache thrashing"): `Workspace.get_cached` took a cached
	empty list for a miss. Guests and website users have no desk modules, so every website page they
	opened rebuilt their permissions once per workspace while computing the page's boot data: about a
	second per page on a site with ERPNext's workspaces, on every portal page and on the
	/website_script.js each page loads. Returns whether the patch was needed."""
	from frappe.desk.desktop import Workspace

	if "if value:" not in inspect.getsource(Workspace.get_cached):
		return False  # this Frappe has the fix

	def get_cached(self, cache_key, fallback_fn):
		# expires=True: a miss must not be remembered as None in the request-local cache, or every
		# later workspace of the same request (and of a whole test process) misses again.
		value = frappe.cache.get_value(cache_key, user=frappe.session.user, expires=True)
		if value is not None:
			return value
		value = fallback_fn()
		frappe.cache.set_value(cache_key, value, frappe.session.user, 21600)  # six hours, as upstream
		return value

	Workspace.get_cached = get_cached
	return True
