"""The appointment's Sales Order: the one made for it, or the customer's own order staff linked (a
package of sessions), found before one is made, so that a step run twice makes one order."""

import frappe
from frappe import _

from frappoint.integrations.companies import store
from frappoint.integrations.erpnext.documents import link, new_transaction, submit_linked
from frappoint.integrations.erpnext.moves import deliver_on_the_day
from frappoint.integrations.erpnext.policy import LINK_ORDER, AccountingSetupMissing, order_policy


def make_sales_order(doc, for_payment: bool = False):
	"""Link the order that is the appointment's (one made for it, or the customer's own order staff
	picked), or make and submit one. A payment at booking needs an order to be made against, whatever
	the policy (`for_payment`)."""
	existing = doc.get("sales_order") or frappe.db.get_value(
		"Sales Order", {"service_appointment": doc.name, "docstatus": 1}, for_update=True
	)  # a locking read: as last committed, whatever the snapshot
	if existing:
		return _link_order(doc, existing)
	if order_policy() == LINK_ORDER and not for_payment:
		raise AccountingSetupMissing(_("Pick the customer's Sales Order on the appointment, then retry."))
	service = frappe.get_cached_doc("Service Type", doc.service_type)
	so = new_transaction("Sales Order", doc, service)
	submit_linked(doc, "sales_order", so)
	return "sales_order_linked", {"sales_order": so.name, "grand_total": so.grand_total}


def _link_order(doc, name: str):
	so = frappe.get_doc("Sales Order", name)
	if so.service_appointment == doc.name or doc.get("customer") == so.customer:
		link(doc, "sales_order", name)  # ours, or the customer's linked by an earlier step: nothing new
		return deliver_on_the_day(doc, so)
	if so.docstatus != 1 or so.status in ("Closed", "Completed", "On Hold"):
		raise AccountingSetupMissing(_("Sales Order {0} is not open for billing.").format(name))
	if doc.get("customer") and doc.customer != so.customer:
		raise AccountingSetupMissing(
			_("Sales Order {0} is for {1}, not for {2}.").format(name, so.customer, doc.customer)
		)
	store(doc, {"sales_order": name, "customer": so.customer})
	return "sales_order_linked", {"sales_order": name, "existing_order": so.service_appointment != doc.name}
