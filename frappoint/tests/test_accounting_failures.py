"""Accounting failures: shown on the appointment, logged, retried, never half a chain (a missing price,
a failure after ERPNext committed mid-step, a closed fiscal year, a missing default account)."""

import frappe

from frappoint.booking import actions
from frappoint.tests.accounting import (
	AccountingCase,
	appointment_value,
	make_item,
	needs_erpnext,
	sales_orders,
)
from frappoint.tests.fixtures import at, book, make_provider, make_service, make_unit, make_unit_type


@needs_erpnext
class TestAccountingFailures(AccountingCase):
	def assert_failed(self, name, words):
		self.assertEqual(appointment_value(name, "accounting_status"), "Failed")
		self.assertIn(words, appointment_value(name, "accounting_error"))
		log = appointment_value(name, "accounting_error_log")
		self.assertEqual(frappe.db.get_value("Error Log", log, "reference_name"), name)

	def test_a_missing_price_fails_visibly_and_a_retry_completes_it(self):
		room_type = make_unit_type()
		room = make_unit(room_type.name)
		unpriced = make_item()
		frappe.db.set_value("Service Unit", room.name, "billing_item", unpriced)
		massage = make_service(
			billing_item=self.item,
			company=self.company,
			required_unit_types=[{"unit_type": room_type.name, "qty": 1}],
		)
		doc = book(massage.name, make_provider([massage.name]).name, at(2, 10), customer_name="Nora Noprice")
		customers_before = frappe.db.count("Customer")
		actions.confirm(doc.name)
		self.assertEqual(appointment_value(doc.name, "status"), "Confirmed")  # the booking stands
		self.assert_failed(doc.name, "has no price")
		self.assertEqual(sales_orders(doc.name, docstatus=("<", 2)), [])
		self.assertEqual(frappe.db.count("Customer"), customers_before)  # no half chain
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": unpriced,
				"price_list": "Standard Selling",
				"price_list_rate": 5,
			}
		).insert()
		frappe.get_doc("Service Appointment", doc.name).retry_accounting()
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")
		self.assertEqual(len(sales_orders(doc.name)), 1)

	def test_a_failure_after_erpnext_committed_mid_step_is_still_recorded_and_undone(self):
		# A phone number makes ERPNext's Contact hook (call-log linking) call frappe.db.commit() while
		# the step creates the customer; the unpriced unit item then fails the order after it.
		room_type = make_unit_type()
		room = make_unit(room_type.name)
		frappe.db.set_value("Service Unit", room.name, "billing_item", make_item())
		massage = make_service(
			billing_item=self.item,
			company=self.company,
			required_unit_types=[{"unit_type": room_type.name, "qty": 1}],
		)
		email = f"{frappe.generate_hash(length=8)}@example.com"
		doc = book(
			massage.name,
			make_provider([massage.name]).name,
			at(2, 10),
			customer_name="Pia Phone",
			customer_email=email,
			customer_phone="+44 7700 900123",
		)
		customers_before = frappe.db.count("Customer")
		actions.confirm(doc.name)  # must not raise: the failure is the appointment's to show
		self.assert_failed(doc.name, "has no price")
		self.assertEqual(frappe.db.count("Customer"), customers_before)
		self.assertFalse(frappe.db.exists("Contact Email", {"email_id": email}))
		self.assertFalse(appointment_value(doc.name, "customer"))

	def test_a_closed_fiscal_year_fails_the_invoice_visibly(self):
		name = self.confirmed()
		open_years = frappe.get_all("Fiscal Year", filters={"disabled": 0}, pluck="name")
		for year in open_years:
			frappe.db.set_value("Fiscal Year", year, "disabled", 1)
		frappe.cache.delete_value("fiscal_years")  # what Fiscal Year's own on_update clears
		actions.complete(name)
		self.assert_failed(name, "iscal")
		self.assertFalse(frappe.db.exists("Sales Invoice", {"service_appointment": name}))
		for year in open_years:
			frappe.db.set_value("Fiscal Year", year, "disabled", 0)
		frappe.cache.delete_value("fiscal_years")
		frappe.get_doc("Service Appointment", name).retry_accounting()
		self.assertTrue(appointment_value(name, "sales_invoice"))

	def test_a_missing_default_account_fails_the_invoice_but_keeps_the_order(self):
		name = self.confirmed()
		receivable = frappe.db.get_value("Company", self.company, "default_receivable_account")
		frappe.db.set_value("Company", self.company, "default_receivable_account", None)
		frappe.clear_document_cache("Company", self.company)
		actions.complete(name)
		self.assert_failed(name, "ccount")
		self.assertEqual(len(sales_orders(name)), 1)
		self.assertFalse(frappe.db.exists("Sales Invoice", {"service_appointment": name}))
		frappe.db.set_value("Company", self.company, "default_receivable_account", receivable)
		frappe.clear_document_cache("Company", self.company)
		frappe.get_doc("Service Appointment", name).retry_accounting()
		self.assertTrue(appointment_value(name, "sales_invoice"))

	def test_open_cancellations_with_nothing_billed_leave_accounting_alone(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.cancel(doc.name)
		self.assertFalse(appointment_value(doc.name, "accounting_status"))
		self.assertEqual(sales_orders(doc.name, docstatus=("<", 3)), [])
