"""Reminders go once per appointment and hour, only when due, never for a cancelled appointment,
on elapsed hours across DST changes."""

from datetime import datetime, timedelta

import frappe

from frappoint.booking import actions
from frappoint.booking.clock import to_db, to_site
from frappoint.notifications.reminders import send_due_reminders
from frappoint.scheduling import zone
from frappoint.scheduling.compat import UTC
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS
from frappoint.tests.messaging import APPOINTMENT, LOG, NotificationCase, body, mails

test_ignore = IGNORED_TEST_RECORDS


class TestReminders(NotificationCase):
	def far_away(self, doc, start: datetime) -> None:
		"""Put a confirmed appointment at `start` (aware), years from anything else on the site, so the
		sweep sees it alone."""
		end = start + timedelta(minutes=30)
		frappe.db.set_value(
			APPOINTMENT,
			doc.name,
			{
				"start_utc": to_db(start),
				"end_utc": to_db(end),
				"start_time": to_site(start),
				"end_time": to_site(end),
			},
		)

	def reminders(self, name: str) -> list[int]:
		return sorted(
			frappe.get_all(
				LOG,
				filters={"appointment": name, "news": "Appointment Reminder", "status": "Sent"},
				pluck="reminder_hours",
			)
		)

	def test_each_reminder_goes_once_when_due_and_never_for_a_cancelled_appointment(self):
		doc = self.confirmed()
		start = datetime(2031, 6, 10, 9, 0, tzinfo=UTC)
		self.far_away(doc, start)
		send_due_reminders(now=start - timedelta(hours=24, minutes=1))
		self.assertEqual(self.reminders(doc.name), [])
		for _ in range(2):  # a second tick at the same moment sends nothing more
			send_due_reminders(now=start - timedelta(hours=24))
		self.assertEqual(self.reminders(doc.name), [24])
		send_due_reminders(now=start - timedelta(hours=2))
		self.assertEqual(self.reminders(doc.name), [24])
		send_due_reminders(now=start - timedelta(minutes=59))
		self.assertEqual(self.reminders(doc.name), [1, 24])
		self.assertEqual(len([m for m in mails(doc.name) if "Reminder" in m["Subject"]]), 2)

		cancelled = self.confirmed(hour=11)
		self.far_away(cancelled, start)
		actions.cancel(cancelled.name)
		send_due_reminders(now=start - timedelta(hours=1))
		self.assertEqual(self.reminders(cancelled.name), [])

	def test_reminders_fall_on_elapsed_hours_across_a_dst_change_and_show_local_time(self):
		london = zone("Europe/London")
		doc = self.confirmed(customer_timezone="Europe/London")
		start = datetime(2031, 3, 30, 10, 0, tzinfo=london)  # the Sunday British clocks spring forward
		self.far_away(doc, start.astimezone(UTC))
		# 24 elapsed hours before 10:00 BST (09:00 UTC) is 09:00 GMT on Saturday, not 10:00
		send_due_reminders(now=datetime(2031, 3, 29, 8, 59, tzinfo=london))
		self.assertEqual(self.reminders(doc.name), [])
		send_due_reminders(now=datetime(2031, 3, 29, 9, 0, tzinfo=london))
		self.assertEqual(self.reminders(doc.name), [24])
		reminder = next(m for m in mails(doc.name) if "Reminder" in m["Subject"])
		self.assertIn("10:00 (Europe/London, UTC+0100)", body(reminder))

	def test_an_appointment_booked_after_its_reminder_time_gets_only_the_nearer_one(self):
		doc = self.confirmed()
		start = datetime(2031, 7, 1, 9, 0, tzinfo=UTC)
		self.far_away(doc, start)
		frappe.db.set_value(
			APPOINTMENT, doc.name, "creation", to_site(start - timedelta(hours=3)), update_modified=False
		)
		send_due_reminders(
			now=start - timedelta(hours=2)
		)  # the 24 h reminder's moment came before the booking
		send_due_reminders(now=start - timedelta(minutes=30))
		self.assertEqual(self.reminders(doc.name), [1])
		self.assertEqual(
			frappe.db.get_value(LOG, {"appointment": doc.name, "reminder_hours": 24}, "status"),
			"Nothing to Send",
		)
