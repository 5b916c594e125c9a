"""Completion issues the consumables from stock once, by ERPNext's rules; the provider's Sales Person
earns the commission on the order and the invoice."""

import frappe

from frappoint.booking import actions
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import run_step
from frappoint.tests.accounting import (
	BillingCase,
	appointment_value,
	make_item,
	needs_erpnext,
	sales_orders,
)
from frappoint.tests.fixtures import (
	at,
	book,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	unique,
)


def make_stock_item(**values) -> str:
	code = unique("Towel").replace(" ", "-")
	item = {"doctype": "Item", "item_code": code, "item_group": "Consumable", "stock_uom": "Nos"}
	frappe.get_doc({**item, "is_stock_item": 1, "valuation_rate": 2, **values}).insert()
	return code


def make_warehouse(company: str, label: str) -> str:
	warehouse = {"doctype": "Warehouse", "warehouse_name": unique(label), "company": company}
	return frappe.get_doc(warehouse).insert().name


def receive(item_code: str, warehouse: str, qty: float) -> None:
	"""A submitted Material Receipt, as stock arrives in ERPNext."""
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	make_stock_entry(item_code=item_code, qty=qty, to_warehouse=warehouse, rate=2)


def issued(appointment: str) -> set[tuple]:
	"""(item, warehouse, qty) of the stock ledger entries the appointment's Stock Entries posted."""
	rows = frappe.db.sql(
		"""select sle.item_code, sle.warehouse, sle.actual_qty
		from `tabStock Ledger Entry` sle join `tabStock Entry` se on se.name = sle.voucher_no
		where sle.voucher_type = 'Stock Entry' and sle.is_cancelled = 0 and se.service_appointment = %s""",
		appointment,
	)
	return {(item, warehouse, float(qty)) for item, warehouse, qty in rows}


def stock_entries(appointment: str) -> int:
	return frappe.db.sql("select count(*) from `tabStock Entry` where service_appointment = %s", appointment)[
		0
	][0]


def row(item_code, qty, consumption="Per Appointment") -> dict:
	return {"item_code": item_code, "qty": qty, "consumption": consumption}


@needs_erpnext
class TestStockAndCommissions(BillingCase):
	def setUp(self):
		self.bill_in_erpnext()
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		frappe.clear_document_cache("Stock Settings", "Stock Settings")
		self.billing_item = make_item()
		self.van = make_warehouse(self.company, "Van")

	def tearDown(self):
		super().tearDown()
		frappe.clear_document_cache("Stock Settings", "Stock Settings")

	def group_service(self, consumables, **values):
		"""A 30-minute class of two clients on 15-minute slots: each client holds one seat in two slots."""
		return make_service(
			billing_item=self.billing_item,
			company=self.company,
			max_clients_per_slot=2,
			consumables=consumables,
			**values,
		)

	def provider(self, svc, **values):
		return make_provider([svc.name], slot_capacity=2, **{"warehouse": self.van, **values}).name

	def completed(self, svc, provider: str) -> str:
		doc = book(svc.name, provider, at(2, 10))
		actions.confirm(doc.name)
		actions.complete(doc.name)
		return doc.name

	# --- stock ---

	def test_completion_issues_per_appointment_and_per_seat_rows_from_the_providers_warehouse(self):
		kit, towel = make_stock_item(), make_stock_item()
		receive(kit, self.van, 10)
		receive(towel, self.van, 10)
		svc = self.group_service([row(kit, 2), row(towel, 1, "Per Seat")])
		provider = self.provider(svc)
		first, second = self.completed(svc, provider), self.completed(svc, provider)

		# a seat is a client, counted once however many slots the appointment spans
		for name in (first, second):
			self.assertEqual(issued(name), {(kit, self.van, -2.0), (towel, self.van, -1.0)})
			se = frappe.get_doc("Stock Entry", appointment_value(name, "stock_entry"))
			self.assertEqual(
				(se.docstatus, se.purpose, se.stock_entry_type, se.service_appointment),
				(1, "Material Issue", "Material Issue", name),
			)
		left = frappe.db.get_value("Bin", {"item_code": towel, "warehouse": self.van}, "actual_qty")
		self.assertEqual(left, 8)
		events = frappe.get_all("Appointment Event", filters={"appointment": first}, pluck="event_type")
		self.assertIn("stock_issued", events)

	def test_a_units_consumables_come_from_the_units_warehouse_once_per_unit_used(self):
		room_type = make_unit_type()
		room = make_unit(room_type.name, capacity=2)
		room_store = make_warehouse(self.company, "Room Store")
		sheet, oil = make_stock_item(), make_stock_item()
		room.warehouse = room_store
		room.append("consumables", row(sheet, 1))
		room.save()
		receive(sheet, room_store, 5)
		receive(oil, self.van, 5)
		svc = self.group_service(
			[row(oil, 2, "Per Seat")], required_unit_types=[{"unit_type": room_type.name, "qty": 1}]
		)
		name = self.completed(svc, self.provider(svc))
		self.assertEqual(appointment_value(name, "accounting_error"), None)
		self.assertEqual(issued(name), {(sheet, room_store, -1.0), (oil, self.van, -2.0)})

	def test_without_a_provider_or_unit_warehouse_the_items_default_warehouse_is_used(self):
		shelf = make_warehouse(self.company, "Shelf")
		soap = make_stock_item(item_defaults=[{"company": self.company, "default_warehouse": shelf}])
		receive(soap, shelf, 3)
		svc = self.group_service([row(soap, 1)])
		name = self.completed(svc, self.provider(svc, warehouse=None))
		self.assertEqual(issued(name), {(soap, shelf, -1.0)})

	def test_nothing_to_consume_makes_no_stock_entry(self):
		svc = self.group_service([])
		name = self.completed(svc, self.provider(svc))
		self.assertTrue(appointment_value(name, "sales_invoice"))
		self.assertEqual(stock_entries(name), 0)

	def test_a_rerun_or_retried_completion_issues_nothing_twice(self):
		kit = make_stock_item()
		receive(kit, self.van, 10)
		svc = self.group_service([row(kit, 1)])
		name = self.completed(svc, self.provider(svc))
		issued_first = appointment_value(name, "stock_entry")
		run_step(name, "invoice")  # a re-run hook, a retried job
		# a second worker whose appointment row had not yet seen the link: the Stock Entry is found
		frappe.db.set_value("Service Appointment", name, "stock_entry", None)
		run_step(name, "invoice")
		frappe.db.set_value(
			"Service Appointment", name, {"accounting_status": "Failed", "accounting_action": "invoice"}
		)
		erpnext.retry(name)
		self.assertEqual(stock_entries(name), 1)
		self.assertEqual(appointment_value(name, "stock_entry"), issued_first)
		self.assertEqual(issued(name), {(kit, self.van, -1.0)})
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")

	def test_too_little_stock_fails_the_completion_whole_and_a_retry_after_receipt_issues_it(self):
		gloves = make_stock_item()
		receive(gloves, self.van, 1)
		svc = self.group_service([row(gloves, 3)])
		name = self.completed(svc, self.provider(svc))
		self.assertEqual(appointment_value(name, "accounting_status"), "Failed")
		error = appointment_value(name, "accounting_error")
		self.assertIn(gloves, error)
		self.assertIn(self.van, error)
		self.assertTrue(appointment_value(name, "accounting_error_log"))
		self.assertEqual(stock_entries(name), 0)  # all or nothing: neither issue nor invoice
		self.assertFalse(frappe.db.exists("Sales Invoice", {"service_appointment": name}))

		receive(gloves, self.van, 5)
		erpnext.retry(name)
		self.assertEqual(appointment_value(name, "accounting_status"), "Done")
		self.assertEqual(issued(name), {(gloves, self.van, -3.0)})
		self.assertEqual(frappe.db.count("Sales Invoice", {"service_appointment": name, "docstatus": 1}), 1)

	# --- commissions ---

	def test_the_providers_sales_person_earns_commission_on_the_order_and_the_invoice(self):
		rep = frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": unique("Rep"),
				"parent_sales_person": "Sales Team",
				"commission_rate": "10",
			}
		).insert()
		svc = self.group_service([])
		name = self.completed(svc, self.provider(svc, sales_person=rep.name))
		[order] = sales_orders(name)
		invoice = appointment_value(name, "sales_invoice")
		for doc in (frappe.get_doc("Sales Order", order), frappe.get_doc("Sales Invoice", invoice)):
			[team] = doc.sales_team
			self.assertEqual(
				(team.sales_person, team.allocated_percentage, team.commission_rate),
				(rep.name, 100, "10"),
			)
			# on the net total, without the VAT
			self.assertEqual((team.allocated_amount, team.incentives), (50, 5))

		from erpnext.selling.report.sales_person_commission_summary.sales_person_commission_summary import (
			execute,
		)

		report = {"doc_type": "Sales Invoice", "sales_person": rep.name, "company": self.company}
		_columns, rows = execute(report)
		self.assertEqual([(r[0], r[-1]) for r in rows if r[0]], [(invoice, 5)])  # invoice, incentives

	def test_a_provider_without_sales_person_adds_no_sales_team(self):
		svc = self.group_service([])
		name = self.completed(svc, self.provider(svc))
		self.assertEqual(frappe.get_doc("Sales Order", sales_orders(name)[0]).sales_team, [])
