"""Site-test fixtures for a Service Appointment's own tests: a case with a service (15 minutes'
buffer after) and a provider offering it, rolled back after each test, and an appointment's journal."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.tests.fixtures import make_provider, make_service, use_booking_settings


def events_of(name):
	return frappe.get_all(
		"Appointment Event", filters={"appointment": name}, pluck="event_type", order_by="sequence asc"
	)


class AppointmentCase(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service(buffer_after_minutes=15)
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.db.rollback()
