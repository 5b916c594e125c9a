"""The technician portal's API: a provider's own jobs only (by any route), no prices, actions through
the lifecycle and journal, each safe to send twice; /jobs for providers only."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import jobs as jobs_api
from frappoint.booking import actions
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	make_user,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS
APPOINTMENT = "Service Appointment"


class TestJobs(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.tech = make_user("Service Provider")
		self.other_tech = make_user("Service Provider")
		self.mine = make_provider([self.service.name], user=self.tech)
		self.theirs = make_provider([self.service.name], user=self.other_tech)
		self.job = self.confirmed(self.mine, 10, job_latitude=51.5, job_longitude=-0.12)
		self.later = self.confirmed(
			self.mine, 12, job_latitude=51.51, job_longitude=-0.12, job_address="1 Main St\nLeeds"
		)
		self.not_mine = self.confirmed(self.theirs, 10)

	def tearDown(self):
		frappe.set_user("Administrator")

	def confirmed(self, provider, hour, **values):
		doc = book(self.service.name, provider.name, at(1, hour), **values)
		actions.confirm(doc.name)
		return doc

	def test_a_technician_sees_their_jobs_in_order_with_the_leg_between_and_no_price(self):
		frappe.set_user(self.tech)
		answer = jobs_api.jobs()
		names = [j["name"] for j in answer["jobs"]]
		self.assertEqual(names, [self.job.name, self.later.name])
		self.assertIsNone(answer["jobs"][0]["km_from_previous"])
		self.assertAlmostEqual(answer["jobs"][1]["km_from_previous"], 1.1, delta=0.1)
		self.assertIn("openstreetmap.org", answer["jobs"][0]["map"])
		self.assertEqual(answer["jobs"][1]["address"], "1 Main St\nLeeds")
		self.assertIsNone(answer["jobs"][0]["address"])
		self.assertFalse({"rate", "price", "sales_order", "sales_invoice"} & set(answer["jobs"][0]))

	def test_start_note_complete_go_through_the_lifecycle_and_may_be_sent_twice(self):
		frappe.set_user(self.tech)
		for _ in range(2):  # a retry after a lost answer
			self.assertTrue(jobs_api.act(self.job.name, "start")["started"])
		for _ in range(2):
			jobs_api.add_note(self.job.name, "Replaced the valve", request_id="req-1")
		for _ in range(2):
			self.assertEqual(jobs_api.act(self.job.name, "complete")["status"], "Completed")
		frappe.set_user("Administrator")
		events = frappe.get_all(
			"Appointment Event",
			filters={"appointment": self.job.name},
			pluck="event_type",
			order_by="stream_seq",
		)
		self.assertEqual(events, ["held", "confirmed", "started", "completed"])
		comments = frappe.get_all(
			"Comment", filters={"reference_name": self.job.name, "comment_type": "Comment"}, pluck="content"
		)
		self.assertEqual(comments, ["Replaced the valve"])

	def test_nobody_elses_job_by_any_route(self):
		frappe.set_user(self.tech)
		self.assertNotIn(self.not_mine.name, [j["name"] for j in jobs_api.jobs()["jobs"]])
		for call in (
			lambda: jobs_api.act(self.not_mine.name, "complete"),
			lambda: jobs_api.add_note(self.not_mine.name, "hello", request_id="x"),
		):
			with self.assertRaises(frappe.DoesNotExistError):
				call()
		self.assertFalse(
			frappe.has_permission(APPOINTMENT, "read", doc=frappe.get_doc(APPOINTMENT, self.not_mine.name))
		)
		self.assertNotIn(self.not_mine.name, frappe.get_list(APPOINTMENT, pluck="name"))
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(APPOINTMENT, self.not_mine.name, "status"), "Confirmed")

	def test_only_providers_and_only_known_actions(self):
		frappe.set_user(make_user(None, website=True))
		with self.assertRaises(frappe.PermissionError):
			jobs_api.jobs()
		frappe.set_user(self.tech)
		with self.assertRaises(frappe.ValidationError) as caught:
			jobs_api.act(self.job.name, "delete")
		self.assertEqual(caught.exception.http_status_code, 400)
		for shape in (["start"], {"action": "start"}, 7):  # what a client may send instead of a name
			with self.assertRaises(frappe.ValidationError) as caught:
				jobs_api.act(self.job.name, shape)
			self.assertEqual(caught.exception.http_status_code, 400)
		self.assertEqual(frappe.db.get_value("Service Appointment", self.job.name, "started_at"), None)
		with self.assertRaises(frappe.ValidationError):
			jobs_api.add_note(self.job.name, "", request_id="y")
