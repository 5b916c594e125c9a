"""Reminders before confirmed appointments, at the hours set in Service Appointment Settings.

The sweep reads only the appointments in each reminder's window: per reminder hour, confirmed
appointments starting within that many hours (the `start_utc` index), less those whose reminder key
already names an Appointment Notification (primary-key lookups). Each (appointment, hour) is handled once: sent, or recorded as not to be sent
(booked after its moment, or overtaken by a nearer reminder: `scheduling.reminder_due`).
"""

from datetime import timedelta

import frappe
from frappe.utils import cint

from frappoint.booking.clock import from_db, from_site, to_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.locks import commit_job_step
from frappoint.booking.records import settings
from frappoint.notifications.delivery import deliver, skip
from frappoint.scheduling import (
	Audience,
	News,
	Notice,
	message_key_suffix,
	parse_reminder_hours,
	reminder_due,
)
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
	"""Confirmed appointments starting within `hours` whose reminder for `hours` is not handled yet:
	a range read on `start_utc`, then primary-key lookups of their keys (so the cost follows the
	appointments in the window, never the site's history of messages)."""
	window = frappe.db.sql(
		"""select name, start_utc, creation from `tabService Appointment`
		where status = 'Confirmed' and start_utc > %(now)s and start_utc <= %(until)s order by start_utc""",
		{"now": to_db(now), "until": to_db(now + timedelta(hours=hours))},
	)
	handled = set()
	for chunk in range(0, len(window), 1000):
		keys = [row[0] + key_suffix for row in window[chunk : chunk + 1000]]
		handled.update(
			frappe.db.sql_list(
				"select name from `tabAppointment Notification` where name in %(keys)s", {"keys": keys}
			)
		)
	return [row for row in window if row[0] + key_suffix not in handled][:BATCH]
