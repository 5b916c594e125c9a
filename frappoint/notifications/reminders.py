"""Reminders before confirmed appointments, at the hours set in Service Appointment Settings.

The sweep reads only what is due and not yet handled: per reminder hour, confirmed appointments
starting within that many hours (the `start_utc` index) that have no Appointment Notification with
that reminder's key. Each (appointment, hour) is handled once: sent, or recorded as not to be sent
(booked after its moment, or overtaken by a nearer reminder: `scheduling.reminder_due`).
"""

from datetime import timedelta

import frappe
from frappe.utils import cint

from frappoint.booking.clock import from_db, from_site, to_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.records import settings
from frappoint.booking.service import commit_job_step
from frappoint.notifications.delivery import deliver, skip
from frappoint.scheduling import Audience, News, Notice, message_key_suffix, parse_reminder_hours, reminder_due
from frappoint.scheduling.compat import UTC

BATCH = 500  # per reminder hour and sweep; the next sweep (5 minutes on) takes the rest


def send_due_reminders(now=None) -> int:
	"""The scheduler's sweep; the number of reminders sent."""
	s = settings()
	hours = parse_reminder_hours(s.reminder_hours)
	if not hours or not cint(s.notify_customers):
		return 0
	now = (now or clock_now()).astimezone(UTC)  # hours added to a zone's time would be wall-clock hours
	sent = 0
	for h in hours:
		notice = Notice(Audience.CUSTOMER, News.REMINDER)
		for name, start_utc, creation in due_rows(now, h, message_key_suffix(notice, str(h))):
			if reminder_due(from_db(start_utc), from_site(creation), now, hours) == h:
				sent += deliver(name, notice.audience.value, notice.news.value, reminder_hours=h) is not None
			else:
				skip(name, notice, h)
			commit_job_step()
	return sent


def due_rows(now, hours: int, key_suffix: str) -> list[tuple]:
	return frappe.db.sql(
		"""select a.name, a.start_utc, a.creation from `tabService Appointment` a
		where a.status = 'Confirmed' and a.start_utc > %(now)s and a.start_utc <= %(until)s
			and not exists (select 1 from `tabAppointment Notification` n where n.name = concat(a.name, %(suffix)s))
		order by a.start_utc limit %(batch)s""",
		{"now": to_db(now), "until": to_db(now + timedelta(hours=hours)), "suffix": key_suffix, "batch": BATCH},
	)
