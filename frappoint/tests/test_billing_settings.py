"""What the billing settings decide, on real ERPNext documents: a Billing Item required at set-up,
the Sales Order made, linked (a customer's package of sessions) or not made, and the Sales Invoice on
completion, on confirmation or never, in every combination."""

import frappe

from frappoint.booking import actions
from frappoint.booking.errors import InvalidBookingInput
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import AccountingSetupMissing, run_step
from frappoint.tests.accounting import (
	SETTINGS,
	MoneyCase,
	appointment_value,
	needs_erpnext,
	sales_orders,
	submitted,
)
from frappoint.tests.fixtures import at, book, make_service, make_user, unique


@needs_erpnext
class TestBillingSettings(MoneyCase):
	def test_a_service_without_billing_item_is_refused_at_set_up_not_at_each_booking(self):
		with self.assertRaisesRegex(AccountingSetupMissing, "needs a Billing Item"):
			make_service()
		make_service(disabled=1)  # not offered: nothing to bill yet
		settings = frappe.get_doc(SETTINGS)
		settings.bill_in_erpnext = 0
		settings.save()
		bare = make_service()  # allowed while nothing is billed, so turning billing on is refused
		settings.bill_in_erpnext = 1
		with self.assertRaisesRegex(AccountingSetupMissing, bare.name):
			settings.save()

	def test_every_combination_of_order_and_invoice_settings(self):
		customer, n = self.customer(), 0
		for order_policy in (erpnext.CREATE_ORDER, erpnext.LINK_ORDER, erpnext.NO_ORDER):
			for invoice_when in (erpnext.ON_COMPLETION, erpnext.ON_CONFIRMATION, erpnext.NEVER):
				with self.subTest(order=order_policy, invoice=invoice_when):
					self.settings(sales_order_policy=order_policy, invoice_when=invoice_when)
					package = self.package_order(customer) if order_policy == erpnext.LINK_ORDER else None
					start, n = at(2, 9 + n // 2, n % 2 * 30), n + 1
					name = self.confirmed(start, party_type="Customer", party=customer, sales_order=package)
					invoiced_at_once = len(submitted("Sales Invoice", name))
					actions.complete(name)
					orders = frappe.get_all(
						"Sales Order",
						filters={"docstatus": 1, "name": appointment_value(name, "sales_order") or ""},
						pluck="name",
					)
					self.assertEqual(appointment_value(name, "accounting_status"), "Done")
					self.assertEqual(
						len(sales_orders(name)), int(order_policy == erpnext.CREATE_ORDER)
					)  # made for it
					self.assertEqual(
						orders, [package] if package else sales_orders(name)
					)  # the one it is billed from
					self.assertEqual(invoiced_at_once, int(invoice_when == erpnext.ON_CONFIRMATION))
					self.assertEqual(
						len(submitted("Sales Invoice", name)), int(invoice_when != erpnext.NEVER)
					)

	def customer(self) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": unique("Pack"),
					"customer_group": "All Customer Groups",
					"territory": "All Territories",
				}
			)
			.insert()
			.name
		)

	def test_invoice_on_confirmation_makes_order_and_invoice_once(self):
		self.settings(invoice_when=erpnext.ON_CONFIRMATION)
		name = self.confirmed()
		[invoice] = submitted("Sales Invoice", name)
		self.assertEqual(appointment_value(name, "sales_invoice"), invoice)
		self.assertEqual(len(sales_orders(name)), 1)
		actions.complete(name)
		run_step(name, "invoice")
		self.assertEqual(submitted("Sales Invoice", name), [invoice])

	def test_never_invoicing_leaves_completion_unbilled_and_unreconciled(self):
		self.settings(invoice_when=erpnext.NEVER)
		name = self.confirmed()
		actions.complete(name)
		self.assertEqual(submitted("Sales Invoice", name), [])
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")
		self.assertEqual(erpnext.reconcile([name]), [])

	def test_without_sales_orders_completion_invoices_directly_at_the_tier_price(self):
		self.settings(sales_order_policy=erpnext.NO_ORDER)
		name = self.confirmed()
		self.assertEqual(sales_orders(name), [])
		actions.complete(name)
		si = frappe.get_doc("Sales Invoice", appointment_value(name, "sales_invoice"))
		self.assertEqual(
			(si.items[0].item_code, si.items[0].rate, si.net_total, si.grand_total), (self.item, 50, 50, 55)
		)
		self.assertFalse(si.items[0].sales_order)

	def test_only_staff_link_an_order_a_provider_cannot_even_on_their_own_open_job(self):
		self.settings(sales_order_policy=erpnext.LINK_ORDER)
		someone_elses = self.package_order(self.customer())
		technician = make_user("Service Provider")
		self.provider.db_set("user", technician)
		job = book(self.service.name, self.provider.name, at(2, 10))
		frappe.set_user(technician)
		doc = frappe.get_doc("Service Appointment", job.name)
		doc.sales_order = someone_elses
		with self.assertRaises(InvalidBookingInput):
			doc.save()
		frappe.set_user("Administrator")
		self.assertIsNone(appointment_value(job.name, "sales_order"))
		doc = frappe.get_doc("Service Appointment", job.name)
		doc.sales_order = someone_elses  # the front desk picks the customer's package
		doc.save()
		self.assertEqual(appointment_value(job.name, "sales_order"), someone_elses)

	def package_order(self, customer: str, sessions: int = 5) -> str:
		so = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": customer,
				"company": self.company,
				"delivery_date": frappe.utils.add_days(None, 30),
				"items": [{"item_code": self.item, "qty": sessions, "rate": 40}],
			}
		).insert()
		so.submit()
		return so.name

	def test_an_existing_order_is_linked_and_each_visit_invoices_one_session(self):
		self.settings(sales_order_policy=erpnext.LINK_ORDER)
		customer = self.customer()
		package = self.package_order(customer)
		first = self.confirmed(party_type="Customer", party=customer, sales_order=package)
		second = self.confirmed(start=at(2, 12), party_type="Customer", party=customer, sales_order=package)
		self.assertEqual(
			frappe.db.count("Sales Order", {"customer": customer, "docstatus": 1}), 1
		)  # none made
		run_step(first, "order")  # a retried job links nothing new
		self.assertEqual(
			frappe.db.count("Appointment Event", {"appointment": first, "event_type": "sales_order_linked"}),
			1,
		)
		actions.complete(first)
		si = frappe.get_doc("Sales Invoice", appointment_value(first, "sales_invoice"))
		self.assertEqual(
			[(r.item_code, r.qty, r.rate, r.sales_order) for r in si.items], [(self.item, 1, 40, package)]
		)
		self.assertEqual(frappe.db.get_value("Sales Order", package, "per_billed"), 20)
		actions.cancel(second)  # the customer's order is theirs: it stays open for the next visit
		self.assertEqual(frappe.db.get_value("Sales Order", package, "docstatus"), 1)
		doc = frappe.get_doc("Service Appointment", first)
		doc.sales_order = None
		with self.assertRaises(InvalidBookingInput):  # picked while Open only
			doc.save()

	def test_linking_without_an_order_picked_fails_visibly(self):
		self.settings(sales_order_policy=erpnext.LINK_ORDER)
		name = self.confirmed()
		self.assertEqual(appointment_value(name, "accounting_status"), "Failed")
		self.assertIn("Pick the customer's Sales Order", appointment_value(name, "accounting_error"))
