"""Install, migrate and uninstall steps: what every site running Frappoint must have."""

import frappe
from frappe.model import no_value_fields

from frappoint.booking.journal import (
	drop_triggers,
	ensure_order_sequence,
	ensure_site_keys,
	ensure_triggers,
)
from frappoint.booking.numbering import ensure_appointment_numbers
from frappoint.frappoint.doctype.service_appointment_slot.service_appointment_slot import (
	ensure_provider_index,
)
from frappoint.integrations.erpnext import install_custom_fields, remove_custom_fields
from frappoint.notifications.templates import ensure_email_templates

ROLES = ("Frappoint Manager", "Frappoint User", "Service Provider")


def after_install():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)
	after_migrate()  # Settings get the defaults of their DocType (ensure_settings_defaults)


def after_migrate():
	"""What every site needs, made if missing: install and each migrate (idempotent)."""
	ensure_settings_defaults()
	ensure_site_keys()
	ensure_order_sequence()
	ensure_appointment_numbers()
	ensure_triggers()
	ensure_provider_index()
	install_custom_fields()
	ensure_email_templates()
	ensure_report_indexes()


def ensure_report_indexes():
	"""The booking funnel reads the journal by kind and time (made here: `on_doctype_update` runs only
	when a DocType changes)."""
	frappe.db.add_index("Appointment Event", ["event_type", "creation"], index_name="event_type_creation")


def ensure_settings_defaults():
	"""A Settings field without a stored row gets its default: Frappe fills defaults only for a Single
	saved for the first time, and a later save would store the new field as 0 (all-zero dispatch
	weights, say)."""
	settings = "Service Appointment Settings"
	stored = set(frappe.db.sql_list("select field from `tabSingles` where doctype = %s", settings))
	for df in frappe.get_meta(settings).fields:
		if df.default is not None and df.fieldtype not in no_value_fields and df.fieldname not in stored:
			frappe.db.set_single_value(settings, df.fieldname, df.default)


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
