"""ERPNext accounting on the real site: the books follow the appointment. A Sales Order on confirm, a
Sales Invoice on completion, exactly once; billing off touches nothing; a cancellation cancels or
closes the order, a reschedule moves it, a no-show can invoice a fee; the custom fields come and go
with the app."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from frappoint.booking import actions
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import run_step
from frappoint.tests.accounting import (
	AccountingCase,
	appointment_value,
	make_item,
	needs_erpnext,
	sales_orders,
)
from frappoint.tests.fixtures import at, book, make_provider, make_service, make_unit, make_unit_type


@needs_erpnext
class TestTheBooksFollowTheAppointment(AccountingCase):
	def test_confirming_makes_one_submitted_sales_order_priced_on_the_server(self):
		name = self.confirmed(pricing_tier="Commercial")
		[so_name] = sales_orders(name)
		so = frappe.get_doc("Sales Order", so_name)
		self.assertEqual(appointment_value(name, "sales_order"), so.name)
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")
		self.assertEqual((so.company, so.items[0].item_code, so.items[0].rate), (self.company, self.item, 80))
		self.assertEqual(getdate(so.delivery_date), getdate(at(2, 10)))
		self.assertEqual(so.taxes_and_charges, self.taxes)
		self.assertEqual((so.net_total, so.grand_total), (80, 88))  # the company's default 10% VAT
		self.assertEqual(frappe.db.get_value("Customer", so.customer, "customer_name"), "Gita Guest")

	def test_completion_invoices_from_the_order_exactly_once(self):
		name = self.confirmed()
		actions.complete(name)
		invoice = appointment_value(name, "sales_invoice")
		si = frappe.get_doc("Sales Invoice", invoice)
		self.assertEqual(
			(si.docstatus, si.service_appointment, si.items[0].sales_order),
			(1, name, appointment_value(name, "sales_order")),
		)
		self.assertEqual((si.net_total, si.grand_total), (50, 55))
		self.assertEqual(frappe.db.get_value("Sales Order", si.items[0].sales_order, "per_billed"), 100)
		for step in ("order", "invoice", "invoice"):  # a re-run hook, a retried job, a double click
			run_step(name, step)
		self.assertEqual(len(sales_orders(name)), 1)
		self.assertEqual(frappe.db.count("Sales Invoice", {"service_appointment": name, "docstatus": 1}), 1)
		events = frappe.get_all(
			"Appointment Event", filters={"appointment": name}, pluck="event_type", order_by="sequence"
		)
		self.assertEqual(
			events, ["held", "confirmed", "sales_order_linked", "completed", "sales_invoice_linked"]
		)

	def test_with_billing_turned_off_the_books_stay_untouched(self):
		frappe.db.set_single_value("Service Appointment Settings", "bill_in_erpnext", 0)
		name = self.confirmed()
		actions.complete(name)
		self.assertEqual(sales_orders(name), [])
		self.assertFalse(frappe.db.exists("Sales Invoice", {"service_appointment": name}))
		self.assertFalse(
			any(appointment_value(name, f) for f in ("accounting_status", "sales_order", "sales_invoice"))
		)
		self.assertEqual(erpnext.reconcile([name]), [])

	def test_cancelling_before_completion_cancels_the_order(self):
		name = self.confirmed()
		so = appointment_value(name, "sales_order")
		actions.cancel(name)
		self.assertEqual(frappe.db.get_value("Sales Order", so, "docstatus"), 2)

	def test_cancelling_a_partly_billed_order_closes_it(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		room_type = make_unit_type()
		room = make_unit(room_type.name)
		room_item = make_item(price=20)
		frappe.db.set_value("Service Unit", room.name, "billing_item", room_item)
		massage = make_service(
			billing_item=self.item,
			company=self.company,
			required_unit_types=[{"unit_type": room_type.name, "qty": 1}],
		)
		provider = make_provider([massage.name])
		doc = book(massage.name, provider.name, at(2, 10))
		actions.confirm(doc.name)
		so = frappe.get_doc("Sales Order", appointment_value(doc.name, "sales_order"))
		self.assertEqual([row.item_code for row in so.items], [self.item, room_item])
		self.assertEqual(so.net_total, 70)
		partial = make_sales_invoice(so.name)
		partial.items = [row for row in partial.items if row.item_code == room_item]
		partial.insert()
		partial.submit()
		actions.cancel(doc.name)
		self.assertEqual(frappe.db.get_value("Sales Order", so.name, "status"), "Closed")

	def test_reschedule_moves_billing_to_the_new_appointment(self):
		name = self.confirmed()
		old_so = appointment_value(name, "sales_order")
		new = actions.reschedule(name, at(2, 14))
		# The order moves with the appointment (issue 25): neither cancelled nor made a second time.
		self.assertEqual(frappe.db.get_value("Sales Order", old_so, "docstatus"), 1)
		self.assertEqual(sales_orders(new.name), [old_so])
		self.assertEqual(sales_orders(name), [])
		actions.complete(new.name)
		self.assertTrue(appointment_value(new.name, "sales_invoice"))

	def test_a_no_show_can_invoice_a_fee(self):
		fee_item = make_item()
		frappe.db.set_single_value(
			"Service Appointment Settings",
			{"charge_no_show_fee": 1, "no_show_fee_item": fee_item, "no_show_fee_rate": 15},
		)
		name = self.confirmed()
		actions.mark_no_show(name)
		fee = frappe.get_doc("Sales Invoice", appointment_value(name, "no_show_invoice"))
		self.assertEqual((fee.items[0].item_code, fee.net_total, fee.docstatus), (fee_item, 15, 1))
		self.assertEqual(
			frappe.db.get_value("Sales Order", appointment_value(name, "sales_order"), "docstatus"), 2
		)


@needs_erpnext
class TestERPNextCustomFields(FrappeTestCase):
	"""Install and uninstall add and remove the links on ERPNext doctypes (DDL: this test commits)."""

	def test_custom_fields_come_and_go_with_the_app(self):
		from frappoint.integrations.erpnext import (
			all_custom_fields,
			install_custom_fields,
			remove_custom_fields,
		)

		expected = {(dt, f["fieldname"]) for dt, fields in all_custom_fields().items() for f in fields}
		try:
			remove_custom_fields()
			left = {
				(dt, f) for dt, f in expected if frappe.db.exists("Custom Field", {"dt": dt, "fieldname": f})
			}
			self.assertEqual(left, set())
			self.assertFalse(frappe.get_meta("Sales Order").has_field("service_appointment"))
		finally:
			install_custom_fields()
			frappe.db.commit()
		present = {
			(dt, f) for dt, f in expected if frappe.db.exists("Custom Field", {"dt": dt, "fieldname": f})
		}
		self.assertEqual(present, expected)
		self.assertTrue(frappe.get_meta("Sales Order").has_field("service_appointment"))
