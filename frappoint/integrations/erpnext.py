"""ERPNext accounting driven by the appointment lifecycle; inert on a site without ERPNext.

Confirmed -> submitted Sales Order, Completed -> Sales Invoice made from it with ERPNext's mapper,
Cancelled -> order cancelled (or closed when partly billed), No Show -> optional fee invoice.
Each step runs under the appointment's row lock and first looks for the document it would make, so
a re-run hook, a retried job or a double click never makes a second one. A failing step is rolled
back whole (savepoint), written to the Error Log and shown on the appointment with a retry action.
Prices come from the service's tier (the appointment's server-set rate) and ERPNext Item Prices.
"""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.utils import flt, getdate, nowdate

from frappoint.booking import journal
from frappoint.booking.jobs import enqueue_once
from frappoint.booking.ledger import lock_appointment_row
from frappoint.booking.locks import all_or_nothing, named_locks
from frappoint.booking.records import settings

APPOINTMENT = "Service Appointment"
SAVEPOINT = "frappoint_accounting"
# Pending this long without its job having run: the job was lost (worker killed, queue flushed).
RECONCILE_AFTER_MINUTES = 15
STEP_FOR_STATUS = {"Confirmed": "order", "Completed": "invoice", "Cancelled": "cancel", "No Show": "no_show"}

CUSTOM_FIELDS = {
	"Service Appointment": [
		{"fieldname": "customer", "label": "Billed Customer", "fieldtype": "Link", "options": "Customer",
		 "insert_after": "accounting_status", "read_only": 1, "no_copy": 1},
		{"fieldname": "sales_order", "label": "Sales Order", "fieldtype": "Link", "options": "Sales Order",
		 "insert_after": "customer", "read_only": 1, "no_copy": 1},
		{"fieldname": "sales_invoice", "label": "Sales Invoice", "fieldtype": "Link", "options": "Sales Invoice",
		 "insert_after": "sales_order", "read_only": 1, "no_copy": 1},
		{"fieldname": "no_show_invoice", "label": "No-show Fee Invoice", "fieldtype": "Link",
		 "options": "Sales Invoice", "insert_after": "sales_invoice", "read_only": 1, "no_copy": 1},
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
	],
	"Sales Order": [
		{"fieldname": "service_appointment", "label": "Service Appointment", "fieldtype": "Link",
		 "options": "Service Appointment", "insert_after": "customer", "read_only": 1, "no_copy": 1},
	],
	"Sales Invoice": [
		{"fieldname": "service_appointment", "label": "Service Appointment", "fieldtype": "Link",
		 "options": "Service Appointment", "insert_after": "customer", "read_only": 1, "no_copy": 1},
	],
}  # fmt: skip


class AccountingSetupMissing(frappe.ValidationError):
	pass


def erpnext_installed() -> bool:
	return "erpnext" in frappe.get_installed_apps()


# --- install ------------------------------------------------------------------------------------


def billing_enabled() -> bool:
	"""ERPNext is there and the admin wants appointments billed (Service Appointment Settings)."""
	return erpnext_installed() and bool(settings().bill_in_erpnext)


def install_custom_fields() -> None:
	if erpnext_installed():
		create_custom_fields(CUSTOM_FIELDS, ignore_validate=True, update=True)


def remove_custom_fields() -> None:
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)


# --- the hook -----------------------------------------------------------------------------------


def on_appointment_change(doc, method=None):
	"""doc_event: a status change queues the matching accounting step for after the commit."""
	if not billing_enabled():
		return
	before = doc.get_doc_before_save()
	if before is not None and before.status == doc.status:
		return
	step = STEP_FOR_STATUS.get(doc.status)
	if step is None:
		return
	if step in ("cancel", "no_show") and not doc.get("sales_order") and not _charges_no_show_fee(step):
		return  # nothing was billed and nothing is to be billed
	_store(doc, {"accounting_status": "Pending", "accounting_action": step})
	enqueue_step(doc.name, step)


def _charges_no_show_fee(step: str) -> bool:
	return step == "no_show" and bool(settings().charge_no_show_fee)


def enqueue_step(appointment: str, step: str) -> None:
	enqueue_once(
		"frappoint.integrations.erpnext.run_step",
		f"frappoint:accounting:{appointment}:{step}",
		appointment=appointment,
		step=step,
	)


def run_step(appointment: str, step: str) -> None:
	"""Bring the appointment's ERPNext documents to what its status needs now, all or nothing.

	`step` names the change that queued the job (its key); the work is decided by the status read
	under the row lock, so jobs that arrive late or out of order, or for an appointment cancelled
	meanwhile, neither lose nor duplicate a document. A failure is recorded, never raised."""
	if frappe.job:
		# A worker's transaction has already read settings and defaults, and with them fixed its
		# REPEATABLE READ snapshot before the lock below is granted: start over, so that what the
		# appointment's previous job committed while this one waited is seen.
		frappe.db.rollback()
	lock_appointment_row(appointment)  # first, as every booking action does (see booking.ledger)
	doc = frappe.get_doc(APPOINTMENT, appointment)
	needed = STEP_FOR_STATUS.get(doc.status)
	if needed is None:  # Open again (nothing bills an Open appointment)
		_store(doc, {"accounting_status": "Done"})
		return
	try:
		with all_or_nothing(SAVEPOINT), _hooks_cannot_commit():
			event = STEPS[needed](doc)
	except Exception as e:
		_record_failure(appointment, needed, e)
		return
	_store(
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
	unbilled = frappe.get_all(
		APPOINTMENT,
		filters={**scope, "status": "Completed", "accounting_status": "Done", "sales_invoice": ("is", "not set")},
		pluck="name",
	)
	for name in pending + unbilled:
		enqueue_step(name, "reconcile")
	return pending + unbilled


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


# --- steps --------------------------------------------------------------------------------------


def make_sales_order(doc):
	existing = doc.get("sales_order") or frappe.db.get_value(
		"Sales Order", {"service_appointment": doc.name, "docstatus": 1}
	)
	if existing:
		_link(doc, "sales_order", existing)
		return None
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	item = service.get("billing_item")
	if not item:
		raise AccountingSetupMissing(_("Service {0} has no Billing Item.").format(service.name))
	company = _company(service)
	customer = billing_customer(doc)
	delivery = max(getdate(doc.start_time), getdate(nowdate()))
	so = frappe.new_doc("Sales Order")
	so.update(
		{
			"customer": customer,
			"company": company,
			"transaction_date": nowdate(),
			"delivery_date": delivery,
			"service_appointment": doc.name,
			"ignore_pricing_rule": 1,
		}
	)
	so.append("items", {"item_code": item, "qty": 1, "delivery_date": delivery, "rate": doc.rate})
	for unit in doc.get("units") or []:
		unit_item = frappe.db.get_value("Service Unit", unit.service_unit, "billing_item")
		if unit_item:
			so.append("items", {"item_code": unit_item, "qty": 1, "delivery_date": delivery})
	so.set_missing_values()
	_apply_default_taxes(so, company)
	so.items[0].price_list_rate = so.items[0].rate = flt(doc.rate)  # the tier price decides, not a price list
	so.items[0].discount_percentage = so.items[0].discount_amount = 0
	for row in so.items[1:]:
		if not flt(row.price_list_rate):
			raise AccountingSetupMissing(
				_("Item {0} has no price in price list {1}.").format(row.item_code, so.selling_price_list)
			)
		row.rate = row.price_list_rate
	so.calculate_taxes_and_totals()
	so.insert(ignore_permissions=True)
	so.submit()
	_link(doc, "sales_order", so.name)
	return "sales_order_linked", {"sales_order": so.name, "grand_total": so.grand_total}


def make_sales_invoice(doc):
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_invoice

	if not doc.get("sales_order"):  # completed before the order's job ran: make the order first
		if event := make_sales_order(doc):
			journal.record(doc, *event)
		doc.reload()
	existing = doc.get("sales_invoice") or frappe.db.get_value(
		"Sales Invoice", {"service_appointment": doc.name, "docstatus": 1, "is_return": 0}
	)
	if existing:
		_link(doc, "sales_invoice", existing)
		return None
	si = map_invoice(doc.sales_order, ignore_permissions=True)
	si.service_appointment = doc.name
	si.posting_date = nowdate()
	si.set_posting_time = 1
	si.insert(ignore_permissions=True)
	si.submit()
	_link(doc, "sales_invoice", si.name)
	return "sales_invoice_linked", {
		"sales_invoice": si.name,
		"sales_order": doc.sales_order,
		"grand_total": si.grand_total,
	}


def cancel_sales_order(doc):
	if not doc.get("sales_order"):
		return None
	so = frappe.get_doc("Sales Order", doc.sales_order)
	if so.docstatus != 1 or so.status == "Closed":
		return None
	if flt(so.per_billed) > 0:
		so.update_status("Closed")
		return "sales_order_closed", {"sales_order": so.name}
	so.cancel()
	return "sales_order_cancelled", {"sales_order": so.name}


def invoice_no_show(doc):
	fees = settings()
	event = cancel_sales_order(doc)
	if not fees.get("charge_no_show_fee"):
		return event
	existing = doc.get("no_show_invoice")
	if existing:
		return event
	if not fees.get("no_show_fee_item"):
		raise AccountingSetupMissing(_("Set the No-show Fee Item in Service Appointment Settings."))
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	si = frappe.new_doc("Sales Invoice")
	si.update(
		{
			"customer": billing_customer(doc),
			"company": _company(service),
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"service_appointment": doc.name,
			"ignore_pricing_rule": 1,
		}
	)
	si.append("items", {"item_code": fees.no_show_fee_item, "qty": 1, "rate": fees.no_show_fee_rate})
	si.set_missing_values()
	_apply_default_taxes(si, si.company)
	si.items[0].price_list_rate = si.items[0].rate = flt(fees.no_show_fee_rate)
	si.calculate_taxes_and_totals()
	si.insert(ignore_permissions=True)
	si.submit()
	_link(doc, "no_show_invoice", si.name)
	return "no_show_invoice_linked", {"sales_invoice": si.name, "grand_total": si.grand_total}


STEPS = {
	"order": make_sales_order,
	"invoice": make_sales_invoice,
	"cancel": cancel_sales_order,
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
		_lock_customer_key(doc.customer_email or doc.customer_name)
		customer = _customer_by_email(doc.customer_email) or _new_customer(doc)
	_store(doc, {"customer": customer})
	return customer


def _lock_customer_key(key: str) -> None:
	"""Two jobs billing the same new customer at once would both make them: the second waits here
	until the first has committed, then finds the customer. MariaDB's named lock lasts until this
	transaction ends, whichever way."""
	named_locks(["customer:" + key.strip().lower()], timeout=30)



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
	).insert(ignore_permissions=True)
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


def _company(service) -> str:
	company = (
		service.get("company")
		or settings().default_company
		or frappe.defaults.get_global_default("company")
	)
	if not company:
		raise AccountingSetupMissing(_("Set a Default Company in Service Appointment Settings."))
	return company


def _apply_default_taxes(transaction, company: str) -> None:
	"""The company's default Sales Taxes and Charges Template, as a user picking nothing would get."""
	if not transaction.get("taxes_and_charges"):
		transaction.taxes_and_charges = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"is_default": 1, "company": company, "disabled": 0}
		)
	if transaction.taxes_and_charges and not transaction.get("taxes"):
		transaction.append_taxes_from_master()


def _link(doc, field: str, value: str) -> None:
	_store(doc, {field: value})


def _store(doc, values: dict) -> None:
	"""Write accounting fields straight to the appointment's row, which this job holds locked: `db_set`
	would reload the whole document with its ledger rows for nothing but a timestamp check."""
	frappe.db.set_value(APPOINTMENT, doc.name, values, update_modified=False)
	doc.update(values)
