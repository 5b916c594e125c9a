"""Commissions: the provider's Sales Person on the Sales Team of the orders and invoices Frappoint makes.

It only names who earned the sale; ERPNext computes each share (`allocated_amount`, `incentives`) in
`SellingController.calculate_contribution` and its commission reports read them. The invoice gets the
team from the order through ERPNext's mapper."""

import frappe

# Custom fields on ERPNext (and Frappoint) doctypes, installed with erpnext.CUSTOM_FIELDS.
CUSTOM_FIELDS: dict[str, list[dict]] = {
	"Service Provider": [
		{"fieldname": "sales_person", "label": "Sales Person", "fieldtype": "Link", "options": "Sales Person",
		 "insert_after": "user",
		 "description": "Credited, at its commission rate, on the orders and invoices of this provider."},
	],
}  # fmt: skip


def apply_sales_team(transaction, doc) -> None:
	"""Add the provider's Sales Person (with its commission rate) to a Sales Order or Sales Invoice."""
	sales_person = doc.provider and frappe.db.get_value("Service Provider", doc.provider, "sales_person")
	if not sales_person:
		return  # ERPNext then fills the customer's own sales team, if it has one
	# Set before `set_missing_values`, which only fills a sales team that is empty.
	transaction.set("sales_team", [])
	transaction.append(
		"sales_team",
		{
			"sales_person": sales_person,
			"allocated_percentage": 100,
			"commission_rate": frappe.db.get_value("Sales Person", sales_person, "commission_rate"),
		},
	)
