"""Payment at booking, the ERPNext way: the appointment's Sales Order, a Payment Request for the
deposit (or the whole price) against it, and the customer sent to the payment gateway.

A gateway reports a payment by calling `run_method("on_payment_authorized", status)` on the Payment
Request, as every gateway of Frappe's payments app does (ERPNext 15's Payment Request has no such
method of its own; webshop's override adds one): Frappoint's doc_event on that method records the
Payment Entry (ERPNext's `set_as_paid`) and confirms the appointment. The hold waits for the
payment (Settings: Payment Window); if it lapses first, the payment is refunded by the cancellation
step like any early cancellation, and an unpaid request is cancelled with the order.
"""

import frappe
from frappe import _
from frappe.utils import cint, flt

from frappoint.booking import actions, journal, ledger
from frappoint.booking.errors import HoldExpired
from frappoint.booking.locks import all_or_nothing
from frappoint.booking.records import settings
from frappoint.booking.tokens import manage_token
from frappoint.integrations import erpnext
from frappoint.integrations.companies import store
from frappoint.portal.views import manage_path
from frappoint.scheduling import Status

APPOINTMENT = "Service Appointment"
# Other apps (a gateway of their own, the test gateway) may give the checkout address: each hook gets
# the Payment Request and returns a URL or None; else ERPNext asks the request's gateway.
CHECKOUT_HOOK = "frappoint_checkout_url"
PAID = ("Authorized", "Completed")


class PaymentUnavailable(frappe.ValidationError):
	pass


def required(name: str) -> bool:
	"""The customer pays before this booking is confirmed."""
	if not erpnext.billing_enabled():
		return False
	due, paid = frappe.db.get_value(APPOINTMENT, name, ["amount_due_at_booking", "amount_paid"]) or (0, 0)
	return flt(due) > 0 and not flt(paid)


def checkout(name: str, details: dict, needs_contact: bool) -> tuple:
	"""Keep the hold while the customer pays, make (once) the order and its payment request, and
	return the appointment and the gateway's address. Fails whole, with a clear message, when
	payment cannot be taken: the hold then stays as it was."""
	minutes = max(cint(settings().payment_window_minutes), 1)
	doc = actions.await_payment(name, details, needs_contact, minutes)
	# The order may make the customer: wait for another booking of the same e-mail or name making
	# theirs (after the row lock, as the accounting step takes them; see `lock_new_customer`).
	erpnext.lock_new_customer(doc)
	try:
		with all_or_nothing(erpnext.SAVEPOINT), erpnext.as_the_business():
			request = _payment_request(doc)
			url = checkout_url(request)
	except frappe.QueryDeadlockError:
		raise  # a lost lock race: the request is run again (`retry_contention`), not refused
	except Exception:
		# The set-up's fault, not the customer's: the log says which; the customer is told plainly.
		log_once(name)
		frappe.throw(
			_("Online payment is not available for this booking right now. Please contact us to book."),
			exc=PaymentUnavailable,
			title=_("Payment unavailable"),
		)
	return doc, url


def log_once(name: str) -> None:
	"""Write why payment could not start to the Error Log, once per appointment: a guest pressing
	Confirm again and again must not fill the log with the same set-up fault."""
	title = _("Frappoint payment could not start: {0}").format(name)
	if not frappe.db.exists(
		"Error Log", {"reference_doctype": APPOINTMENT, "reference_name": name, "method": title}
	):
		frappe.log_error(title=title, reference_doctype=APPOINTMENT, reference_name=name)


def _payment_request(doc):
	"""The appointment's open Payment Request, or a new one for what is due at booking."""
	current = doc.get("payment_request")
	if current and frappe.db.get_value("Payment Request", current, "status") not in ("Cancelled", "Failed"):
		return frappe.get_doc("Payment Request", current)
	from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

	if event := erpnext.make_sales_order(doc, for_payment=True):
		journal.record(doc, *event)
	request = make_payment_request(
		dt="Sales Order",
		dn=doc.sales_order,
		recipient_id=doc.customer_email,
		payment_gateway_account=settings().get("payment_gateway_account"),
		mute_email=1,  # Frappoint sends the customer to the gateway itself
		return_doc=1,
	)
	request.grand_total = flt(doc.amount_due_at_booking)
	request.service_appointment = doc.name
	request.subject = _("Payment for appointment {0}").format(doc.name)
	request.flags.mute_email = True
	if request.is_new():
		request.insert(ignore_permissions=True)
	else:  # Accounts Settings made it a draft already
		request.save(ignore_permissions=True)
	request.submit()
	store(doc, {"payment_request": request.name})
	journal.record(doc, "payment_requested", {"payment_request": request.name, "amount": request.grand_total})
	return request


def checkout_url(request) -> str:
	for method in frappe.get_hooks(CHECKOUT_HOOK):
		if url := frappe.get_attr(method)(request):
			return url
	if not request.payment_gateway:
		raise PaymentUnavailable(_("No Payment Gateway Account is set up for payments at booking."))
	return request.payment_url or request.get_payment_url()


def on_payment_authorized(request, method=None, status=None):
	"""doc_event on Payment Request: the gateway says the customer paid. Record the payment once
	(ERPNext's Payment Entry), then confirm the appointment, or, when its hold lapsed meanwhile,
	let the cancellation step refund it. Returns where the gateway sends the customer."""
	name = request.get("service_appointment")
	if status not in PAID or not name:
		return None
	# A second callback for the same payment waits here, on the appointment's row (locked first, as
	# every booking action does). The gateway's request may have read before (fixing its snapshot), so
	# every read that decides is a locking one: it sees the first's commit.
	doc = ledger.lock_appointment(name)
	if not doc.get("payment_entry"):
		request = ledger.lock_payment_request(request.name)
		with erpnext.as_the_business():
			entry = _record_payment(request)
		store(doc, {"payment_entry": entry, "amount_paid": request.grand_total})
		journal.record(doc, "payment_received", {"payment_entry": entry, "amount": request.grand_total})
		if doc.status == Status.CANCELLED.value:
			erpnext.enqueue_step(name, "cancel")  # cancelled before the money came: it goes back
	if doc.status == Status.OPEN.value:
		try:
			actions.confirm(name)
		except HoldExpired:
			frappe.clear_last_message()
			actions.expire(name)  # cancelled; the cancellation step returns the payment
	# A path on this site: the gateway's page in the customer's browser goes there.
	return manage_path(name, manage_token(doc))


def _record_payment(request) -> str:
	"""ERPNext's Payment Entry for the request (`set_as_paid`), or, when the request was cancelled with
	its order before the money came (the hold lapsed first), the customer's payment on account."""
	if request.docstatus == 1 and request.status != "Paid":
		entry = request.set_as_paid().name
		# ERPNext's entry knows its request and order, not the appointment: link it back, as every
		# other document Frappoint makes is (a field of Frappoint's own, set after ERPNext submitted).
		frappe.db.set_value(
			"Payment Entry", entry, "service_appointment", request.service_appointment, update_modified=False
		)
		return entry
	if request.status == "Paid" and (
		entry := frappe.db.get_value(
			"Payment Entry", {"reference_no": request.name, "payment_type": "Receive", "docstatus": 1}
		)
	):
		return entry
	from erpnext.accounts.doctype.journal_entry.journal_entry import get_default_bank_cash_account
	from erpnext.accounts.party import get_party_account

	bank = get_default_bank_cash_account(request.company, "Bank") or get_default_bank_cash_account(
		request.company, "Cash"
	)
	return erpnext.submit_payment_entry(
		"Receive",
		request.party,
		request.grand_total,
		accounts=(get_party_account("Customer", request.party, request.company), bank.account),
		company=request.company,
		reference=request.name,
		remarks=_("Payment for appointment {0}, received after its hold lapsed").format(
			request.service_appointment
		),
		appointment=request.service_appointment,
	).name
