"""Scheduler entry points and hooks, run as the scheduler would run them."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint import tasks
from frappoint.tests.fixtures import (
	at,
	book,
	expire_hold_now,
	make_provider,
	make_service,
	use_booking_settings,
)


class TestTasks(FrappeTestCase):
	def setUp(self):
		use_booking_settings(max_advance_days=2)
		self.service = make_service()

	def tearDown(self):
		frappe.db.rollback()

	def test_the_scheduler_declares_the_jobs(self):
		events = frappe.get_hooks("scheduler_events")
		self.assertIn("frappoint.tasks.expire_stale_holds", events["cron"]["*/5 * * * *"])
		self.assertIn("frappoint.tasks.keep_slots_generated", events["hourly_long"])
		for path in ("frappoint.tasks.expire_stale_holds", "frappoint.tasks.keep_slots_generated"):
			self.assertTrue(frappe.db.exists("Scheduled Job Type", {"method": path}), path)

	def test_the_hourly_job_fills_every_active_providers_horizon(self):
		provider = make_provider([self.service.name], generate_days=0)
		idle = make_provider([self.service.name], generate_days=0, active=0)
		tasks.regenerate_all_slots()
		self.assertEqual(frappe.db.count("Service Provider Slot", {"provider": provider.name}), 3 * 32)
		self.assertEqual(frappe.db.count("Service Provider Slot", {"provider": idle.name}), 0)

	def test_the_sweep_expires_lapsed_holds(self):
		provider = make_provider([self.service.name])
		lapsed = book(self.service.name, provider.name, at(1, 10))
		expire_hold_now(lapsed.name)
		tasks.expire_stale_holds()
		self.assertEqual(frappe.db.get_value("Service Appointment", lapsed.name, "status"), "Cancelled")

	def test_the_provider_job_follows_a_shift_change(self):
		provider = make_provider([self.service.name])
		for row in provider.shifts:
			row.end_time = "12:00:00"
		provider.save()
		tasks.regenerate_provider_slots(provider.name)
		starts = frappe.get_all(
			"Service Provider Slot",
			filters={"provider": provider.name, "slot_start": ("between", [at(1, 0), at(1, 23)])},
			pluck="slot_start",
		)
		self.assertEqual(len(starts), 12)  # 09:00-12:00 in quarters
		self.assertLess(max(starts), at(1, 12))
