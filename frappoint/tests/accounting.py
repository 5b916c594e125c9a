"""ERPNext helpers for site tests: skip without ERPNext, a company with default taxes, a priced item,
the documents an appointment made, and the cases that bill (and take payment) in ERPNext."""

import unittest

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.booking.clock import from_site
from frappoint.integrations import erpnext, test_gateway
from frappoint.tests.fixtures import at, book, make_provider, make_service, unique, use_booking_settings

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


class AccountingCase(BillingCase):
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


SETTINGS = "Service Appointment Settings"


def submitted(doctype: str, appointment: str, **filters) -> list[str]:
	return frappe.get_all(
		doctype, filters={"service_appointment": appointment, "docstatus": 1, **filters}, pluck="name"
	)


class MoneyCase(BillingCase):
	"""Billing on, with cancellation rules: full refund until 24 h before, then half and a 5.00 fee."""

	def setUp(self):
		self.fee_item = make_item()
		self.bill_in_erpnext(
			booking={"cancellation_cutoff_hours": 0},
			sales_order_policy=erpnext.CREATE_ORDER,
			invoice_when=erpnext.ON_COMPLETION,
			payment_window_minutes=30,
			refund_cutoff_hours=24,
			late_refund_percent=50,
			late_cancellation_fee=5,
			return_payments_as="Refund",
			cancellation_fee_item=self.fee_item,
		)
		self.item = make_item()
		self.service = make_service(
			billing_item=self.item, company=self.company, pricing_tiers=[{"tier": "Standard", "rate": 50}]
		)
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.conf.pop(test_gateway.CONFIG_KEY, None)
		super().tearDown()
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def settings(self, **values):
		frappe.db.set_single_value(SETTINGS, values)
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def confirmed(self, start=None, **values):
		doc = book(
			self.service.name, self.provider.name, start or at(2, 10), customer_name="Mo Money", **values
		)
		actions.confirm(doc.name)
		return doc.name


class DepositCase(MoneyCase):
	"""A service asking 20% of its 50.00 at booking, paid through the test gateway."""

	def setUp(self):
		super().setUp()
		frappe.local.conf[test_gateway.CONFIG_KEY] = 1
		self.service.payment_at_booking = "Deposit"
		self.service.deposit_type = "Percent"
		self.service.deposit_value = 20
		self.service.save()

	def checkout(self, start=None):
		"""A guest holds, then confirms on the portal: they are sent to the gateway."""
		frappe.set_user("Guest")
		held = api.hold(
			service_type=self.service.name,
			start=from_site(start or at(2, 10)).isoformat(),
			provider=self.provider.name,
		)
		summary = api.confirm(
			appointment=held["name"],
			token=held["token"],
			customer_name="Dee Posit",
			customer_email=f"{unique('dee').replace(' ', '')}@example.com",
		)
		frappe.set_user("Administrator")
		return summary

	def pay(self, name, status="Completed"):
		request = appointment_value(name, "payment_request")
		return frappe.get_doc("Payment Request", request).run_method("on_payment_authorized", status)
