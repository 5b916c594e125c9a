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

One module per concern: policy (billed or not, and how), custom_fields, events (the doc_event),
runner (the step runner, retry, reconcile), steps (what each status asks), orders, invoices,
cancellations, refunds, documents (how each is put together), customers, moves (after a reschedule).
This package re-exports the names other code, hooks.py and the Booking Outbox rows of live sites
already use (`frappoint.integrations.erpnext.run_step`), so those dotted paths keep resolving.
"""

from frappoint.integrations.erpnext.cancellations import (
	cancel_sales_order,
	invoice_no_show,
	settle_cancellation,
)
from frappoint.integrations.erpnext.custom_fields import (
	CUSTOM_FIELDS,
	all_custom_fields,
	install_custom_fields,
	remove_custom_fields,
)
from frappoint.integrations.erpnext.customers import billing_customer, lock_new_customer
from frappoint.integrations.erpnext.documents import submit_payment_entry
from frappoint.integrations.erpnext.events import on_appointment_change
from frappoint.integrations.erpnext.invoices import make_sales_invoice
from frappoint.integrations.erpnext.moves import follow_the_move
from frappoint.integrations.erpnext.orders import make_sales_order
from frappoint.integrations.erpnext.policy import (
	CREATE_ORDER,
	LINK_ORDER,
	NEVER,
	NO_ORDER,
	ON_COMPLETION,
	ON_CONFIRMATION,
	AccountingSetupMissing,
	billing_enabled,
	erpnext_installed,
	invoice_policy,
	order_policy,
	validate_service,
	validate_settings,
)
from frappoint.integrations.erpnext.runner import (
	APPOINTMENT,
	DEADLOCK_ATTEMPTS,
	RECONCILE_AFTER_MINUTES,
	SAVEPOINT,
	STEP_FOR_STATUS,
	as_the_business,
	enqueue_step,
	reconcile,
	retry,
	run_step,
)
from frappoint.integrations.erpnext.steps import STEPS, complete, confirm

__all__ = [
	"APPOINTMENT",
	"CREATE_ORDER",
	"CUSTOM_FIELDS",
	"DEADLOCK_ATTEMPTS",
	"LINK_ORDER",
	"NEVER",
	"NO_ORDER",
	"ON_COMPLETION",
	"ON_CONFIRMATION",
	"RECONCILE_AFTER_MINUTES",
	"SAVEPOINT",
	"STEPS",
	"STEP_FOR_STATUS",
	"AccountingSetupMissing",
	"all_custom_fields",
	"as_the_business",
	"billing_customer",
	"billing_enabled",
	"cancel_sales_order",
	"complete",
	"confirm",
	"enqueue_step",
	"erpnext_installed",
	"follow_the_move",
	"install_custom_fields",
	"invoice_no_show",
	"invoice_policy",
	"lock_new_customer",
	"make_sales_invoice",
	"make_sales_order",
	"on_appointment_change",
	"order_policy",
	"reconcile",
	"remove_custom_fields",
	"retry",
	"run_step",
	"settle_cancellation",
	"submit_payment_entry",
	"validate_service",
	"validate_settings",
]
