"""How a document for an appointment is put together and linked to it: an order or invoice (the
service's item at the tier's price, the units' items, the sales team, the default taxes), a fee
invoice, a Payment Entry; each inserted, submitted and linked in one call."""

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from frappoint.integrations import commissions
from frappoint.integrations.companies import company_of, store
from frappoint.integrations.erpnext.customers import billing_customer
from frappoint.integrations.erpnext.policy import AccountingSetupMissing


def new_transaction(doctype: str, doc, service):
	"""A Sales Order or Sales Invoice for the appointment: the service's item at the tier's price,
	the used units' items at their Item Price, the provider's sales team, the default taxes."""
	item = service.get("billing_item")
	if not item:
		raise AccountingSetupMissing(_("Service {0} has no Billing Item.").format(service.name))
	company = company_of(doc, service)
	delivery = max(getdate(doc.start_time), getdate(nowdate()))
	dated = {"transaction_date": nowdate(), "delivery_date": delivery} if doctype == "Sales Order" else {}
	transaction = frappe.new_doc(doctype)
	transaction.update(
		{
			"customer": billing_customer(doc),
			"company": company,
			"service_appointment": doc.name,
			"ignore_pricing_rule": 1,
			**dated,
		}
	)
	row = {"delivery_date": delivery} if doctype == "Sales Order" else {}
	transaction.append("items", {"item_code": item, "qty": 1, "rate": doc.rate, **row})
	for unit_item in _unit_billing_items(doc):
		transaction.append("items", {"item_code": unit_item, "qty": 1, **row})
	commissions.apply_sales_team(transaction, doc)
	transaction.set_missing_values()
	_apply_default_taxes(transaction, company)
	first = transaction.items[0]
	first.price_list_rate = first.rate = flt(doc.rate)  # the tier price decides, not a price list
	first.discount_percentage = first.discount_amount = 0
	for line in transaction.items[1:]:
		if not flt(line.price_list_rate):
			raise AccountingSetupMissing(
				_("Item {0} has no price in price list {1}.").format(
					line.item_code, transaction.selling_price_list
				)
			)
		line.rate = line.price_list_rate
	transaction.calculate_taxes_and_totals()
	return transaction


def _unit_billing_items(doc) -> list[str]:
	"""The billing item of each unit the appointment uses (in its order, once per use), in one query."""
	used = [unit.service_unit for unit in doc.get("units") or []]
	if not used:
		return []
	items = dict(
		frappe.get_all(
			"Service Unit",
			filters={"name": ("in", used), "billing_item": ("is", "set")},
			fields=["name", "billing_item"],
			as_list=True,
		)
	)
	return [items[unit] for unit in used if unit in items]


def submit_payment_entry(
	payment_type, customer, amount, accounts, company, reference, remarks, appointment, mode_of_payment=None
):
	"""A submitted Payment Entry between the customer and the business, not allocated to any invoice:
	`accounts` are (paid from, paid to)."""
	entry = frappe.new_doc("Payment Entry")
	entry.update(
		{
			"payment_type": payment_type,
			"company": company,
			"posting_date": nowdate(),
			"party_type": "Customer",
			"party": customer,
			"paid_from": accounts[0],
			"paid_to": accounts[1],
			"paid_amount": flt(amount),
			"received_amount": flt(amount),
			"mode_of_payment": mode_of_payment,
			"reference_no": reference,
			"reference_date": nowdate(),
			"remarks": remarks,
			"service_appointment": appointment,
		}
	)
	entry.setup_party_account_field()
	entry.set_missing_values()
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry


def make_fee_invoice(doc, item: str, rate):
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	si = frappe.new_doc("Sales Invoice")
	si.update(
		{
			"customer": billing_customer(doc),
			"company": company_of(doc, service),
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"service_appointment": doc.name,
			"ignore_pricing_rule": 1,
		}
	)
	si.append("items", {"item_code": item, "qty": 1, "rate": rate})
	si.set_missing_values()
	_apply_default_taxes(si, si.company)
	si.items[0].price_list_rate = si.items[0].rate = flt(rate)
	si.calculate_taxes_and_totals()
	return si


def _apply_default_taxes(transaction, company: str) -> None:
	"""The company's default Sales Taxes and Charges Template, as a user picking nothing would get."""
	if not transaction.get("taxes_and_charges"):
		transaction.taxes_and_charges = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"is_default": 1, "company": company, "disabled": 0}
		)
	if transaction.taxes_and_charges and not transaction.get("taxes"):
		transaction.append_taxes_from_master()


def link(doc, field: str, value: str) -> None:
	store(doc, {field: value})


def submit_linked(doc, field: str, document) -> None:
	"""Insert and submit a document made for the appointment, and link it in `field`."""
	document.insert(ignore_permissions=True)
	document.submit()
	link(doc, field, document.name)
