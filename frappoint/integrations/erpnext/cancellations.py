"""A cancelled or missed appointment's books: its own order cancelled (closed when partly billed) with
its payment requests, the money settled by the cancellation rules (`scheduling.money`, through
`refunds`), and a no-show's fee invoiced when the settings charge one."""

import frappe
from frappe import _
from frappe.utils import cint, flt

from frappoint.booking import journal
from frappoint.booking.records import cancellation_policy, settings
from frappoint.integrations.companies import store
from frappoint.integrations.erpnext.documents import make_fee_invoice, submit_linked
from frappoint.integrations.erpnext.policy import AccountingSetupMissing
from frappoint.integrations.erpnext.refunds import credit_invoice, invoice_cancellation_fee, refund_payment
from frappoint.scheduling.money import cancellation_terms


def settle_cancellation(doc):
	"""A cancelled appointment: its unpaid payment request cancelled, its invoice credited, its own
	order cancelled (the advance paid against it unlinked), and the money settled by the cancellation
	rules (`scheduling.money`): refund, store credit, and the fee invoiced with the kept part."""
	credit_note = credit_invoice(doc)
	order_event = cancel_sales_order(doc)
	paid = flt(doc.get("amount_paid"))
	terms = cancellation_terms(paid, bool(cint(doc.late_cancellation)), cancellation_policy())
	fee_invoice = invoice_cancellation_fee(doc, terms) if terms.charge else None
	refund = refund_payment(doc, terms.refund) if terms.refund else None
	if not (credit_note or fee_invoice or refund or terms.store_credit):
		return order_event
	if order_event:
		journal.record(doc, *order_event)
	if terms.store_credit:
		store(doc, {"store_credit": terms.store_credit})
	return "cancellation_settled", {
		"paid": paid,
		"refund": terms.refund,
		"store_credit": terms.store_credit,
		"charge": terms.charge,
		"credit_note": credit_note,
		"cancellation_invoice": fee_invoice,
		"refund_entry": refund,
	}


def _cancel_payment_requests(order: str) -> None:
	"""Payment requests against the order: an unpaid one is void now, and a paid one's payment was
	just unlinked from the order (it is the customer's advance); either would keep the order open."""
	for name in frappe.get_all(
		"Payment Request",
		filters={"reference_doctype": "Sales Order", "reference_name": order, "docstatus": 1},
		pluck="name",
	):
		# Read under its row lock: a gateway's callback or another step may be changing it right now.
		request = frappe.get_doc("Payment Request", name, for_update=True)
		if request.docstatus == 1:
			request.cancel()


def cancel_sales_order(doc):
	"""Cancel the order made for this appointment (close it when partly billed); the customer's own
	order, linked by staff, stays as it is. A payment made against it becomes an advance on the
	customer's account (ERPNext's unlinking), which the cancellation rules then settle."""
	from erpnext.accounts.utils import unlink_ref_doc_from_payment_entries

	if not doc.get("sales_order"):
		return None
	# Locking reads: they see the order as the last writer committed it, whatever this step read before.
	so = frappe.get_doc("Sales Order", doc.sales_order, for_update=True)
	if so.docstatus != 1 or so.status == "Closed" or so.service_appointment != doc.name:
		return None
	if flt(so.per_billed) > 0:
		so.update_status("Closed")
		return "sales_order_closed", {"sales_order": so.name}
	unlink_ref_doc_from_payment_entries(so)
	_cancel_payment_requests(so.name)
	so = frappe.get_doc("Sales Order", so.name, for_update=True)
	so.cancel()
	return "sales_order_cancelled", {"sales_order": so.name}


def invoice_no_show(doc):
	fees = settings()
	event = cancel_sales_order(doc)
	if not fees.get("charge_no_show_fee"):
		return event
	if doc.get("no_show_invoice"):
		return event
	if not fees.get("no_show_fee_item"):
		raise AccountingSetupMissing(_("Set the No-show Fee Item in Service Appointment Settings."))
	si = make_fee_invoice(doc, fees.no_show_fee_item, fees.no_show_fee_rate)
	submit_linked(doc, "no_show_invoice", si)
	return "no_show_invoice_linked", {"sales_invoice": si.name, "grand_total": si.grand_total}
