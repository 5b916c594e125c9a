"""An appointment's life: every step journaled, forbidden transitions refused, no-shows keeping their
seats, cancellation and its cutoff, holds that expire (confirmed never, freed in passing and by the
sweep) and rescheduling that moves a booking or changes nothing."""

import frappe

from frappoint.booking import actions
from frappoint.booking.errors import (
	HoldExpired,
	InvalidBookingInput,
	InvalidTransition,
	NotBookableTime,
	SlotUnavailable,
)
from frappoint.booking.journal import verify
from frappoint.tests.appointments import AppointmentCase, events_of
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	expire_hold_now,
	live_seats,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestAppointmentLifecycle(AppointmentCase):
	def test_the_lifecycle_runs_and_journals_every_step(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		actions.complete(doc.name)
		self.assertEqual(frappe.db.get_value("Service Appointment", doc.name, "status"), "Completed")
		self.assertEqual(events_of(doc.name), ["held", "confirmed", "completed"])
		self.assertTrue(verify().ok)

	def test_forbidden_transitions_are_refused_and_change_nothing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.assertRaises(InvalidTransition) as caught:
			actions.complete(doc.name)
		self.assertEqual(caught.exception.http_status_code, 409)
		actions.cancel(doc.name)
		with self.assertRaises(InvalidTransition):
			actions.confirm(doc.name)
		# start and reassign keep the status, but not on a cancelled appointment: a 409, not a 500
		for refused in (
			lambda: actions.start(doc.name),
			lambda: actions.reassign(doc.name, self.provider.name),
		):
			with self.assertRaises(InvalidTransition) as caught:
				refused()
			self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(events_of(doc.name), ["held", "cancelled"])

	def test_no_show_keeps_the_seats(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		actions.mark_no_show(doc.name)
		self.assertEqual(len(live_seats(doc.name)), 3)

	def test_cancelling_releases_seats_for_the_next_customer(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.cancel(doc.name, reason="Changed my mind")
		self.assertEqual(live_seats(doc.name), [])
		self.assertEqual(book(self.service.name, self.provider.name, at(2, 10)).status, "Open")

	def test_customers_cannot_cancel_after_the_cutoff_but_staff_can(self):
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		with self.assertRaises(NotBookableTime):
			actions.cancel(doc.name, by_customer=True)
		self.assertEqual(actions.cancel(doc.name).status, "Cancelled")

	def test_status_and_price_cannot_be_edited_directly(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		doc.status = "Confirmed"
		with self.assertRaises(InvalidBookingInput):
			doc.save()
		doc.reload()
		doc.rate = 1
		with self.assertRaises(InvalidBookingInput):
			doc.save()
		doc.reload()
		doc.notes = "Prefers the window seat"
		doc.save(ignore_version=False)  # ordinary fields stay editable (tests skip versions unless asked)
		self.assertTrue(
			frappe.db.exists("Version", {"ref_doctype": "Service Appointment", "docname": doc.name})
		)

	def test_an_expired_hold_cannot_be_confirmed(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		expire_hold_now(doc.name)
		with self.assertRaises(HoldExpired):
			actions.confirm(doc.name)

	def test_an_expired_hold_is_free_for_the_next_booking_and_expired_in_passing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		expire_hold_now(doc.name)
		newcomer = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(newcomer.status, "Open")
		self.assertEqual(frappe.db.get_value("Service Appointment", doc.name, "status"), "Cancelled")
		self.assertEqual(events_of(doc.name), ["held", "hold_expired"])

	def test_the_sweep_expires_every_lapsed_hold(self):
		lapsed = book(self.service.name, self.provider.name, at(2, 10))
		live = book(self.service.name, self.provider.name, at(2, 11))
		expire_hold_now(lapsed.name)
		self.assertGreaterEqual(actions.expire_all_stale_holds(), 1)
		self.assertEqual(frappe.db.get_value("Service Appointment", lapsed.name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("Service Appointment", live.name, "status"), "Open")

	def test_reschedule_moves_a_confirmed_booking_and_links_both_ways(self):
		old = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(old.name)
		new = actions.reschedule(old.name, at(2, 10, 15))
		old.reload()
		self.assertEqual((old.status, old.rescheduled_to), ("Cancelled", new.name))
		self.assertEqual((new.status, new.rescheduled_from), ("Confirmed", old.name))
		self.assertEqual(events_of(old.name)[-1], "rescheduled_to")
		self.assertEqual(events_of(new.name), ["rescheduled_from"])
		self.assertTrue(verify().ok)

	def test_a_failed_reschedule_changes_nothing(self):
		old = book(self.service.name, self.provider.name, at(2, 10))
		blocker = book(self.service.name, self.provider.name, at(2, 14))
		events_before = frappe.db.count("Appointment Event")
		with self.assertRaises(SlotUnavailable):
			actions.reschedule(old.name, at(2, 14))
		old.reload()
		self.assertEqual(old.status, "Open")
		self.assertEqual(len(live_seats(old.name)), 3)
		self.assertEqual(frappe.db.count("Appointment Event"), events_before)
		self.assertEqual(frappe.db.get_value("Service Appointment", blocker.name, "status"), "Open")
