"""New leave or a shift change that leaves booked appointments outside availability: they are
flagged (and unflagged when it is withdrawn), dispatch suggests another provider, and staff can ask
the customer to choose a new time."""

import frappe

from frappoint.booking import actions
from frappoint.booking.slot_generation import regenerate
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, book, day
from frappoint.tests.messaging import APPOINTMENT, LOG, NotificationCase, body, mails, tokyo

test_ignore = IGNORED_TEST_RECORDS


class TestAvailabilityConflicts(NotificationCase):
	def regenerate(self, provider=None):
		regenerate((provider or self.provider).name, day(0), day(3))

	def flagged(self, name: str) -> bool:
		return bool(frappe.db.get_value(APPOINTMENT, name, "availability_conflict"))

	def leave(self, start_hour: int, end_hour: int):
		return frappe.get_doc(
			{
				"doctype": "Provider Availability Exception",
				"provider": self.provider.name,
				"kind": "Leave",
				"from_datetime": tokyo(start_hour),
				"to_datetime": tokyo(end_hour),
			}
		).insert()

	def test_leave_flags_the_bookings_inside_it_and_withdrawing_it_clears_them(self):
		inside, outside = self.confirmed(hour=10), self.confirmed(hour=15)
		leave = self.leave(9, 12)
		self.regenerate()
		self.assertTrue(self.flagged(inside.name))
		self.assertFalse(self.flagged(outside.name))
		self.assertIn(self.provider.name, frappe.db.get_value(APPOINTMENT, inside.name, "availability_note"))
		# the desk's list filter finds it
		self.assertIn(
			inside.name,
			frappe.get_list(
				APPOINTMENT,
				filters={"provider": self.provider.name, "availability_conflict": 1},
				pluck="name",
			),
		)
		leave.delete()
		self.regenerate()
		self.assertFalse(self.flagged(inside.name))

	def test_a_shorter_shift_flags_the_bookings_it_no_longer_covers(self):
		late = self.confirmed(hour=16)
		provider = frappe.get_doc("Service Provider", self.provider.name)
		for shift in provider.shifts:
			shift.end_time = "12:00:00"
		provider.save()
		self.regenerate()
		self.assertTrue(self.flagged(late.name))

	def test_dispatch_suggests_a_free_provider_and_reassigning_resolves_the_conflict(self):
		doc = self.confirmed(hour=10)
		self.leave(9, 12)
		self.regenerate()
		appointment = frappe.get_doc(APPOINTMENT, doc.name)
		self.assertEqual(appointment.suggest_provider(), self.other.name)
		appointment.reassign(self.other.name)
		self.assertFalse(self.flagged(doc.name))
		self.assertEqual(frappe.db.get_value(APPOINTMENT, doc.name, "provider"), self.other.name)
		self.assertEqual(
			frappe.db.get_value(LOG, {"appointment": doc.name, "news": "Appointment Reassigned"}, "status"),
			"Sent",
		)

	def test_no_suggestion_when_nobody_else_is_free(self):
		doc = self.confirmed(hour=10)
		taken = book(self.service.name, self.other.name, tokyo(10))  # the other provider's one seat
		actions.confirm(taken.name)
		self.leave(9, 12)
		self.regenerate()
		self.assertIsNone(frappe.get_doc(APPOINTMENT, doc.name).suggest_provider())

	def test_asking_the_customer_sends_one_link_to_choose_a_new_time(self):
		doc = self.confirmed(hour=10)
		self.leave(9, 12)
		self.regenerate()
		appointment = frappe.get_doc(APPOINTMENT, doc.name)
		self.assertTrue(appointment.ask_customer_to_reschedule())
		self.assertFalse(appointment.ask_customer_to_reschedule())  # asked once
		[mail] = [m for m in mails(doc.name, to=doc.customer_email) if "choose a new time" in m["Subject"]]
		self.assertIn(f"/book?reschedule={doc.name}", body(mail).replace("&amp;", "&"))

	def test_cancelling_a_flagged_appointment_clears_the_flag(self):
		doc = self.confirmed(hour=10)
		self.leave(9, 12)
		self.regenerate()
		actions.cancel(doc.name, reason="Provider on leave")
		self.assertFalse(self.flagged(doc.name))
		self.assertEqual(frappe.db.get_value(APPOINTMENT, doc.name, "status"), "Cancelled")

	def test_regenerating_other_days_leaves_the_flag_alone(self):
		doc = self.confirmed(hour=10)
		self.leave(9, 12)
		self.regenerate()
		regenerate(self.provider.name, day(5), day(6))
		self.assertTrue(self.flagged(doc.name))
