"""The step runner: each accounting step queued through the outbox, run as the business under the
appointment's row lock, all or nothing, retried on a deadlock; a failure recorded on the appointment
(with its retry), and the reconciler that queues again what a lost job left unfinished."""

import random
import time
from contextlib import contextmanager

import frappe
from frappe import _

from frappoint.booking import journal, outbox
from frappoint.booking.ledger import lock_appointment_row
from frappoint.booking.locks import all_or_nothing, refuse_stale_snapshot, repeatable_read
from frappoint.integrations.companies import store
from frappoint.integrations.erpnext.customers import lock_new_customer
from frappoint.integrations.erpnext.policy import NEVER, invoice_policy
from frappoint.integrations.erpnext.steps import STEPS

APPOINTMENT = "Service Appointment"
SAVEPOINT = "frappoint_accounting"
# Pending this long without its job having run: the job was lost (worker killed, queue flushed).
RECONCILE_AFTER_MINUTES = 15
DEADLOCK_ATTEMPTS = 5
STEP_FOR_STATUS = {"Confirmed": "order", "Completed": "invoice", "Cancelled": "cancel", "No Show": "no_show"}


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
	once, say), or a transaction lost under the step (`locks.TransactionLost`), is tried again, and
	raised to the outbox after DEADLOCK_ATTEMPTS; any other failure is recorded, never raised."""
	for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
		try:
			with as_the_business():
				return _run_step(appointment, step)
		except frappe.QueryDeadlockError:  # a deadlock's victim, or a transaction lost under the step
			frappe.db.rollback()  # MariaDB undid the whole transaction already
			if attempt == DEADLOCK_ATTEMPTS:
				raise  # still pending: the outbox runs it again later, under the lock again
			time.sleep(random.uniform(0.1, 0.5) * attempt)


def _run_step(appointment: str, step: str) -> None:
	# A snapshot taken before the locks below are granted would miss what the holder before us committed
	# (the appointment's previous step; the customer another booking's step just made): start over at
	# REPEATABLE READ, ERPNext's own level, whose snapshot the first plain read takes, after the locks.
	# (A test runs alone in its transaction.)
	repeatable_read()
	row = lock_appointment_row(appointment)  # first, as every booking action does (see booking.ledger)
	lock_new_customer(row)
	doc = frappe.get_doc(APPOINTMENT, appointment)
	if row and (doc.modified, doc.journal_seq, doc.journal_hash) != (
		row.modified,
		row.journal_seq,
		row.journal_hash,
	):  # the snapshot predates the row's last commit (every step that makes a document journals it)
		refuse_stale_snapshot(appointment)
	needed = STEP_FOR_STATUS.get(doc.status)
	if needed is None:  # Open again (nothing bills an Open appointment)
		store(doc, {"accounting_status": "Done"})
		return
	try:
		with all_or_nothing(SAVEPOINT), _hooks_cannot_commit():
			event = STEPS[needed](doc)
	except frappe.QueryDeadlockError:
		raise  # decided again from the start: the failure is the lock race's, not the books'
	except Exception as e:
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
