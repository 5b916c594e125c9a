"""The outbox on the site: what a change asks for is written in the change's own transaction (gone with
it when it rolls back), run until it has run, tried again after a failure, given up after
MAX_ATTEMPTS with an Error Log; one wait-list offer row per freed seat, not one per service."""

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions, outbox
from frappoint.booking.clock import now as clock_now
from frappoint.booking.clock import to_db
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS
OUTBOX = "Booking Outbox"
CALLS = []


def remember_call(value, fail=False):
	"""A handler for these tests: notes the call, or fails as a broken mail setup would."""
	if fail:
		raise RuntimeError("the mail server is down")
	CALLS.append(value)


def due_now(name: str) -> None:
	"""As if the grace (or a lease) had passed."""
	frappe.db.set_value(OUTBOX, name, "not_before_utc", to_db(clock_now() - timedelta(seconds=1)))


class TestOutbox(FrappeTestCase):
	def setUp(self):
		CALLS.clear()
		frappe.set_user("Administrator")
		use_booking_settings(notify_customers=1, notify_providers=1)

	def rows(self, **filters):
		return frappe.get_all(
			OUTBOX, filters=filters, fields=["name", "job_key", "status", "attempts", "last_error"]
		)

	def test_a_pending_row_waits_for_its_grace_then_the_dispatcher_runs_it_once(self):
		name = outbox.record("frappoint.tests.test_outbox.remember_call", "outbox-test:once", value="a")
		self.assertEqual(outbox.dispatch(), 0)  # its own job runs it first: the dispatcher waits
		self.assertEqual(CALLS, [])
		due_now(name)
		self.assertEqual(outbox.dispatch(), 1)
		self.assertEqual(CALLS, ["a"])
		self.assertEqual(frappe.db.get_value(OUTBOX, name, ["status", "attempts"]), ("Done", 1))
		due_now(name)
		self.assertEqual(outbox.dispatch(), 0)
		self.assertFalse(outbox.run(name, first=True))  # its job arriving late finds it done
		self.assertEqual(CALLS, ["a"])

	def test_a_run_in_progress_keeps_others_away_until_its_lease_passes(self):
		name = outbox.record("frappoint.tests.test_outbox.remember_call", "outbox-test:lease", value="b")
		# a worker claimed it and was killed: the lease still runs
		frappe.db.set_value(
			OUTBOX, name, {"attempts": 1, "not_before_utc": to_db(clock_now() + timedelta(seconds=20))}
		)
		self.assertFalse(outbox.run(name, first=True))
		self.assertEqual(outbox.dispatch(), 0)
		due_now(name)  # the lease passed: the killed run's work is done again, once
		self.assertEqual(outbox.dispatch(), 1)
		self.assertEqual(CALLS, ["b"])
		self.assertEqual(frappe.db.get_value(OUTBOX, name, ["status", "attempts"]), ("Done", 2))

	def test_a_failed_run_is_undone_and_tried_again_later_then_given_up_with_an_error_log(self):
		name = outbox.record(
			"frappoint.tests.test_outbox.remember_call", "outbox-test:fail", value="c", fail=True
		)
		errors_before = frappe.db.count("Error Log")
		for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
			due_now(name)
			self.assertFalse(outbox.run(name))
			row = frappe.db.get_value(
				OUTBOX, name, ["status", "attempts", "last_error", "not_before_utc"], as_dict=True
			)
			self.assertEqual(row.attempts, attempt)
			self.assertIn("the mail server is down", row.last_error)
			if attempt < outbox.MAX_ATTEMPTS:
				self.assertEqual(row.status, "Pending")
				self.assertGreater(
					row.not_before_utc, frappe.utils.get_datetime(to_db(clock_now()))
				)  # backs off
				self.assertEqual(frappe.db.count("Error Log"), errors_before)
		self.assertEqual(row.status, "Failed")
		self.assertEqual(frappe.db.count("Error Log"), errors_before + 1)
		due_now(name)
		self.assertEqual(outbox.dispatch(), 0)  # given up: an admin reads why
		self.assertEqual(CALLS, [])

	def test_rows_of_one_key_committed_before_a_run_starts_are_covered_by_it(self):
		first = outbox.record("frappoint.tests.test_outbox.remember_call", "outbox-test:same", value="d")
		second = outbox.record("frappoint.tests.test_outbox.remember_call", "outbox-test:same", value="d")
		other = outbox.record("frappoint.tests.test_outbox.remember_call", "outbox-test:other", value="e")
		self.assertTrue(outbox.run(first, first=True))
		self.assertEqual(
			frappe.db.get_value(OUTBOX, second, ["status", "last_error"]), ("Done", f"Covered by {first}")
		)
		self.assertEqual(frappe.db.get_value(OUTBOX, other, "status"), "Pending")
		self.assertEqual(CALLS, ["d"])

	def test_only_frappoint_methods_are_recorded(self):
		with self.assertRaises(ValueError):
			outbox.record("frappe.client.delete", "outbox-test:foreign", doctype="User", name="Administrator")

	def test_a_cancellation_records_its_messages_with_it_and_a_rollback_takes_them_away(self):
		svc = make_service()
		provider = make_provider([svc.name])
		held = book(svc.name, provider.name, at(2, 10))
		actions.confirm(held.name)
		before = {r.name for r in self.rows()}
		frappe.db.savepoint("before_cancel")
		actions.cancel(held.name, reason="Changed plans")
		added = [r for r in self.rows() if r.name not in before]
		keys = [r.job_key for r in added]
		self.assertTrue(any(k.startswith(f"frappoint-notify::{held.name}") for k in keys), keys)
		self.assertTrue(all(r.status == "Done" for r in added))  # tests run each at once
		frappe.db.rollback(save_point="before_cancel")
		self.assertEqual({r.name for r in self.rows()}, before)

	def test_each_freed_seat_gets_its_own_wait_list_offer_row(self):
		svc = make_service()
		provider = make_provider([svc.name])
		held = [book(svc.name, provider.name, at(2, hour)) for hour in (10, 11)]
		for appointment in held:
			actions.confirm(appointment.name)
		for appointment in held:
			actions.cancel(appointment.name, reason="Changed plans")
		offers = [r.job_key for r in self.rows(method="frappoint.booking.waitlist.offer_freed_times")]
		for appointment in held:
			self.assertEqual(
				sum(
					1 for k in offers if k.startswith(f"frappoint-waitlist::{svc.name}::{appointment.name}:")
				),
				1,
				offers,
			)
