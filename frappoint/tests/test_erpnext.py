"""ERPNext accounting on the real site: Sales Order on confirm, Sales Invoice on completion, exactly once."""

import unittest
from contextlib import contextmanager

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from frappoint.booking import actions
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import run_step
from frappoint.tests.fixtures import (
	at,
	book,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	unique,
	use_booking_settings,
)

# The Frappe-only site has no Company, Item or Sales Order to bill with: these tests say so and skip
# there. On the ERPNext site scripts/test refuses any skip.
needs_erpnext = unittest.skipUnless(
	"erpnext" in frappe.get_installed_apps(), "ERPNext is not installed on this site"
)


def ensure_company(label: str = "Frappoint Test Company", abbr: str = "FTC") -> str:
	"""A company in the currency of the site's selling price list, whatever the setup wizard chose
	(the demo's is GBP, ERPNext's test set-up USD): orders then need no exchange rate. Another
	`label` and `abbr` make a second one (two companies side by side)."""
	currency = frappe.db.get_value("Price List", "Standard Selling", "currency") or "USD"
	company = f"{label} {currency}"
	if not frappe.db.exists("Company", company):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": company,
				"abbr": f"{abbr}{currency}",
				"default_currency": currency,
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert()
	year = getdate().year
	if not frappe.db.exists("Fiscal Year", str(year)):
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": str(year),
				"year_start_date": f"{year}-01-01",
				"year_end_date": f"{year}-12-31",
			}
		).insert()
	return company


def ensure_default_taxes(company: str) -> str:
	"""A 10% VAT template that is the company's only default."""
	name = frappe.db.get_value(
		"Sales Taxes and Charges Template", {"company": company, "title": "Frappoint VAT"}
	)
	if not name:
		account = frappe.db.get_value("Account", {"company": company, "account_type": "Tax", "is_group": 0})
		if not account:
			parent = frappe.db.get_value(
				"Account", {"company": company, "account_name": "Duties and Taxes", "is_group": 1}
			)
			account = (
				frappe.get_doc(
					{
						"doctype": "Account",
						"account_name": "VAT",
						"parent_account": parent,
						"company": company,
						"account_type": "Tax",
					}
				)
				.insert()
				.name
			)
		name = (
			frappe.get_doc(
				{
					"doctype": "Sales Taxes and Charges Template",
					"title": "Frappoint VAT",
					"company": company,
					"taxes": [
						{
							"charge_type": "On Net Total",
							"account_head": account,
							"rate": 10,
							"description": "VAT 10%",
						}
					],
				}
			)
			.insert()
			.name
		)
	for other in frappe.get_all(
		"Sales Taxes and Charges Template", filters={"company": company}, pluck="name"
	):
		frappe.db.set_value("Sales Taxes and Charges Template", other, "is_default", int(other == name))
	return name


def make_item(price: float | None = None) -> str:
	code = unique("SVC").replace(" ", "-")
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_group": "Services",
			"stock_uom": "Nos",
			"is_stock_item": 0,
		}
	).insert()
	if price is not None:
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": code,
				"price_list": "Standard Selling",
				"price_list_rate": price,
			}
		).insert()
	return code


def sales_orders(appointment: str, docstatus=1) -> list[str]:
	return frappe.get_all(
		"Sales Order", filters={"service_appointment": appointment, "docstatus": docstatus}, pluck="name"
	)


def appointment_value(name: str, field: str):
	return frappe.db.get_value("Service Appointment", name, field)


class BillingCase(FrappeTestCase):
	"""Billing in ERPNext on, for a company with a default 10% VAT; each test rolled back."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Kept on the site like Frappe's own test records: a company takes seconds to build.
		cls.company = ensure_company()
		cls.taxes = ensure_default_taxes(cls.company)
		frappe.db.commit()

	def bill_in_erpnext(self, booking: dict | None = None, **settings) -> None:
		"""The test booking settings (with `booking`'s changes) and billing on, plus `settings`."""
		use_booking_settings(bill_in_erpnext=1, **(booking or {}))
		frappe.db.set_single_value(
			"Service Appointment Settings",
			{
				"default_company": self.company,
				"guest_customer_policy": "Create a Customer",
				"charge_no_show_fee": 0,
				**settings,
			},
		)
		frappe.clear_document_cache("Service Appointment Settings", "Service Appointment Settings")

	def tearDown(self):
		frappe.db.rollback()


@needs_erpnext
class TestERPNextAccounting(BillingCase):
	def setUp(self):
		self.bill_in_erpnext()
		self.item = make_item()
		self.service = make_service(
			billing_item=self.item,
			company=self.company,
			pricing_tiers=[{"tier": "Residential", "rate": 50}, {"tier": "Commercial", "rate": 80}],
		)
		self.provider = make_provider([self.service.name])

	def confirmed(self, **values):
		doc = book(self.service.name, self.provider.name, at(2, 10), customer_name="Gita Guest", **values)
		actions.confirm(doc.name)
		return doc.name

	def test_confirming_makes_one_submitted_sales_order_priced_on_the_server(self):
		name = self.confirmed(pricing_tier="Commercial")
		[so_name] = sales_orders(name)
		so = frappe.get_doc("Sales Order", so_name)
		self.assertEqual(appointment_value(name, "sales_order"), so.name)
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")
		self.assertEqual((so.company, so.items[0].item_code, so.items[0].rate), (self.company, self.item, 80))
		self.assertEqual(getdate(so.delivery_date), getdate(at(2, 10)))
		self.assertEqual(so.taxes_and_charges, self.taxes)
		self.assertEqual((so.net_total, so.grand_total), (80, 88))  # the company's default 10% VAT
		self.assertEqual(frappe.db.get_value("Customer", so.customer, "customer_name"), "Gita Guest")

	def test_completion_invoices_from_the_order_exactly_once(self):
		name = self.confirmed()
		actions.complete(name)
		invoice = appointment_value(name, "sales_invoice")
		si = frappe.get_doc("Sales Invoice", invoice)
		self.assertEqual(
			(si.docstatus, si.service_appointment, si.items[0].sales_order),
			(1, name, appointment_value(name, "sales_order")),
		)
		self.assertEqual((si.net_total, si.grand_total), (50, 55))
		self.assertEqual(frappe.db.get_value("Sales Order", si.items[0].sales_order, "per_billed"), 100)
		for step in ("order", "invoice", "invoice"):  # a re-run hook, a retried job, a double click
			run_step(name, step)
		self.assertEqual(len(sales_orders(name)), 1)
		self.assertEqual(frappe.db.count("Sales Invoice", {"service_appointment": name, "docstatus": 1}), 1)
		events = frappe.get_all(
			"Appointment Event", filters={"appointment": name}, pluck="event_type", order_by="sequence"
		)
		self.assertEqual(
			events, ["held", "confirmed", "sales_order_linked", "completed", "sales_invoice_linked"]
		)

	def test_with_billing_turned_off_the_books_stay_untouched(self):
		frappe.db.set_single_value("Service Appointment Settings", "bill_in_erpnext", 0)
		name = self.confirmed()
		actions.complete(name)
		self.assertEqual(sales_orders(name), [])
		self.assertFalse(frappe.db.exists("Sales Invoice", {"service_appointment": name}))
		self.assertFalse(
			any(appointment_value(name, f) for f in ("accounting_status", "sales_order", "sales_invoice"))
		)
		self.assertEqual(erpnext.reconcile([name]), [])

	# --- jobs that run late, out of order, or never ---

	@contextmanager
	def jobs_held(self):
		"""Keep the accounting jobs the lifecycle queues, as a busy queue would, to run them later."""
		queued = []
		enqueue = erpnext.runner.enqueue_step
		erpnext.runner.enqueue_step = lambda appointment, step: queued.append((appointment, step))
		try:
			yield queued
		finally:
			erpnext.runner.enqueue_step = enqueue

	def test_an_order_job_that_arrives_after_the_cancellation_bills_nothing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
			actions.cancel(doc.name)
		self.assertEqual(queued, [(doc.name, "order")])  # nothing billed yet: no cancel job
		run_step(*queued[0])
		self.assertEqual(sales_orders(doc.name, docstatus=("<", 3)), [])
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_jobs_run_out_of_order_still_make_one_order_and_one_invoice(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
			actions.complete(doc.name)
		self.assertEqual([step for _, step in queued], ["order", "invoice"])
		for job in reversed(queued):
			run_step(*job)
		self.assertEqual(len(sales_orders(doc.name)), 1)
		self.assertEqual(
			frappe.db.count("Sales Invoice", {"service_appointment": doc.name, "docstatus": 1}), 1
		)
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_the_reconciler_queues_again_what_a_lost_job_left_pending(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
		self.assertEqual(len(queued), 1)  # the order's job, held back as if lost
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Pending")
		self.assertEqual(erpnext.reconcile([doc.name]), [])  # its job may still be on its way
		long_ago = frappe.utils.add_to_date(None, minutes=-(erpnext.RECONCILE_AFTER_MINUTES + 1))
		frappe.db.set_value("Service Appointment", doc.name, "modified", long_ago, update_modified=False)
		self.assertEqual(erpnext.reconcile([doc.name]), [doc.name])  # queued again (inline here)
		self.assertEqual(len(sales_orders(doc.name)), 1)
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_the_reconciler_bills_a_completed_appointment_marked_done_without_invoice(self):
		name = self.confirmed()
		frappe.db.set_value("Service Appointment", name, "status", "Completed")  # as a split step left it
		self.assertEqual(erpnext.reconcile([name]), [name])
		self.assertTrue(appointment_value(name, "sales_invoice"))

	def test_cancelling_before_completion_cancels_the_order(self):
		name = self.confirmed()
		so = appointment_value(name, "sales_order")
		actions.cancel(name)
		self.assertEqual(frappe.db.get_value("Sales Order", so, "docstatus"), 2)

	def test_cancelling_a_partly_billed_order_closes_it(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		room_type = make_unit_type()
		room = make_unit(room_type.name)
		room_item = make_item(price=20)
		frappe.db.set_value("Service Unit", room.name, "billing_item", room_item)
		massage = make_service(
			billing_item=self.item,
			company=self.company,
			required_unit_types=[{"unit_type": room_type.name, "qty": 1}],
		)
		provider = make_provider([massage.name])
		doc = book(massage.name, provider.name, at(2, 10))
		actions.confirm(doc.name)
		so = frappe.get_doc("Sales Order", appointment_value(doc.name, "sales_order"))
		self.assertEqual([row.item_code for row in so.items], [self.item, room_item])
		self.assertEqual(so.net_total, 70)
		partial = make_sales_invoice(so.name)
		partial.items = [row for row in partial.items if row.item_code == room_item]
		partial.insert()
		partial.submit()
		actions.cancel(doc.name)
		self.assertEqual(frappe.db.get_value("Sales Order", so.name, "status"), "Closed")

	def test_reschedule_moves_billing_to_the_new_appointment(self):
		name = self.confirmed()
		old_so = appointment_value(name, "sales_order")
		new = actions.reschedule(name, at(2, 14))
		# The order moves with the appointment (issue 25): neither cancelled nor made a second time.
		self.assertEqual(frappe.db.get_value("Sales Order", old_so, "docstatus"), 1)
		self.assertEqual(sales_orders(new.name), [old_so])
		self.assertEqual(sales_orders(name), [])
		actions.complete(new.name)
		self.assertTrue(appointment_value(new.name, "sales_invoice"))

	def test_a_no_show_can_invoice_a_fee(self):
		fee_item = make_item()
		frappe.db.set_single_value(
			"Service Appointment Settings",
			{"charge_no_show_fee": 1, "no_show_fee_item": fee_item, "no_show_fee_rate": 15},
		)
		name = self.confirmed()
		actions.mark_no_show(name)
		fee = frappe.get_doc("Sales Invoice", appointment_value(name, "no_show_invoice"))
		self.assertEqual((fee.items[0].item_code, fee.net_total, fee.docstatus), (fee_item, 15, 1))
		self.assertEqual(
			frappe.db.get_value("Sales Order", appointment_value(name, "sales_order"), "docstatus"), 2
		)

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

	# --- failures: shown, logged, retried, never half a chain ---

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


@needs_erpnext
class TestERPNextCustomFields(FrappeTestCase):
	"""Install and uninstall add and remove the links on ERPNext doctypes (DDL: this test commits)."""

	def test_custom_fields_come_and_go_with_the_app(self):
		from frappoint.integrations.erpnext import (
			all_custom_fields,
			install_custom_fields,
			remove_custom_fields,
		)

		expected = {(dt, f["fieldname"]) for dt, fields in all_custom_fields().items() for f in fields}
		try:
			remove_custom_fields()
			left = {
				(dt, f) for dt, f in expected if frappe.db.exists("Custom Field", {"dt": dt, "fieldname": f})
			}
			self.assertEqual(left, set())
			self.assertFalse(frappe.get_meta("Sales Order").has_field("service_appointment"))
		finally:
			install_custom_fields()
			frappe.db.commit()
		present = {
			(dt, f) for dt, f in expected if frappe.db.exists("Custom Field", {"dt": dt, "fieldname": f})
		}
		self.assertEqual(present, expected)
		self.assertTrue(frappe.get_meta("Sales Order").has_field("service_appointment"))
