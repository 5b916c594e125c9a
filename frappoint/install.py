"""Install, migrate and uninstall steps: what every site running Frappoint must have."""

import frappe

from frappoint.booking.journal import (
	drop_triggers,
	ensure_order_sequence,
	ensure_site_keys,
	ensure_triggers,
)
from frappoint.integrations.erpnext import install_custom_fields, remove_custom_fields

ROLES = ("Frappoint Manager", "Frappoint User", "Service Provider")
SETTINGS_DEFAULTS = {
	"max_advance_days": 60,
	"lead_time_minutes": 60,
	"cancellation_cutoff_hours": 24,
	"default_slot_minutes": 15,
	"hold_minutes": 10,
}


def after_install():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)
	settings = frappe.get_single("Service Appointment Settings")
	for field, value in SETTINGS_DEFAULTS.items():
		if not settings.get(field):
			frappe.db.set_single_value("Service Appointment Settings", field, value)
	ensure_site_keys()
	ensure_order_sequence()
	ensure_triggers()
	install_custom_fields()


def after_migrate():
	ensure_site_keys()
	ensure_order_sequence()
	ensure_triggers()
	install_custom_fields()


def after_app_install(app_name):
	"""ERPNext installed after Frappoint: add the accounting links now."""
	if app_name == "erpnext":
		install_custom_fields()


def before_uninstall():
	drop_triggers()
	remove_custom_fields()
	frappe.db.delete("Singles", {"doctype": "Service Appointment Settings"})


def before_tests():
	"""`run-tests --app frappoint` runs only this app's hook: prepare ERPNext too when present."""
	frappe.clear_cache()
	if "erpnext" in frappe.get_installed_apps():
		from erpnext.setup.utils import before_tests as erpnext_before_tests

		erpnext_before_tests()
	frappe.db.commit()
