"""Who sees and acts on an appointment: providers their own, customers their own bookings, staff
everything; actions refuse a doctored copy and a GET."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint import permissions as frappoint_permissions
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestAppointmentPermissions(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider_user = self.make_user("Service Provider")
		self.mine = make_provider([self.service.name], user=self.provider_user)
		self.theirs = make_provider([self.service.name])
		self.my_job = book(self.service.name, self.mine.name, at(2, 10))
		self.their_job = book(self.service.name, self.theirs.name, at(2, 10))

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def make_user(self, role):
		email = f"{frappe.generate_hash(length=8)}@example.com"
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Test", "send_welcome_email": 0}
		)
		user.append("roles", {"role": role})
		user.insert(ignore_permissions=True)
		return user.name

	def test_a_provider_sees_only_their_own_appointments(self):
		frappe.set_user(self.provider_user)
		visible = set(frappe.get_list("Service Appointment", pluck="name"))
		self.assertIn(self.my_job.name, visible)
		self.assertNotIn(self.their_job.name, visible)
		self.assertTrue(frappe.has_permission("Service Appointment", "read", self.my_job.name))
		self.assertFalse(frappe.has_permission("Service Appointment", "read", self.their_job.name))

	def test_a_customer_sees_only_their_own_bookings(self):
		customer = self.make_user("Guest")  # a website user with no desk role
		frappe.db.set_value("User", customer, "user_type", "Website User")
		mine = book(self.service.name, self.theirs.name, at(2, 11), customer_email=customer)
		frappe.set_user(customer)
		self.assertTrue(frappoint_permissions.has_appointment_permission(mine, "read", customer))
		self.assertFalse(frappoint_permissions.has_appointment_permission(self.their_job, "read", customer))
		self.assertIn(
			frappe.db.escape(customer), frappoint_permissions.appointment_query_conditions(customer)
		)

	def test_a_provider_cannot_act_on_anothers_appointment_by_posting_a_doctored_copy(self):
		from frappe.handler import run_doc_method
		from frappe.utils import set_request

		forged = self.their_job.as_dict(convert_dates_to_str=True)
		forged["provider"] = self.mine.name  # what the provider may write, on a record they may not
		request = getattr(frappe.local, "request", None)
		set_request(method="POST", path="/api/method/run_doc_method")
		frappe.set_user(self.provider_user)
		try:
			for method in ("confirm", "cancel_appointment", "mark_no_show"):
				with self.assertRaises(frappe.PermissionError, msg=method):
					run_doc_method(method, docs=frappe.as_json(forged))
		finally:
			frappe.local.request = request
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Service Appointment", self.their_job.name, "status"), "Open")

	def test_actions_refuse_a_get_request_by_either_route(self):
		from frappe.api.v1 import execute_doc_method
		from frappe.handler import run_doc_method
		from frappe.utils import set_request

		name = self.their_job.name
		request = getattr(frappe.local, "request", None)
		try:
			set_request(method="GET", path="/api/method/run_doc_method")
			with self.assertRaises(frappe.PermissionError):
				run_doc_method("confirm", dt="Service Appointment", dn=name)
			set_request(method="GET", path=f"/api/resource/Service Appointment/{name}/confirm")
			with self.assertRaises(frappe.PermissionError):
				execute_doc_method("Service Appointment", name, "confirm")
		finally:
			frappe.local.request = request
		self.assertEqual(frappe.db.get_value("Service Appointment", name, "status"), "Open")

	def test_staff_see_everything(self):
		frappe.set_user(self.make_user("Frappoint User"))
		visible = set(frappe.get_list("Service Appointment", pluck="name"))
		self.assertTrue({self.my_job.name, self.their_job.name} <= visible)
