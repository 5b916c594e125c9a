"""A write that loses a lock race is run again, and one that keeps losing is a clear 503 that changed
nothing: never a 500 (booking.locks.retry_contention, on every write a guest, customer or provider
reaches). The races themselves are stormed over HTTP in tier 2d (security/hold_storm.py)."""

import frappe
from frappe.tests.utils import FrappeTestCase
from werkzeug.wrappers import Response

from frappoint.api import booking as api
from frappoint.api import jobs, waitlist
from frappoint.booking import locks
from frappoint.booking.errors import ServerBusy
from frappoint.frappoint.doctype.service_appointment.service_appointment import ServiceAppointment


class TestContention(FrappeTestCase):
	def tearDown(self):
		frappe.local.flags.pop("frappoint_retry_after", None)
		frappe.db.rollback()

	def losing(self, times: int, error=frappe.QueryDeadlockError):
		"""A write that MariaDB refuses `times` times, then lets through; and its attempt count."""
		marker = frappe.generate_hash(length=10)
		attempts = []

		@locks.retry_contention
		def write():
			frappe.get_doc({"doctype": "ToDo", "description": marker}).insert(ignore_permissions=True)
			attempts.append(marker)
			if len(attempts) <= times:
				raise error("Deadlock found when trying to get lock; try restarting transaction")
			return "written"

		return write, attempts, marker

	def test_a_write_that_lost_a_lock_race_runs_again_and_its_lost_attempt_leaves_nothing(self):
		for error in (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			write, attempts, marker = self.losing(2, error)
			self.assertEqual(write(), "written")
			self.assertEqual(len(attempts), 3)
			self.assertEqual(frappe.db.count("ToDo", {"description": marker}), 1)

	def test_a_write_that_keeps_losing_is_a_translated_503_with_retry_after_and_changes_nothing(self):
		write, attempts, marker = self.losing(locks.CONTENTION_ATTEMPTS)
		with self.assertRaises(ServerBusy) as refused:
			write()
		self.assertEqual(refused.exception.http_status_code, 503)
		self.assertEqual(len(attempts), locks.CONTENTION_ATTEMPTS)
		self.assertEqual(frappe.db.count("ToDo", {"description": marker}), 0)
		self.assertEqual(
			frappe.parse_json(frappe.local.message_log[-1])["message"],
			frappe._("The server is busy. Please try again in a moment."),
		)
		response = Response()
		locks.add_retry_after(response=response)
		self.assertEqual(response.headers["Retry-After"], str(locks.RETRY_AFTER_SECONDS))

	def test_other_errors_are_not_retried(self):
		attempts = []

		@locks.retry_contention
		def refused():
			attempts.append(1)
			frappe.throw("no", frappe.ValidationError)

		with self.assertRaises(frappe.ValidationError):
			refused()
		self.assertEqual(attempts, [1])

	def test_every_write_a_guest_customer_or_provider_reaches_retries(self):
		writes = [api.hold, api.confirm, api.cancel, api.reschedule, waitlist.join, jobs.act, jobs.add_note]
		writes += [
			getattr(ServiceAppointment, name)
			for name in ("confirm", "start", "complete", "mark_no_show", "cancel_appointment", "reschedule")
		]
		for write in writes:
			self.assertTrue(getattr(write, "retries_contention", False), write.__qualname__)

	def test_a_change_whose_transaction_ended_under_it_is_undone_and_raised_as_a_lost_race(self):
		"""Code inside `all_or_nothing` that loses the transaction and goes on (a framework hook that
		catches a deadlock's error and logs it; a commit) must not leave what it did next."""
		first, after = frappe.generate_hash(length=10), frappe.generate_hash(length=10)
		counted = locks.guard_counts()["transaction_lost"]
		frappe.db.savepoint("before_the_change")
		with self.assertRaises(locks.TransactionLost) as lost:
			with locks.all_or_nothing("frappoint_probe"):
				frappe.get_doc({"doctype": "ToDo", "description": first}).insert(ignore_permissions=True)
				# what MariaDB does to a deadlock's victim: everything undone, the change's savepoint gone
				frappe.db.rollback(save_point="before_the_change")
				frappe.get_doc({"doctype": "ToDo", "description": after}).insert(ignore_permissions=True)
		self.assertIsInstance(lost.exception, frappe.QueryDeadlockError)  # every retry path runs it again
		self.assertEqual(frappe.db.count("ToDo", {"description": ("in", [first, after])}), 0)
		self.assertEqual(locks.guard_counts()["transaction_lost"], counted + 1)  # the storms print it

	def test_a_failing_change_whose_transaction_was_lost_is_a_lost_race_not_its_own_error(self):
		marker = frappe.generate_hash(length=10)
		frappe.db.savepoint("before_the_change")
		with self.assertRaises(locks.TransactionLost) as lost:
			with locks.all_or_nothing("frappoint_probe"):
				frappe.db.rollback(save_point="before_the_change")
				frappe.get_doc({"doctype": "ToDo", "description": marker}).insert(ignore_permissions=True)
				frappe.throw("Allocated amount cannot be greater than unadjusted amount")
		self.assertIsInstance(lost.exception.__cause__, frappe.ValidationError)
		self.assertEqual(frappe.db.count("ToDo", {"description": marker}), 0)

	def test_a_change_that_keeps_its_transaction_keeps_its_work_and_its_own_errors(self):
		kept, undone = frappe.generate_hash(length=10), frappe.generate_hash(length=10)
		with locks.all_or_nothing("frappoint_probe"):
			frappe.get_doc({"doctype": "ToDo", "description": kept}).insert(ignore_permissions=True)
		with self.assertRaises(frappe.ValidationError) as failed:
			with locks.all_or_nothing("frappoint_probe"):
				frappe.get_doc({"doctype": "ToDo", "description": undone}).insert(ignore_permissions=True)
				frappe.throw("a validation error")
		self.assertNotIsInstance(failed.exception, locks.TransactionLost)
		self.assertEqual(frappe.db.count("ToDo", {"description": kept}), 1)
		self.assertEqual(frappe.db.count("ToDo", {"description": undone}), 0)
