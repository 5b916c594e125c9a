"""The appointment's Sales Invoice, made once: mapped from its order by ERPNext (one unit of the
customer's own order), or made directly when there is no order; a payment taken at booking allocated."""

import frappe
from frappe import _
from frappe.utils import flt, nowdate

from frappoint.booking import journal
from frappoint.integrations.erpnext.documents import link, new_transaction, submit_linked
from frappoint.integrations.erpnext.orders import make_sales_order
from frappoint.integrations.erpnext.policy import NO_ORDER, AccountingSetupMissing, order_policy


def make_sales_invoice(doc):
	"""Invoice the appointment once: from its order (one unit of the service's row when the order is
	the customer's own), or directly when there is no order. A payment taken at booking is allocated."""
	existing = doc.get("sales_invoice") or frappe.db.get_value(
		"Sales Invoice",
		{
			"service_appointment": doc.name,
			"docstatus": 1,
			"is_return": 0,
			"name": ("not in", _fee_invoices(doc)),
		},
		for_update=True,  # as last committed, whatever this step's snapshot
	)
	if existing:
		link(doc, "sales_invoice", existing)
		return None
	if not doc.get("sales_order") and order_policy() != NO_ORDER:
		# Completed (or invoiced) before the order's job ran: make the order first.
		if event := make_sales_order(doc):
			journal.record(doc, *event)
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	if doc.get("sales_order"):
		si = _invoice_from_order(doc, service)
	else:
		si = new_transaction("Sales Invoice", doc, service)
	si.service_appointment = doc.name
	si.posting_date = nowdate()
	si.set_posting_time = 1
	submit_linked(doc, "sales_invoice", si)
	return "sales_invoice_linked", {
		"sales_invoice": si.name,
		"sales_order": doc.get("sales_order"),
		"grand_total": si.grand_total,
	}


def _invoice_from_order(doc, service):
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_invoice

	si = map_invoice(doc.sales_order, ignore_permissions=True)
	if frappe.db.get_value("Sales Order", doc.sales_order, "service_appointment") != doc.name:
		# The customer's own order (a package of sessions): this visit bills one of its service's units.
		row = next(
			(r for r in si.items if r.item_code == service.get("billing_item") and flt(r.qty) > 0), None
		)
		if row is None:
			raise AccountingSetupMissing(
				_("Sales Order {0} has no {1} left to invoice.").format(
					doc.sales_order, service.get("billing_item")
				)
			)
		row.qty = 1
		si.items = [row]
		si.calculate_taxes_and_totals()
	# The payment taken at booking was made against the order: ERPNext allocates it here.
	si.allocate_advances_automatically = 1
	si.only_include_allocated_payments = 1
	return si


def _fee_invoices(doc) -> list[str]:
	return [name for name in (doc.get("no_show_invoice"), doc.get("cancellation_invoice")) if name] or [""]
