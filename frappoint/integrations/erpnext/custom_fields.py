"""The fields Frappoint adds to ERPNext's documents and to its own DocTypes when ERPNext is there
(with the stock, commission and location integrations' own), installed and removed together."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from frappoint.integrations import commissions, stock
from frappoint.integrations.companies import appointment_link
from frappoint.integrations.erpnext.policy import erpnext_installed

CUSTOM_FIELDS = {
	"Service Appointment": [
		{"fieldname": "customer", "label": "Billed Customer", "fieldtype": "Link", "options": "Customer",
		 "insert_after": "accounting_status", "read_only": 1, "no_copy": 1},
		# Staff may pick the customer's own order (a package of sessions) until the booking is confirmed.
		{"fieldname": "sales_order", "label": "Sales Order", "fieldtype": "Link", "options": "Sales Order",
		 "insert_after": "customer", "no_copy": 1, "read_only_depends_on": "eval:doc.status!='Open'"},
		{"fieldname": "sales_invoice", "label": "Sales Invoice", "fieldtype": "Link", "options": "Sales Invoice",
		 "insert_after": "sales_order", "read_only": 1, "no_copy": 1},
		{"fieldname": "no_show_invoice", "label": "No-show Fee Invoice", "fieldtype": "Link",
		 "options": "Sales Invoice", "insert_after": "sales_invoice", "read_only": 1, "no_copy": 1},
		{"fieldname": "payment_request", "label": "Payment Request", "fieldtype": "Link",
		 "options": "Payment Request", "insert_after": "accounting_error_log", "read_only": 1, "no_copy": 1},
		{"fieldname": "payment_entry", "label": "Payment", "fieldtype": "Link", "options": "Payment Entry",
		 "insert_after": "payment_request", "read_only": 1, "no_copy": 1},
		{"fieldname": "amount_paid", "label": "Amount Paid", "fieldtype": "Currency",
		 "insert_after": "payment_entry", "read_only": 1, "no_copy": 1},
		{"fieldname": "credit_note", "label": "Credit Note", "fieldtype": "Link", "options": "Sales Invoice",
		 "insert_after": "amount_paid", "read_only": 1, "no_copy": 1},
		{"fieldname": "cancellation_invoice", "label": "Cancellation Fee Invoice", "fieldtype": "Link",
		 "options": "Sales Invoice", "insert_after": "credit_note", "read_only": 1, "no_copy": 1},
		{"fieldname": "refund_entry", "label": "Refund", "fieldtype": "Link", "options": "Payment Entry",
		 "insert_after": "cancellation_invoice", "read_only": 1, "no_copy": 1},
		{"fieldname": "store_credit", "label": "Kept as Store Credit", "fieldtype": "Currency",
		 "insert_after": "refund_entry", "read_only": 1, "no_copy": 1},
	],
	"Service Type": [
		{"fieldname": "billing_item", "label": "Billing Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "pricing_tiers", "description": "The item on the Sales Order and Sales Invoice."},
		{"fieldname": "company", "label": "Company", "fieldtype": "Link", "options": "Company",
		 "insert_after": "billing_item"},
	],
	"Service Unit": [
		{"fieldname": "billing_item", "label": "Billing Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "capacity", "description": "If set, using this unit adds a line priced from the Item Price."},
	],
	"Service Appointment Settings": [
		{"fieldname": "default_company", "label": "Default Company", "fieldtype": "Link", "options": "Company",
		 "insert_after": "erpnext_section"},
		{"fieldname": "walk_in_customer", "label": "Walk-in Customer", "fieldtype": "Link", "options": "Customer",
		 "insert_after": "guest_customer_policy"},
		{"fieldname": "no_show_fee_item", "label": "No-show Fee Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "charge_no_show_fee", "depends_on": "charge_no_show_fee"},
		{"fieldname": "payment_gateway_account", "label": "Payment Gateway Account", "fieldtype": "Link",
		 "options": "Payment Gateway Account", "insert_after": "payment_window_minutes",
		 "description": "Where customers pay at booking; empty: ERPNext's default gateway account."},
		{"fieldname": "cancellation_fee_item", "label": "Cancellation Fee Item", "fieldtype": "Link",
		 "options": "Item", "insert_after": "late_cancellation_fee",
		 "description": "The item that invoices a late cancellation's fee and the part of a payment kept."},
	],
	"Sales Order": [appointment_link(insert_after="customer")],
	"Sales Invoice": [appointment_link(insert_after="customer")],
	"Payment Request": [appointment_link(insert_after="reference_name")],
	"Payment Entry": [appointment_link(insert_after="party_name")],
}  # fmt: skip


def all_custom_fields() -> dict[str, list[dict]]:
	"""This module's fields and those of the stock, commission and location integrations."""
	from frappoint.integrations import locations

	merged: dict[str, list[dict]] = {}
	for fields in (CUSTOM_FIELDS, stock.CUSTOM_FIELDS, commissions.CUSTOM_FIELDS, locations.CUSTOM_FIELDS):
		for doctype, rows in fields.items():
			merged.setdefault(doctype, []).extend(rows)
	return merged


def install_custom_fields() -> None:
	if erpnext_installed():
		create_custom_fields(all_custom_fields(), ignore_validate=True, update=True)


def remove_custom_fields() -> None:
	for doctype, fields in all_custom_fields().items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
