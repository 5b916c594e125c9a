"""What a cancellation gives back or keeps, each once: the invoice credited in full, the late fee
invoiced and paid first from what the customer paid, the rest refunded by a Payment Entry."""

import frappe
from frappe import _
from frappe.utils import flt

from frappoint.booking.records import settings
from frappoint.integrations.erpnext.documents import (
	link,
	make_fee_invoice,
	submit_linked,
	submit_payment_entry,
)
from frappoint.integrations.erpnext.policy import AccountingSetupMissing


def credit_invoice(doc) -> str | None:
	"""An appointment invoiced on confirmation is credited in full (ERPNext's return invoice)."""
	from erpnext.controllers.sales_and_purchase_return import make_return_doc

	if not doc.get("sales_invoice"):
		return None
	if existing := doc.get("credit_note") or frappe.db.get_value(
		"Sales Invoice", {"return_against": doc.sales_invoice, "docstatus": 1}, for_update=True
	):
		link(doc, "credit_note", existing)
		return None
	note = make_return_doc("Sales Invoice", doc.sales_invoice)
	note.service_appointment = doc.name
	# The payment stays where it was allocated; the cancellation rules return it (a refund or credit).
	note.allocate_advances_automatically = 0
	note.set("advances", [])
	submit_linked(doc, "credit_note", note)
	return note.name


def invoice_cancellation_fee(doc, terms) -> str | None:
	"""One invoice for what a late cancellation costs, paid first from what the customer had paid."""
	if doc.get("cancellation_invoice"):
		return None
	item = settings().get("cancellation_fee_item")
	if not item:
		raise AccountingSetupMissing(_("Set the Cancellation Fee Item in Service Appointment Settings."))
	si = make_fee_invoice(doc, item, terms.charge)
	if terms.kept and doc.get("payment_entry"):
		entry = frappe.get_doc("Payment Entry", doc.payment_entry)
		si.append(
			"advances",
			{
				"reference_type": "Payment Entry",
				"reference_name": entry.name,
				"remarks": entry.remarks,
				"advance_amount": flt(entry.unallocated_amount),
				"allocated_amount": flt(terms.kept),
			},
		)
	submit_linked(doc, "cancellation_invoice", si)
	return si.name


def refund_payment(doc, amount) -> str | None:
	"""Pay back `amount` to the customer, from the account their payment went to, once."""
	# A locking read: the refund as last committed, whatever this step's snapshot.
	if existing := doc.get("refund_entry") or frappe.db.get_value(
		"Payment Entry",
		{"service_appointment": doc.name, "payment_type": "Pay", "docstatus": 1},
		for_update=True,
	):
		link(doc, "refund_entry", existing)
		return None
	if not doc.get("payment_entry"):
		return None
	paid = frappe.get_doc("Payment Entry", doc.payment_entry)
	if paid.get("service_appointment") not in (None, "", doc.name):
		return None  # it moved with the booking (`follow_the_move`): the new appointment's, not ours
	refund = submit_payment_entry(
		"Pay",
		paid.party,
		amount,
		accounts=(paid.paid_to, paid.paid_from),
		company=paid.company,
		reference=doc.name,
		remarks=_("Refund for cancelled appointment {0}").format(doc.name),
		appointment=doc.name,
		mode_of_payment=paid.mode_of_payment,
	)
	link(doc, "refund_entry", refund.name)
	return refund.name
