"""ERPNext accounting driven by the appointment lifecycle; inert on a site without ERPNext.

Confirmed -> submitted Sales Order (made, or the customer's own one linked; or none) and, when the
settings say so, the Sales Invoice; Completed -> Sales Invoice made from the order with ERPNext's
mapper, and the stock used issued; Cancelled -> invoice credited, order cancelled (or closed when
partly billed), money paid at booking refunded, kept as credit or set against the late fee by the
rules in `scheduling.money`; No Show -> optional fee invoice. Payment at booking is `payments`'s.
Each step runs under the appointment's row lock and first looks for the document it would make, so
a re-run hook, a retried job or a double click never makes a second one. A failing step is rolled
back whole (savepoint), written to the Error Log and shown on the appointment with a retry action.
Prices come from the service's tier (the appointment's server-set rate) and ERPNext Item Prices.
"""

import random
import time
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.utils import cint, flt, getdate, nowdate

from frappoint.booking import journal, outbox
from frappoint.booking.ledger import lock_appointment_row
from frappoint.booking.locks import all_or_nothing, named_locks, read_committed
from frappoint.booking.records import cancellation_policy, settings
from frappoint.integrations import commissions, stock
from frappoint.integrations.companies import appointment_link, company_of, store
from frappoint.scheduling.money import cancellation_terms

APPOINTMENT = "Service Appointment"
SAVEPOINT = "frappoint_accounting"
# Pending this long without its job having run: the job was lost (worker killed, queue flushed).
RECONCILE_AFTER_MINUTES = 15
DEADLOCK_ATTEMPTS = 3
STEP_FOR_STATUS = {"Confirmed": "order", "Completed": "invoice", "Cancelled": "cancel", "No Show": "no_show"}

CUSTOM_FIELDS = {
	"Service Appointment": [
		{"fieldname": "customer", "label": "Billed Customer", "fieldtype": "Link", "options": "Customer",
		 "insert_after": "accounting_status", "read_only": 1, "no_copy": 1},
		# Staff may pick the customer's own order (a package of sessions) until the booking is confirmed.
		{"fieldname": "sales_order", "label": "Sales Order", "fieldtype": "Link", "options": "Sales Order",
		 "insert_after": "customer", "no_copy": 1, "read_only_depends_on": "eval:doc.status!='Open'"},
		{"fieldname": "sales_invoice", "label": "Sales Invoice", "fieldtype": "Link", "options": "Sales Invoice",
		 "insert_after": "sales_order", "read_only": 1, "no_copy": 1},
		{"fieldname": "no_show_invoice", "label": "No-show Fee Invoice", "fieldtype": "Link",
		 "options": "Sales Invoice", "insert_after": "sales_invoice", "read_only": 1, "no_copy": 1},
		{"fieldname": "payment_request", "label": "Payment Request", "fieldtype": "Link",
		 "options": "Payment Request", "insert_after": "accounting_error_log", "read_only": 1, "no_copy": 1},
		{"fieldname": "payment_entry", "label": "Payment", "fieldtype": "Link", "options": "Payment Entry",
		 "insert_after": "payment_request", "read_only": 1, "no_copy": 1},
		{"fieldname": "amount_paid", "label": "Amount Paid", "fieldtype": "Currency",
		 "insert_after": "payment_entry", "read_only": 1, "no_copy": 1},
		{"fieldname": "credit_note", "label": "Credit Note", "fieldtype": "Link", "options": "Sales Invoice",
		 "insert_after": "amount_paid", "read_only": 1, "no_copy": 1},
		{"fieldname": "cancellation_invoice", "label": "Cancellation Fee Invoice", "fieldtype": "Link",
		 "options": "Sales Invoice", "insert_after": "credit_note", "read_only": 1, "no_copy": 1},
		{"fieldname": "refund_entry", "label": "Refund", "fieldtype": "Link", "options": "Payment Entry",
		 "insert_after": "cancellation_invoice", "read_only": 1, "no_copy": 1},
		{"fieldname": "store_credit", "label": "Kept as Store Credit", "fieldtype": "Currency",
		 "insert_after": "refund_entry", "read_only": 1, "no_copy": 1},
	],
	"Service Type": [
		{"fieldname": "billing_item", "label": "Billing Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "pricing_tiers", "description": "The item on the Sales Order and Sales Invoice."},
		{"fieldname": "company", "label": "Company", "fieldtype": "Link", "options": "Company",
		 "insert_after": "billing_item"},
	],
	"Service Unit": [
		{"fieldname": "billing_item", "label": "Billing Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "capacity", "description": "If set, using this unit adds a line priced from the Item Price."},
	],
	"Service Appointment Settings": [
		{"fieldname": "default_company", "label": "Default Company", "fieldtype": "Link", "options": "Company",
		 "insert_after": "erpnext_section"},
		{"fieldname": "walk_in_customer", "label": "Walk-in Customer", "fieldtype": "Link", "options": "Customer",
		 "insert_after": "guest_customer_policy"},
		{"fieldname": "no_show_fee_item", "label": "No-show Fee Item", "fieldtype": "Link", "options": "Item",
		 "insert_after": "charge_no_show_fee", "depends_on": "charge_no_show_fee"},
		{"fieldname": "payment_gateway_account", "label": "Payment Gateway Account", "fieldtype": "Link",
		 "options": "Payment Gateway Account", "insert_after": "payment_window_minutes",
		 "description": "Where customers pay at booking; empty: ERPNext's default gateway account."},
		{"fieldname": "cancellation_fee_item", "label": "Cancellation Fee Item", "fieldtype": "Link",
		 "options": "Item", "insert_after": "late_cancellation_fee",
		 "description": "The item that invoices a late cancellation's fee and the part of a payment kept."},
	],
	"Sales Order": [appointment_link(insert_after="customer")],
	"Sales Invoice": [appointment_link(insert_after="customer")],
	"Payment Request": [appointment_link(insert_after="reference_name")],
	"Payment Entry": [appointment_link(insert_after="party_name")],
}  # fmt: skip


class AccountingSetupMissing(frappe.ValidationError):
	pass


def erpnext_installed() -> bool:
	return "erpnext" in frappe.get_installed_apps()


# --- install ------------------------------------------------------------------------------------


def billing_enabled() -> bool:
	"""ERPNext is there and the admin wants appointments billed (Service Appointment Settings)."""
	return erpnext_installed() and bool(settings().bill_in_erpnext)


def all_custom_fields() -> dict[str, list[dict]]:
	"""This module's fields and those of the stock, commission and location integrations."""
	from frappoint.integrations import locations

	merged: dict[str, list[dict]] = {}
	for fields in (CUSTOM_FIELDS, stock.CUSTOM_FIELDS, commissions.CUSTOM_FIELDS, locations.CUSTOM_FIELDS):
		for doctype, rows in fields.items():
			merged.setdefault(doctype, []).extend(rows)
	return merged


def install_custom_fields() -> None:
	if erpnext_installed():
		create_custom_fields(all_custom_fields(), ignore_validate=True, update=True)


def remove_custom_fields() -> None:
	for doctype, fields in all_custom_fields().items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)


# --- the hook -----------------------------------------------------------------------------------


def on_appointment_change(doc, method=None):
	"""doc_event: a status change queues the matching accounting step for after the commit; a moved
	appointment's documents are linked to it first."""
	before = doc.get_doc_before_save()
	if before is None and doc.flags.took_over_money and erpnext_installed():
		follow_the_move(doc)
	if not billing_enabled():
		return
	if before is not None and before.status == doc.status:
		return
	step = STEP_FOR_STATUS.get(doc.status)
	if step is None or not _has_work(doc, step):
		return
	store(doc, {"accounting_status": "Pending", "accounting_action": step})
	enqueue_step(doc.name, step)


def follow_the_move(doc) -> None:
	"""The appointment took over what its predecessor had ordered and paid (`actions.reschedule`, the
	only path that sets the flag): the documents made for that one now name this one. The customer's own order (a package, linked by
	staff) names no appointment of ours and is left as it is."""
	moved = {
		"Sales Order": doc.get("sales_order"),
		"Sales Invoice": doc.get("sales_invoice"),
		"Payment Request": doc.get("payment_request"),
		"Payment Entry": doc.get("payment_entry"),
	}
	for doctype, name in moved.items():
		if name and frappe.db.get_value(doctype, name, "service_appointment") == doc.rescheduled_from:
			frappe.db.set_value(doctype, name, "service_appointment", doc.name, update_modified=False)


def _has_work(doc, step: str) -> bool:
	"""A cancellation or no-show with nothing billed, requested or paid, and no fee to charge, leaves
	the books alone."""
	if step == "cancel":
		billed = any(doc.get(f) for f in ("sales_order", "sales_invoice", "payment_request"))
		return billed or bool(cint(doc.get("late_cancellation")) and cancellation_policy().late_fee)
	if step == "no_show":
		return bool(doc.get("sales_order") or settings().charge_no_show_fee)
	return True


def enqueue_step(appointment: str, step: str) -> None:
	"""The step runs after this transaction commits, and again until it has run (the outbox)."""
	outbox.add(
		"frappoint.integrations.erpnext.run_step",
		f"frappoint:accounting:{appointment}:{step}",
		appointment=appointment,
		step=step,
	)


def run_step(appointment: str, step: str) -> None:
	"""Bring the appointment's ERPNext documents to what its status needs now, all or nothing.

	`step` names the change that queued the job (its key); the work is decided by the status read
	under the row lock, so jobs that arrive late or out of order, or for an appointment cancelled
	meanwhile, neither lose nor duplicate a document. It runs as the business (Administrator), whoever
	queued it (a guest cancelling on the portal). A deadlock (two jobs taking an invoice number at
	once, say) is tried again; any other failure is recorded, never raised."""
	for attempt in range(DEADLOCK_ATTEMPTS):
		try:
			with as_the_business():
				return _run_step(appointment, step, last_attempt=attempt == DEADLOCK_ATTEMPTS - 1)
		except frappe.QueryDeadlockError:
			frappe.db.rollback()  # MariaDB undid the whole transaction already
			time.sleep(random.uniform(0.1, 0.5) * (attempt + 1))


def _run_step(appointment: str, step: str, last_attempt: bool) -> None:
	# A snapshot taken before the locks below are granted would miss what the holder before us committed
	# (the appointment's previous step; the customer another booking's step just made): start over, at
	# READ COMMITTED, where every read after a lock sees it. (A test runs alone in its transaction.)
	read_committed()
	lock_appointment_row(appointment)  # first, as every booking action does (see booking.ledger)
	lock_new_customer(appointment)
	doc = frappe.get_doc(APPOINTMENT, appointment)
	needed = STEP_FOR_STATUS.get(doc.status)
	if needed is None:  # Open again (nothing bills an Open appointment)
		store(doc, {"accounting_status": "Done"})
		return
	try:
		with all_or_nothing(SAVEPOINT), _hooks_cannot_commit():
			event = STEPS[needed](doc)
	except Exception as e:
		if isinstance(e, frappe.QueryDeadlockError) and not last_attempt:
			raise
		_record_failure(appointment, needed, e)
		return
	store(
		doc,
		{
			"accounting_status": "Done",
			"accounting_action": needed,
			"accounting_error": None,
			"accounting_error_log": None,
		},
	)
	if event:
		journal.record(doc, *event)


def reconcile(appointments: list[str] | None = None) -> list[str]:
	"""Scheduler: find appointments (of all, or of `appointments`) whose accounting is unfinished or
	disagrees with their status, and queue them again (a job still queued or running is not queued
	twice). Returns their names."""
	scope = {"name": ("in", appointments)} if appointments is not None else {}
	stale = frappe.utils.add_to_date(frappe.utils.now_datetime(), minutes=-RECONCILE_AFTER_MINUTES)
	pending = frappe.get_all(
		APPOINTMENT, filters={**scope, "accounting_status": "Pending", "modified": ("<", stale)}, pluck="name"
	)
	# Completed and marked Done, yet no invoice: what a split step used to leave behind.
	unbilled = (
		frappe.get_all(
			APPOINTMENT,
			filters={
				**scope,
				"status": "Completed",
				"accounting_status": "Done",
				"sales_invoice": ("is", "not set"),
			},
			pluck="name",
		)
		if invoice_policy() != NEVER
		else []
	)
	for name in pending + unbilled:
		enqueue_step(name, "reconcile")
	return pending + unbilled


@contextmanager
def as_the_business():
	"""Make ERPNext documents as the accounting job does (Administrator), also when a guest's request
	(the portal's checkout, a gateway's callback) asks for them: ERPNext checks the session user's
	permission on the customer, the accounts and the order deep inside its own code."""
	user = frappe.session.user
	if user == "Administrator":
		yield
		return
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)


@contextmanager
def _hooks_cannot_commit():
	"""ERPNext's Contact hook (call-log linking) commits mid-transaction. Inside a step that would
	release the appointment's row lock and drop the savepoint a failure rolls back to, leaving half a
	step committed; the step's caller (the job, or the test) commits once, at the end."""
	db = frappe.db
	db.commit = lambda *args, **kwargs: None
	try:
		yield
	finally:
		del db.commit  # the instance attribute shadowed the class's method


def _record_failure(appointment: str, step: str, error: Exception) -> None:
	log = frappe.log_error(
		title=_("Frappoint accounting failed: {0}").format(appointment),
		reference_doctype=APPOINTMENT,
		reference_name=appointment,
	)
	frappe.db.set_value(
		APPOINTMENT,
		appointment,
		{
			"accounting_status": "Failed",
			"accounting_action": step,
			"accounting_error": _error_text(error),
			"accounting_error_log": log.name,
		},
		update_modified=False,
	)


def retry(appointment: str) -> None:
	doc = frappe.get_doc(APPOINTMENT, appointment)
	if doc.accounting_status != "Failed" or not doc.accounting_action:
		frappe.throw(_("Nothing to retry: accounting for {0} has not failed.").format(appointment))
	run_step(appointment, doc.accounting_action)


def _error_text(error: Exception) -> str:
	text = frappe.utils.strip_html(str(error)) or error.__class__.__name__
	return text[:1000]


# --- policy -------------------------------------------------------------------------------------

CREATE_ORDER, LINK_ORDER, NO_ORDER = "Create on Confirmation", "Link an Existing Order", "No Sales Order"
ON_COMPLETION, ON_CONFIRMATION, NEVER = "On Completion", "On Confirmation", "Never"


def order_policy() -> str:
	return settings().get("sales_order_policy") or CREATE_ORDER


def invoice_policy() -> str:
	return settings().get("invoice_when") or ON_COMPLETION


def validate_service(service) -> None:
	"""Refuse, when the service is saved, a set-up every booking of it would fail on."""
	if not billing_enabled():
		if service.get("payment_at_booking"):
			frappe.throw(
				_("Payment at booking needs appointments billed in ERPNext (Service Appointment Settings)."),
				exc=AccountingSetupMissing,
			)
		return
	if not service.get("billing_item") and not cint(service.get("disabled")):
		frappe.throw(
			_("Service {0} needs a Billing Item: appointments are billed in ERPNext.").format(
				frappe.bold(service.get("service_name") or service.name)
			),
			exc=AccountingSetupMissing,
			title=_("Billing Item missing"),
		)


def validate_settings(new_settings) -> None:
	"""Turning billing on is refused while an offered service has no Billing Item to bill."""
	if not (erpnext_installed() and cint(new_settings.bill_in_erpnext)):
		return
	unbillable = frappe.get_all(
		"Service Type", filters={"disabled": 0, "billing_item": ("is", "not set")}, pluck="name", limit=20
	)
	if unbillable:
		frappe.throw(
			_("Set a Billing Item on these services before billing in ERPNext: {0}").format(
				", ".join(unbillable)
			),
			exc=AccountingSetupMissing,
			title=_("Billing Item missing"),
		)


# --- steps --------------------------------------------------------------------------------------


def confirm(doc):
	"""Confirmation: the order the policy asks for, and the invoice too when invoicing on confirmation."""
	event = make_sales_order(doc) if order_policy() != NO_ORDER or doc.get("sales_order") else None
	if invoice_policy() == ON_CONFIRMATION:
		if event:
			journal.record(doc, *event)
		event = make_sales_invoice(doc)
	return event


def make_sales_order(doc, for_payment: bool = False):
	"""Link the order that is the appointment's (one made for it, or the customer's own order staff
	picked), or make and submit one. A payment at booking needs an order to be made against, whatever
	the policy (`for_payment`)."""
	existing = doc.get("sales_order") or frappe.db.get_value(
		"Sales Order", {"service_appointment": doc.name, "docstatus": 1}
	)
	if existing:
		return _link_order(doc, existing)
	if order_policy() == LINK_ORDER and not for_payment:
		raise AccountingSetupMissing(_("Pick the customer's Sales Order on the appointment, then retry."))
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	so = _new_transaction("Sales Order", doc, service)
	_submit_linked(doc, "sales_order", so)
	return "sales_order_linked", {"sales_order": so.name, "grand_total": so.grand_total}


def _link_order(doc, name: str):
	so = frappe.get_doc("Sales Order", name)
	if so.service_appointment == doc.name or doc.get("customer") == so.customer:
		_link(doc, "sales_order", name)  # ours, or the customer's linked by an earlier step: nothing new
		return _deliver_on_the_day(doc, so)
	if so.docstatus != 1 or so.status in ("Closed", "Completed", "On Hold"):
		raise AccountingSetupMissing(_("Sales Order {0} is not open for billing.").format(name))
	if doc.get("customer") and doc.customer != so.customer:
		raise AccountingSetupMissing(
			_("Sales Order {0} is for {1}, not for {2}.").format(name, so.customer, doc.customer)
		)
	store(doc, {"sales_order": name, "customer": so.customer})
	return "sales_order_linked", {"sales_order": name, "existing_order": so.service_appointment != doc.name}


def _deliver_on_the_day(doc, so):
	"""The order made for an appointment that moved (`follow_the_move`) is delivered on its new day, as
	an ERPNext user would change it (the delivery date may change after submitting). Its lines stay:
	a move changes the time, not the price agreed at booking."""
	day = getdate(doc.start_time)
	if so.service_appointment != doc.name or so.docstatus != 1 or getdate(so.delivery_date) == day:
		return None
	if day < getdate(so.transaction_date):  # a past booking's order is delivered on the day it was made
		return None
	previous = str(getdate(so.delivery_date))
	so.delivery_date = day
	for line in so.items:
		line.delivery_date = day
	so.save(ignore_permissions=True)
	return "sales_order_rescheduled", {"sales_order": so.name, "delivery_date": [previous, str(day)]}


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
	)
	if existing:
		_link(doc, "sales_invoice", existing)
		return None
	if not doc.get("sales_order") and order_policy() != NO_ORDER:
		# Completed (or invoiced) before the order's job ran: make the order first.
		if event := make_sales_order(doc):
			journal.record(doc, *event)
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	if doc.get("sales_order"):
		si = _invoice_from_order(doc, service)
	else:
		si = _new_transaction("Sales Invoice", doc, service)
	si.service_appointment = doc.name
	si.posting_date = nowdate()
	si.set_posting_time = 1
	_submit_linked(doc, "sales_invoice", si)
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


def _new_transaction(doctype: str, doc, service):
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


def complete(doc):
	"""Completion: the invoice (unless invoiced on confirmation or never), then the stock the service
	used (each finds its own document first)."""
	event = make_sales_invoice(doc) if invoice_policy() != NEVER else None
	if stock_event := stock.issue_consumables(doc):
		if event:
			journal.record(doc, *event)
		event = stock_event
	return event


def settle_cancellation(doc):
	"""A cancelled appointment: its unpaid payment request cancelled, its invoice credited, its own
	order cancelled (the advance paid against it unlinked), and the money settled by the cancellation
	rules (`scheduling.money`): refund, store credit, and the fee invoiced with the kept part."""
	credit_note = _credit_invoice(doc)
	order_event = cancel_sales_order(doc)
	paid = flt(doc.get("amount_paid"))
	terms = cancellation_terms(paid, bool(cint(doc.late_cancellation)), cancellation_policy())
	fee_invoice = _invoice_cancellation_fee(doc, terms) if terms.charge else None
	refund = _refund(doc, terms.refund) if terms.refund else None
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
		frappe.get_doc("Payment Request", name).cancel()


def _credit_invoice(doc) -> str | None:
	"""An appointment invoiced on confirmation is credited in full (ERPNext's return invoice)."""
	from erpnext.controllers.sales_and_purchase_return import make_return_doc

	if not doc.get("sales_invoice"):
		return None
	if existing := doc.get("credit_note") or frappe.db.get_value(
		"Sales Invoice", {"return_against": doc.sales_invoice, "docstatus": 1}
	):
		_link(doc, "credit_note", existing)
		return None
	note = make_return_doc("Sales Invoice", doc.sales_invoice)
	note.service_appointment = doc.name
	# The payment stays where it was allocated; the cancellation rules return it (a refund or credit).
	note.allocate_advances_automatically = 0
	note.set("advances", [])
	_submit_linked(doc, "credit_note", note)
	return note.name


def cancel_sales_order(doc):
	"""Cancel the order made for this appointment (close it when partly billed); the customer's own
	order, linked by staff, stays as it is. A payment made against it becomes an advance on the
	customer's account (ERPNext's unlinking), which the cancellation rules then settle."""
	from erpnext.accounts.utils import unlink_ref_doc_from_payment_entries

	if not doc.get("sales_order"):
		return None
	so = frappe.get_doc("Sales Order", doc.sales_order)
	if so.docstatus != 1 or so.status == "Closed" or so.service_appointment != doc.name:
		return None
	if flt(so.per_billed) > 0:
		so.update_status("Closed")
		return "sales_order_closed", {"sales_order": so.name}
	unlink_ref_doc_from_payment_entries(so)
	_cancel_payment_requests(so.name)
	so.reload()
	so.cancel()
	return "sales_order_cancelled", {"sales_order": so.name}


def _fee_invoices(doc) -> list[str]:
	return [name for name in (doc.get("no_show_invoice"), doc.get("cancellation_invoice")) if name] or [""]


def _invoice_cancellation_fee(doc, terms) -> str | None:
	"""One invoice for what a late cancellation costs, paid first from what the customer had paid."""
	if doc.get("cancellation_invoice"):
		return None
	item = settings().get("cancellation_fee_item")
	if not item:
		raise AccountingSetupMissing(_("Set the Cancellation Fee Item in Service Appointment Settings."))
	si = _fee_invoice(doc, item, terms.charge)
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
	_submit_linked(doc, "cancellation_invoice", si)
	return si.name


def _refund(doc, amount) -> str | None:
	"""Pay back `amount` to the customer, from the account their payment went to, once."""
	if existing := doc.get("refund_entry") or frappe.db.get_value(
		"Payment Entry", {"service_appointment": doc.name, "payment_type": "Pay", "docstatus": 1}
	):
		_link(doc, "refund_entry", existing)
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
	_link(doc, "refund_entry", refund.name)
	return refund.name


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


def invoice_no_show(doc):
	fees = settings()
	event = cancel_sales_order(doc)
	if not fees.get("charge_no_show_fee"):
		return event
	if doc.get("no_show_invoice"):
		return event
	if not fees.get("no_show_fee_item"):
		raise AccountingSetupMissing(_("Set the No-show Fee Item in Service Appointment Settings."))
	si = _fee_invoice(doc, fees.no_show_fee_item, fees.no_show_fee_rate)
	_submit_linked(doc, "no_show_invoice", si)
	return "no_show_invoice_linked", {"sales_invoice": si.name, "grand_total": si.grand_total}


def _fee_invoice(doc, item: str, rate):
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


STEPS = {
	"order": confirm,
	"invoice": complete,
	"cancel": settle_cancellation,
	"no_show": invoice_no_show,
}


# --- customer and company -----------------------------------------------------------------------


def billing_customer(doc) -> str:
	"""The ERPNext Customer to bill: the linked one, or one made from the Lead, Contact or guest."""
	if doc.get("customer"):
		return doc.customer
	if doc.party_type == "Customer" and doc.party:
		customer = doc.party
	elif settings().guest_customer_policy == "Use the Walk-in Customer":
		customer = settings().walk_in_customer
		if not customer:
			raise AccountingSetupMissing(_("Set the Walk-in Customer in Service Appointment Settings."))
	elif doc.party_type == "Lead" and doc.party:
		customer = frappe.db.get_value("Customer", {"lead_name": doc.party}) or _customer_from_lead(doc.party)
	elif doc.party_type == "Contact" and doc.party:
		customer = _customer_of_contact(doc.party) or _new_customer(doc, contact=doc.party)
	else:
		customer = _customer_by_email(doc.customer_email) or _new_customer(doc)
	store(doc, {"customer": customer})
	return customer


def lock_new_customer(appointment: str) -> None:
	"""Before a step of an appointment that may make a Customer reads anything: two steps making a
	customer of the same email (who must be one customer) or of the same name (whom ERPNext names
	"Name", "Name - 1", ... from what exists) wait here for each other, the second until the first has
	committed, and then find that customer or the next free name. MariaDB's named locks last until
	this transaction ends, whichever way."""
	row = frappe.db.get_value(
		APPOINTMENT, appointment, ["customer", "party", "customer_email", "customer_name"], as_dict=True
	)
	if row and not row.customer and not row.party:
		keys = [f"customer-email:{row.customer_email.strip().lower()}"] if row.customer_email else []
		keys += [f"customer-name:{(row.customer_name or '').strip().lower()}"]
		named_locks(keys, timeout=30)


def _customer_from_lead(lead: str) -> str:
	from erpnext.crm.doctype.lead.lead import _make_customer

	customer = _make_customer(lead, ignore_permissions=True)
	customer.insert(ignore_permissions=True)
	return customer.name


def _customer_of_contact(contact: str) -> str | None:
	return frappe.db.get_value(
		"Dynamic Link", {"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"}, "link_name"
	)


def _customer_by_email(email: str | None) -> str | None:
	if not email:
		return None
	contacts = frappe.get_all(
		"Contact Email", filters={"email_id": email, "parenttype": "Contact"}, pluck="parent"
	)
	for contact in contacts:
		if customer := _customer_of_contact(contact):
			return customer
	return None


def _new_customer(doc, contact: str | None = None) -> str:
	"""A Customer named as ERPNext names it (`lock_new_customer` keeps two of our steps from choosing
	one name); should another writer have just taken that name, one no one else can: the
	appointment's."""
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": doc.customer_name,
			"customer_type": "Individual",
			"customer_group": frappe.db.get_single_value("Selling Settings", "customer_group")
			or frappe.db.get_value("Customer Group", {"is_group": 0}),
			"territory": frappe.db.get_single_value("Selling Settings", "territory")
			or frappe.db.get_value("Territory", {"is_group": 0}),
		}
	)
	frappe.db.savepoint("frappoint_new_customer")
	try:
		customer.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		frappe.db.rollback(save_point="frappoint_new_customer")
		customer = frappe.get_doc(customer.as_dict(no_default_fields=True)).insert(
			ignore_permissions=True, set_name=f"{doc.customer_name} - {doc.name}"
		)
	if contact:
		contact_doc = frappe.get_doc("Contact", contact)
		contact_doc.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact_doc.save(ignore_permissions=True)
	elif doc.customer_email:
		contact_doc = frappe.get_doc({"doctype": "Contact", "first_name": doc.customer_name})
		contact_doc.add_email(doc.customer_email, is_primary=True)
		if doc.customer_phone:
			contact_doc.add_phone(doc.customer_phone, is_primary_phone=True)
		contact_doc.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact_doc.insert(ignore_permissions=True)
	return customer.name


def _apply_default_taxes(transaction, company: str) -> None:
	"""The company's default Sales Taxes and Charges Template, as a user picking nothing would get."""
	if not transaction.get("taxes_and_charges"):
		transaction.taxes_and_charges = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"is_default": 1, "company": company, "disabled": 0}
		)
	if transaction.taxes_and_charges and not transaction.get("taxes"):
		transaction.append_taxes_from_master()


def _link(doc, field: str, value: str) -> None:
	store(doc, {field: value})


def _submit_linked(doc, field: str, document) -> None:
	"""Insert and submit a document made for the appointment, and link it in `field`."""
	document.insert(ignore_permissions=True)
	document.submit()
	_link(doc, field, document.name)
