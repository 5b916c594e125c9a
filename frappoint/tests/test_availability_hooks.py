"""Another app's availability hook: a time it keeps free is neither listed nor bookable by name."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import SlotUnavailable
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


def keep_no_window(service, windows, range_start, range_end):
	"""An availability hook of another app that keeps every time free (a busy external calendar)."""
	return []


class TestAvailabilityHooks(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.db.rollback()

	def test_a_time_a_hook_removes_can_be_neither_listed_nor_booked_by_name(self):
		from frappe.tests.utils import patch_hooks

		from frappoint.booking.availability import windows_for
		from frappoint.booking.clock import from_site

		hook = {"frappoint_availability_providers": [f"{__name__}.keep_no_window"]}
		service_type = frappe.get_doc("Service Type", self.service.name)
		day = (from_site(at(2, 9)), from_site(at(2, 17)))
		self.assertTrue(windows_for(service_type, *day))
		booked_before = frappe.db.count("Service Appointment")
		with patch_hooks(hook):
			self.assertEqual(windows_for(service_type, *day), [])
			with self.assertRaises(SlotUnavailable):
				book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(frappe.db.count("Service Appointment"), booked_before)
		self.assertEqual(book(self.service.name, self.provider.name, at(2, 10)).status, "Open")
