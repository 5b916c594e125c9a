"""What a cancellation does with money, by the rules in Settings, on real ERPNext documents: refund,
store credit, the late fee with the part of the payment kept, the credit note of an invoiced booking."""

import frappe
from frappe.utils import flt

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import run_step
from frappoint.tests.accounting import DepositCase, appointment_value, needs_erpnext, submitted
from frappoint.tests.fixtures import at, book


@needs_erpnext
class TestCancellationMoney(DepositCase):
	"""Each rule, on an appointment whose 10.00 deposit was paid through the gateway."""

	def paid_booking(self):
		name = self.checkout()["name"]
		self.pay(name)
		return name

	def settled(self, name):
		event = frappe.get_all(
			"Appointment Event",
			filters={"appointment": name, "event_type": "cancellation_settled"},
			pluck="name",
		)
		self.assertEqual(len(event), 1)
		return frappe.get_doc("Service Appointment", name)

	def test_an_early_cancellation_refunds_everything_once(self):
		self.settings(refund_cutoff_hours=1)
		name = self.paid_booking()
		actions.cancel(name, by_customer=True)
		for _retry in range(2):
			run_step(name, "cancel")  # a retried job, a second worker after it
		doc = self.settled(name)
		self.assertEqual(submitted("Payment Entry", name, payment_type="Pay"), [doc.refund_entry])
		self.assertEqual(frappe.db.get_value("Payment Entry", doc.refund_entry, "paid_amount"), 10)
		self.assertFalse(doc.cancellation_invoice)
		self.assertEqual(frappe.db.get_value("Sales Order", doc.sales_order, "docstatus"), 2)
		self.assertEqual(frappe.db.get_value("Payment Request", doc.payment_request, "status"), "Cancelled")

	def test_a_guest_cancelling_on_the_portal_is_settled_as_the_business(self):
		self.settings(refund_cutoff_hours=1)
		held = self.checkout()
		self.pay(held["name"])
		frappe.set_user("Guest")
		api.cancel(appointment=held["name"], token=held["token"])  # queues the step as the guest
		frappe.set_user("Administrator")
		doc = self.settled(held["name"])
		self.assertEqual(doc.accounting_status, "Done")  # a guest may not cancel an order; the business does
		refund = frappe.get_doc("Payment Entry", doc.refund_entry)
		self.assertEqual((refund.paid_amount, refund.owner), (10, "Administrator"))
		self.assertEqual(frappe.db.get_value("Sales Order", doc.sales_order, "docstatus"), 2)

	def test_a_late_cancellation_refunds_half_and_invoices_the_rest_with_the_fee(self):
		self.settings(refund_cutoff_hours=96)
		name = self.paid_booking()
		actions.cancel(name, by_customer=True)
		run_step(name, "cancel")
		doc = self.settled(name)
		self.assertEqual(doc.late_cancellation, 1)
		self.assertEqual(frappe.db.get_value("Payment Entry", doc.refund_entry, "paid_amount"), 5)
		fee = frappe.get_doc("Sales Invoice", doc.cancellation_invoice)
		# 5.00 of the deposit kept + the 5.00 fee, 10% VAT, paid 5.00 from the deposit
		self.assertEqual(
			(
				fee.items[0].item_code,
				fee.net_total,
				fee.grand_total,
				fee.total_advance,
				fee.outstanding_amount,
			),
			(self.fee_item, 10, 11, 5, 6),
		)
		self.assertEqual(submitted("Sales Invoice", name), [fee.name])

	def test_a_late_move_is_not_a_late_cancellation(self):
		self.settings(refund_cutoff_hours=96, late_moves="Free")
		name = self.paid_booking()
		new = actions.reschedule(name, at(2, 15), by_customer=True)
		doc = frappe.get_doc("Service Appointment", name)
		self.assertEqual((doc.late_cancellation, doc.cancellation_invoice, doc.refund_entry), (0, None, None))
		# What was paid moved with the booking (test_money_and_seats): nothing is refunded.
		self.assertEqual(
			(appointment_value(new.name, "status"), appointment_value(new.name, "amount_paid")),
			("Confirmed", 10),
		)

	def test_store_credit_keeps_the_payment_on_the_customers_account(self):
		self.settings(refund_cutoff_hours=1, return_payments_as="Store Credit")
		name = self.paid_booking()
		actions.cancel(name, by_customer=True)
		doc = self.settled(name)
		self.assertEqual(flt(doc.store_credit), 10)
		self.assertFalse(doc.refund_entry)
		self.assertEqual(frappe.db.get_value("Payment Entry", doc.payment_entry, "unallocated_amount"), 10)

	def test_staff_cancelling_late_still_refunds_everything(self):
		self.settings(refund_cutoff_hours=96)
		name = self.paid_booking()
		actions.cancel(name)  # the business cancels
		doc = self.settled(name)
		self.assertEqual(
			(doc.late_cancellation, frappe.db.get_value("Payment Entry", doc.refund_entry, "paid_amount")),
			(0, 10),
		)
		self.assertFalse(doc.cancellation_invoice)

	def test_an_unpaid_late_cancellation_is_charged_the_fee(self):
		self.settings(refund_cutoff_hours=96)
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		actions.cancel(doc.name, by_customer=True)
		fee = frappe.get_doc("Sales Invoice", appointment_value(doc.name, "cancellation_invoice"))
		# 5.00 and 10% VAT, owed in full; ERPNext rounds what is owed (Global Defaults: rounded totals)
		self.assertEqual((fee.net_total, fee.grand_total, fee.outstanding_amount), (5, 5.5, 6))
		self.assertFalse(appointment_value(doc.name, "refund_entry"))

	def test_an_invoiced_appointment_is_credited_when_cancelled(self):
		self.settings(invoice_when=erpnext.ON_CONFIRMATION, refund_cutoff_hours=1)
		name = self.paid_booking()
		invoice = appointment_value(name, "sales_invoice")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "total_advance"), 10)
		actions.cancel(name, by_customer=True)
		doc = self.settled(name)
		note = frappe.get_doc("Sales Invoice", doc.credit_note)
		self.assertEqual((note.is_return, note.return_against, note.grand_total), (1, invoice, -55))
