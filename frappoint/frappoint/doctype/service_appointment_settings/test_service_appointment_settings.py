# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking.errors import InvalidBookingInput
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS

test_ignore = IGNORED_TEST_RECORDS
SETTINGS = "Service Appointment Settings"


class TestServiceAppointmentSettings(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_a_slot_size_that_does_not_divide_a_day_is_refused(self):
		settings = frappe.get_doc("Service Appointment Settings")
		settings.default_slot_minutes = 7
		with self.assertRaises(InvalidBookingInput):
			settings.save()

	def test_bookings_never_write_the_settings(self):
		"""Settings held the journal head once: every booking bumped their `modified`, and an admin
		saving them under load met "document has been modified"."""
		from frappoint.booking import actions
		from frappoint.tests.fixtures import at, book, make_provider, make_service, use_booking_settings

		use_booking_settings()
		stamp = frappe.db.sql(
			"select value from `tabSingles` where doctype = %s and field = 'modified'", SETTINGS
		)
		svc = make_service()
		held = book(svc.name, make_provider([svc.name]).name, at(2, 10))
		actions.confirm(held.name)
		actions.cancel(held.name)
		self.assertEqual(
			frappe.db.sql(
				"select value from `tabSingles` where doctype = %s and field = 'modified'", SETTINGS
			),
			stamp,
		)
		self.assertIsNone(frappe.get_meta(SETTINGS).get_field("journal_sequence"))

	def test_an_old_copy_put_back_in_the_cache_after_a_save_is_not_used(self):
		"""A request that read the row before an admin's save committed can cache it after the save
		cleared the cache: the booking service must still use what was saved."""
		import copy

		from frappoint.booking import records
		from frappoint.tests.fixtures import use_booking_settings

		use_booking_settings()  # valid Settings to save, whatever the site's are
		before = copy.deepcopy(frappe.get_doc(SETTINGS))
		settings = frappe.get_doc(SETTINGS)
		settings.holds_per_ip = (before.holds_per_ip or 10) + 7
		settings.save()
		try:
			frappe.db.after_commit.run()  # what the save's commit runs (a test never commits)
			frappe.cache.set_value(frappe.get_document_cache_key(SETTINGS, SETTINGS), before)
			self.assertEqual(records.settings().holds_per_ip, settings.holds_per_ip)
		finally:
			frappe.cache.delete_value(records.SETTINGS_SAVED_KEY)
			frappe.clear_document_cache(SETTINGS, SETTINGS)
