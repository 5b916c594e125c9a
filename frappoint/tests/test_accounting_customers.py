"""Who is billed: leads and contacts become ERPNext Customers, and the walk-in policy bills one
customer for every guest."""

import frappe

from frappoint.booking import actions
from frappoint.tests.accounting import AccountingCase, appointment_value, needs_erpnext
from frappoint.tests.fixtures import at, book, unique


@needs_erpnext
class TestAccountingCustomers(AccountingCase):
	def test_leads_and_contacts_become_customers(self):
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"lead_name": "Lena Lead",
				"email_id": f"{unique('l')}@example.com".replace(" ", ""),
			}
		).insert()
		name = self.confirmed(party_type="Lead", party=lead.name)
		customer = appointment_value(name, "customer")
		self.assertEqual(frappe.db.get_value("Customer", customer, "lead_name"), lead.name)

		contact = frappe.get_doc({"doctype": "Contact", "first_name": "Cora"}).insert()
		other = book(
			self.service.name, self.provider.name, at(2, 12), party_type="Contact", party=contact.name
		)
		actions.confirm(other.name)
		customer = appointment_value(other.name, "customer")
		linked = frappe.get_all(
			"Dynamic Link", filters={"parent": contact.name, "link_doctype": "Customer"}, pluck="link_name"
		)
		self.assertEqual(linked, [customer])

	def test_the_walk_in_policy_bills_one_customer(self):
		walk_in = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": unique("Walk-in"),
				"customer_group": "All Customer Groups",
				"territory": "All Territories",
			}
		).insert()
		frappe.db.set_single_value(
			"Service Appointment Settings",
			{"guest_customer_policy": "Use the Walk-in Customer", "walk_in_customer": walk_in.name},
		)
		name = self.confirmed()
		self.assertEqual(
			frappe.db.get_value("Sales Order", appointment_value(name, "sales_order"), "customer"),
			walk_in.name,
		)
