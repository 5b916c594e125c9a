"""What follows a moved appointment (`actions.reschedule`): the documents made for the one it replaced
name it instead, and its own order is delivered on its new day. Prices never change with a move."""

import frappe
from frappe.utils import getdate


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


def deliver_on_the_day(doc, so):
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
