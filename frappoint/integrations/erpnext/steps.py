"""What each status asks of the books, as one step each: Confirmed -> the order (and the invoice when
invoicing on confirmation), Completed -> the invoice and the stock used, Cancelled -> the settlement,
No Show -> the fee. The runner looks steps up in STEPS; the documents are made in their own modules."""

from frappoint.booking import journal
from frappoint.integrations import stock
from frappoint.integrations.erpnext.cancellations import invoice_no_show, settle_cancellation
from frappoint.integrations.erpnext.invoices import make_sales_invoice
from frappoint.integrations.erpnext.orders import make_sales_order
from frappoint.integrations.erpnext.policy import (
	NEVER,
	NO_ORDER,
	ON_CONFIRMATION,
	invoice_policy,
	order_policy,
)


def confirm(doc):
	"""Confirmation: the order the policy asks for, and the invoice too when invoicing on confirmation."""
	event = make_sales_order(doc) if order_policy() != NO_ORDER or doc.get("sales_order") else None
	if invoice_policy() == ON_CONFIRMATION:
		if event:
			journal.record(doc, *event)
		event = make_sales_invoice(doc)
	return event


def complete(doc):
	"""Completion: the invoice (unless invoiced on confirmation or never), then the stock the service
	used (each finds its own document first)."""
	event = make_sales_invoice(doc) if invoice_policy() != NEVER else None
	if stock_event := stock.issue_consumables(doc):
		if event:
			journal.record(doc, *event)
		event = stock_event
	return event


STEPS = {
	"order": confirm,
	"invoice": complete,
	"cancel": settle_cancellation,
	"no_show": invoice_no_show,
}
