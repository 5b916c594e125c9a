"""Accounting jobs that run late, out of order or never: a late order job bills nothing after a
cancellation, jobs out of order still make one order and one invoice, and the reconciler queues
again what a lost job left."""

from contextlib import contextmanager

import frappe

from frappoint.booking import actions
from frappoint.integrations import erpnext
from frappoint.integrations.erpnext import run_step
from frappoint.tests.accounting import AccountingCase, appointment_value, needs_erpnext, sales_orders
from frappoint.tests.fixtures import at, book


@needs_erpnext
class TestAccountingJobs(AccountingCase):
	@contextmanager
	def jobs_held(self):
		"""Keep the accounting jobs the lifecycle queues, as a busy queue would, to run them later."""
		queued = []
		enqueue = erpnext.runner.enqueue_step
		erpnext.runner.enqueue_step = lambda appointment, step: queued.append((appointment, step))
		try:
			yield queued
		finally:
			erpnext.runner.enqueue_step = enqueue

	def test_an_order_job_that_arrives_after_the_cancellation_bills_nothing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
			actions.cancel(doc.name)
		self.assertEqual(queued, [(doc.name, "order")])  # nothing billed yet: no cancel job
		run_step(*queued[0])
		self.assertEqual(sales_orders(doc.name, docstatus=("<", 3)), [])
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_jobs_run_out_of_order_still_make_one_order_and_one_invoice(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
			actions.complete(doc.name)
		self.assertEqual([step for _, step in queued], ["order", "invoice"])
		for job in reversed(queued):
			run_step(*job)
		self.assertEqual(len(sales_orders(doc.name)), 1)
		self.assertEqual(
			frappe.db.count("Sales Invoice", {"service_appointment": doc.name, "docstatus": 1}), 1
		)
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_the_reconciler_queues_again_what_a_lost_job_left_pending(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.jobs_held() as queued:
			actions.confirm(doc.name)
		self.assertEqual(len(queued), 1)  # the order's job, held back as if lost
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Pending")
		self.assertEqual(erpnext.reconcile([doc.name]), [])  # its job may still be on its way
		long_ago = frappe.utils.add_to_date(None, minutes=-(erpnext.RECONCILE_AFTER_MINUTES + 1))
		frappe.db.set_value("Service Appointment", doc.name, "modified", long_ago, update_modified=False)
		self.assertEqual(erpnext.reconcile([doc.name]), [doc.name])  # queued again (inline here)
		self.assertEqual(len(sales_orders(doc.name)), 1)
		self.assertEqual(appointment_value(doc.name, "accounting_status"), "Done")

	def test_the_reconciler_bills_a_completed_appointment_marked_done_without_invoice(self):
		name = self.confirmed()
		frappe.db.set_value("Service Appointment", name, "status", "Completed")  # as a split step left it
		self.assertEqual(erpnext.reconcile([name]), [name])
		self.assertTrue(appointment_value(name, "sales_invoice"))
