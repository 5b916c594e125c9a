"""Payment at booking, on real ERPNext documents: a deposit through a Payment Request and a gateway
(the test gateway, calling what real gateways call), its hold, its lapse, a late payment. The cases that set
up the money rules (`MoneyCase`, `DepositCase`) are in `accounting.py`."""

from datetime import timedelta

import frappe

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.booking.clock import now as clock_now
from frappoint.integrations import erpnext, test_gateway
from frappoint.integrations.erpnext import AccountingSetupMissing
from frappoint.portal.views import appointment_view, price_label
from frappoint.tests.accounting import DepositCase, appointment_value, needs_erpnext, sales_orders, submitted
from frappoint.tests.fixtures import at, book, expire_hold_now


@needs_erpnext
class TestPaymentAtBooking(DepositCase):
	def test_a_paid_deposit_confirms_the_booking_with_its_payment_entry_once(self):
		summary = self.checkout()
		name = summary["name"]
		self.assertEqual((summary["status"], summary["due_at_booking"]), ("Open", 10))
		self.assertIn("test_gateway.checkout", summary["payment_url"])
		pr = frappe.get_doc("Payment Request", appointment_value(name, "payment_request"))
		self.assertEqual(
			(pr.reference_doctype, pr.reference_name, pr.grand_total, pr.status),
			("Sales Order", appointment_value(name, "sales_order"), 10, "Requested"),
		)
		held_until = frappe.utils.get_datetime(appointment_value(name, "hold_expires_utc"))
		self.assertGreater(
			held_until, (clock_now() + timedelta(minutes=25)).replace(tzinfo=None)
		)  # waits for the payment
		self.assertIsNone(self.pay(name, status="Failed"))  # a declined card changes nothing
		self.assertEqual(appointment_value(name, "status"), "Open")
		for _retry in range(2):  # the gateway's callback, then its retry
			redirect = self.pay(name)
		self.assertIn(f"/appointments/{name}", redirect)
		[entry] = frappe.get_all(
			"Payment Entry Reference", filters={"payment_request": pr.name, "docstatus": 1}, pluck="parent"
		)
		self.assertEqual(appointment_value(name, "status"), "Confirmed")
		self.assertEqual(
			(appointment_value(name, "payment_entry"), appointment_value(name, "amount_paid")), (entry, 10)
		)
		self.assertEqual(frappe.db.get_value("Payment Entry", entry, "service_appointment"), name)  # and back
		self.assertEqual(frappe.db.get_value("Payment Request", pr.name, "status"), "Paid")
		self.assertEqual(frappe.db.get_value("Sales Order", pr.reference_name, "advance_paid"), 10)
		view = appointment_view(frappe.get_doc("Service Appointment", name))  # what the customer's page shows
		self.assertEqual(view["paid"], price_label(10))
		self.assertIn("refunded in full; later, 50% of it", view["refund_rule"])
		actions.complete(name)
		si = frappe.get_doc("Sales Invoice", appointment_value(name, "sales_invoice"))
		self.assertEqual((si.grand_total, si.total_advance, si.outstanding_amount), (55, 10, 45))
		events = frappe.get_all(
			"Appointment Event", filters={"appointment": name}, pluck="event_type", order_by="sequence"
		)
		self.assertEqual(
			events[:6],
			[
				"held",
				"payment_awaited",
				"sales_order_linked",
				"payment_requested",
				"payment_received",
				"confirmed",
			],
		)

	def test_a_deposit_makes_its_own_order_whatever_the_order_policy(self):
		for hour, policy in ((11, erpnext.LINK_ORDER), (12, erpnext.NO_ORDER)):
			with self.subTest(policy=policy):
				self.settings(sales_order_policy=policy)
				name = self.checkout(at(2, hour))[
					"name"
				]  # no staff to pick an order: one is made to pay against
				self.pay(name)
				self.assertEqual(
					(appointment_value(name, "status"), appointment_value(name, "accounting_status")),
					("Confirmed", "Done"),
				)
				self.assertEqual(sales_orders(name), [appointment_value(name, "sales_order")])

	def test_asking_twice_reuses_the_payment_request(self):
		first = self.checkout()
		frappe.set_user("Guest")
		again = api.confirm(appointment=first["name"], token=first["token"])
		frappe.set_user("Administrator")
		self.assertEqual(again["payment_url"], first["payment_url"])
		self.assertEqual(len(submitted("Payment Request", first["name"])), 1)

	def test_an_unpaid_deposit_lets_the_hold_lapse_and_cancels_the_request_and_order(self):
		name = self.checkout()["name"]
		pr, so = appointment_value(name, "payment_request"), appointment_value(name, "sales_order")
		expire_hold_now(name)
		actions.expire(name)
		self.assertEqual(appointment_value(name, "status"), "Cancelled")
		self.assertEqual(
			frappe.db.get_value("Payment Request", pr, ["docstatus", "status"]), (2, "Cancelled")
		)
		self.assertEqual(frappe.db.get_value("Sales Order", so, "docstatus"), 2)
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")

	def test_a_payment_after_the_hold_lapsed_is_refunded_in_full(self):
		name = self.checkout()["name"]
		expire_hold_now(name)
		self.pay(name)  # the gateway was slow: the hold lapsed as the payment came
		self.assertEqual(appointment_value(name, "status"), "Cancelled")
		refund = frappe.get_doc("Payment Entry", appointment_value(name, "refund_entry"))
		self.assertEqual(
			(refund.payment_type, refund.paid_amount, refund.party),
			(
				"Pay",
				10,
				frappe.db.get_value("Sales Order", appointment_value(name, "sales_order"), "customer"),
			),
		)

	def test_a_payment_after_the_request_was_cancelled_is_taken_on_account_and_refunded(self):
		name = self.checkout()["name"]
		expire_hold_now(name)
		actions.expire(name)  # the sweep came first: the request and the order are cancelled
		self.assertEqual(
			frappe.db.get_value("Payment Request", appointment_value(name, "payment_request"), "docstatus"), 2
		)
		for _retry in range(2):
			self.pay(name)  # the gateway had taken the money all the same, and says so twice
		receipt = frappe.get_doc("Payment Entry", appointment_value(name, "payment_entry"))
		self.assertEqual((receipt.payment_type, receipt.paid_amount, receipt.docstatus), ("Receive", 10, 1))
		self.assertEqual(len(submitted("Payment Entry", name, payment_type="Receive")), 1)
		refund = frappe.get_doc("Payment Entry", appointment_value(name, "refund_entry"))
		self.assertEqual((refund.payment_type, refund.paid_amount, refund.party), ("Pay", 10, receipt.party))

	def test_desk_staff_confirm_without_payment(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(doc.amount_due_at_booking, 10)
		actions.confirm(doc.name)  # a walk-in pays at the counter
		self.assertEqual(appointment_value(doc.name, "status"), "Confirmed")
		self.assertFalse(appointment_value(doc.name, "payment_request"))

	def test_the_test_gateway_is_off_unless_the_site_turns_it_on_and_checks_its_signature(self):
		name = self.checkout()["name"]
		request = appointment_value(name, "payment_request")
		for forged in ("0" * 64, "\x91¹ñ", None):  # the attack suite's fuzz found the non-ASCII one a 500
			with self.assertRaises(frappe.PermissionError):
				test_gateway.checkout(request=request, signature=forged)
		frappe.local.conf.pop(test_gateway.CONFIG_KEY)
		with self.assertRaises(frappe.DoesNotExistError):
			test_gateway.checkout(request=request, signature=test_gateway._signature(request))

	def test_a_deposit_needs_billing_and_a_sensible_amount(self):
		self.service.deposit_value = 120
		with self.assertRaises(frappe.ValidationError):
			self.service.save()
		self.settings(bill_in_erpnext=0)
		self.service.reload()
		with self.assertRaisesRegex(AccountingSetupMissing, "Payment at booking"):
			self.service.save()
