"""Payment at booking, on real ERPNext documents: a deposit through a Payment Request and a gateway
(the test gateway, calling what real gateways call), its hold, its lapse, a late payment. `MoneyCase`
and `DepositCase` set up the money rules for the settings and refund tests too."""

from datetime import timedelta

import frappe

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.booking.clock import from_site
from frappoint.booking.clock import now as clock_now
from frappoint.integrations import erpnext, test_gateway
from frappoint.integrations.erpnext import AccountingSetupMissing
from frappoint.portal.views import appointment_view, price_label
from frappoint.tests.fixtures import at, book, expire_hold_now, make_provider, make_service, unique
from frappoint.tests.test_erpnext import (
	BillingCase,
	appointment_value,
	make_item,
	needs_erpnext,
	sales_orders,
)

SETTINGS = "Service Appointment Settings"


def submitted(doctype: str, appointment: str, **filters) -> list[str]:
	return frappe.get_all(
		doctype, filters={"service_appointment": appointment, "docstatus": 1, **filters}, pluck="name"
	)


class MoneyCase(BillingCase):
	"""Billing on, with cancellation rules: full refund until 24 h before, then half and a 5.00 fee."""

	def setUp(self):
		self.fee_item = make_item()
		self.bill_in_erpnext(
			booking={"cancellation_cutoff_hours": 0},
			sales_order_policy=erpnext.CREATE_ORDER,
			invoice_when=erpnext.ON_COMPLETION,
			payment_window_minutes=30,
			refund_cutoff_hours=24,
			late_refund_percent=50,
			late_cancellation_fee=5,
			return_payments_as="Refund",
			cancellation_fee_item=self.fee_item,
		)
		self.item = make_item()
		self.service = make_service(
			billing_item=self.item, company=self.company, pricing_tiers=[{"tier": "Standard", "rate": 50}]
		)
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.conf.pop(test_gateway.CONFIG_KEY, None)
		super().tearDown()
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def settings(self, **values):
		frappe.db.set_single_value(SETTINGS, values)
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def confirmed(self, start=None, **values):
		doc = book(
			self.service.name, self.provider.name, start or at(2, 10), customer_name="Mo Money", **values
		)
		actions.confirm(doc.name)
		return doc.name


class DepositCase(MoneyCase):
	"""A service asking 20% of its 50.00 at booking, paid through the test gateway."""

	def setUp(self):
		super().setUp()
		frappe.local.conf[test_gateway.CONFIG_KEY] = 1
		self.service.payment_at_booking = "Deposit"
		self.service.deposit_type = "Percent"
		self.service.deposit_value = 20
		self.service.save()

	def checkout(self, start=None):
		"""A guest holds, then confirms on the portal: they are sent to the gateway."""
		frappe.set_user("Guest")
		held = api.hold(
			service_type=self.service.name,
			start=from_site(start or at(2, 10)).isoformat(),
			provider=self.provider.name,
		)
		summary = api.confirm(
			appointment=held["name"],
			token=held["token"],
			customer_name="Dee Posit",
			customer_email=f"{unique('dee').replace(' ', '')}@example.com",
		)
		frappe.set_user("Administrator")
		return summary

	def pay(self, name, status="Completed"):
		request = appointment_value(name, "payment_request")
		return frappe.get_doc("Payment Request", request).run_method("on_payment_authorized", status)


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
