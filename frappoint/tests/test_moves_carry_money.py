"""A move carries the money: the order, payment request, payment and amount paid go to the new
appointment at the agreed price; a staff move is never charged, a customer's late move only as the
Settings say, and an unpaid checkout moved is paid for the new time."""

import frappe
from frappe.utils import getdate

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.tests.accounting import DepositCase, appointment_value, needs_erpnext, sales_orders, submitted
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, at, day
from frappoint.tests.portal import APPOINTMENT, as_guest, iso

test_ignore = IGNORED_TEST_RECORDS


MONEY = ("sales_order", "payment_request", "payment_entry")


@needs_erpnext
class TestAMoveCarriesTheMoney(DepositCase):
	"""A 10.00 deposit paid through the gateway for 10:00 the day after tomorrow; the customer moves it
	(portal API, with their manage token) or staff do."""

	def paid_booking(self):
		held = self.checkout()
		self.pay(held["name"])
		return held

	def customer_moves(self, held, start):
		moved = as_guest(api.reschedule, appointment=held["name"], start=iso(start), token=held["token"])
		return frappe.get_doc(APPOINTMENT, moved["name"])

	def assert_money_moved(self, old_name, new, money):
		self.assertEqual((new.status, new.amount_paid), ("Confirmed", 10))
		self.assertEqual({f: new.get(f) for f in MONEY}, money)
		for doctype, field in zip(("Sales Order", "Payment Request", "Payment Entry"), MONEY, strict=True):
			self.assertEqual(
				frappe.db.get_value(doctype, money[field], "service_appointment"), new.name, doctype
			)
		old = frappe.get_doc(APPOINTMENT, old_name)
		self.assertEqual(old.status, "Cancelled")
		self.assertFalse(any(old.get(f) for f in (*MONEY, "amount_paid", "refund_entry", "credit_note")))
		self.assertEqual(submitted("Payment Entry", old_name, payment_type="Pay"), [])  # nothing refunded
		self.assertEqual(
			frappe.db.get_value("Sales Order", money["sales_order"], "docstatus"), 1
		)  # not cancelled
		self.assertEqual(sales_orders(new.name), [money["sales_order"]])  # no second order
		self.assertEqual(frappe.db.get_value("Payment Request", money["payment_request"], "status"), "Paid")
		return old

	def test_a_customers_move_carries_the_order_the_request_and_the_payment(self):
		self.settings(refund_cutoff_hours=1)
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = self.customer_moves(held, at(1, 11))
		self.assert_money_moved(held["name"], new, money)
		# The order says when the service is delivered now; its price is the one agreed at booking.
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Order", money["sales_order"], "delivery_date")), day(1)
		)
		self.assertEqual(new.rate, 50)
		actions.complete(new.name)
		si = frappe.get_doc("Sales Invoice", appointment_value(new.name, "sales_invoice"))
		self.assertEqual((si.grand_total, si.total_advance, si.outstanding_amount), (55, 10, 45))

	def test_a_staff_move_carries_the_money_and_is_never_charged(self):
		self.settings(refund_cutoff_hours=96, late_moves="Charged as a Late Cancellation")
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = actions.reschedule(held["name"], at(2, 15))  # the desk's Reschedule
		old = self.assert_money_moved(held["name"], frappe.get_doc(APPOINTMENT, new.name), money)
		self.assertEqual((old.late_cancellation, old.cancellation_invoice), (0, None))

	def test_a_customers_late_move_is_free_or_charged_the_late_fee_as_the_settings_say(self):
		self.settings(refund_cutoff_hours=96, late_moves="Charged as a Late Cancellation")
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = self.customer_moves(held, at(2, 15))
		old = self.assert_money_moved(held["name"], new, money)
		fee = frappe.get_doc("Sales Invoice", old.cancellation_invoice)
		# the 5.00 late fee and 10% VAT; none of the deposit is kept: it moved with the booking
		self.assertEqual(
			(old.late_cancellation, fee.items[0].item_code, fee.net_total, fee.total_advance),
			(1, self.fee_item, 5, 0),
		)

		self.settings(late_moves="Free")
		held = self.paid_booking()
		new = self.customer_moves(held, at(2, 16))
		old = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual((old.late_cancellation, old.cancellation_invoice, new.amount_paid), (0, None, 10))

	def test_an_unpaid_checkout_moved_is_paid_for_the_new_time(self):
		held = self.checkout()
		request = appointment_value(held["name"], "payment_request")
		new = self.customer_moves(held, at(2, 15))
		self.assertEqual((new.status, new.payment_request), ("Open", request))
		self.pay(new.name)  # the gateway reports the request's payment: it confirms the new time
		self.assertEqual(
			(appointment_value(new.name, "status"), appointment_value(new.name, "amount_paid")),
			("Confirmed", 10),
		)
		self.assertFalse(appointment_value(held["name"], "payment_entry"))
