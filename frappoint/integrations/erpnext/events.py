"""The doc_event: a status change of an appointment queues the accounting step that status needs
(after the commit, through the outbox), unless there is nothing to bill, credit or refund."""

from frappe.utils import cint

# The module, not its function: a test holds the queued steps back by replacing runner.enqueue_step.
import frappoint.integrations.erpnext.runner as runner
from frappoint.booking.records import cancellation_policy, settings
from frappoint.integrations.companies import store
from frappoint.integrations.erpnext.moves import follow_the_move
from frappoint.integrations.erpnext.policy import billing_enabled, erpnext_installed


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
	step = runner.STEP_FOR_STATUS.get(doc.status)
	if step is None or not _has_work(doc, step):
		return
	store(doc, {"accounting_status": "Pending", "accounting_action": step})
	runner.enqueue_step(doc.name, step)


def _has_work(doc, step: str) -> bool:
	"""A cancellation or no-show with nothing billed, requested or paid, and no fee to charge, leaves
	the books alone."""
	if step == "cancel":
		billed = any(doc.get(f) for f in ("sales_order", "sales_invoice", "payment_request"))
		return billed or bool(cint(doc.get("late_cancellation")) and cancellation_policy().late_fee)
	if step == "no_show":
		return bool(doc.get("sales_order") or settings().charge_no_show_fee)
	return True
