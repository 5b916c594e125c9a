"""What the notification tests share: providers working in Tokyo (one with a user), and readers of
the emails queued and the messages logged about an appointment."""

import email
from datetime import datetime, time

import frappe
from frappe.tests.utils import FrappeTestCase
from icalendar import Calendar

from frappoint.booking import actions
from frappoint.booking.clock import to_site
from frappoint.scheduling import zone
from frappoint.tests.fixtures import (
	book,
	day,
	ensure_outgoing_email,
	make_provider,
	make_service,
	use_booking_settings,
)

APPOINTMENT = "Service Appointment"
LOG = "Appointment Notification"
PROVIDER_USER = "frappoint-notify-provider@example.com"


def tokyo(hour: int) -> datetime:
	"""`hour` o'clock in Tokyo (where the providers work) the day after tomorrow, as site time."""
	return to_site(datetime.combine(day(2), time(hour), tzinfo=zone("Asia/Tokyo")))


def provider_user() -> str:
	"""One user for the class; an earlier test's provider lets go of it (a user is one provider)."""
	frappe.db.set_value("Service Provider", {"user": PROVIDER_USER}, "user", None)
	if not frappe.db.exists("User", PROVIDER_USER):
		frappe.get_doc(
			{"doctype": "User", "email": PROVIDER_USER, "first_name": "Nia", "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	return PROVIDER_USER


def messages(name: str) -> list[tuple[str, str]]:
	"""(news, recipient) of every message logged for an appointment."""
	return sorted(
		(r.news, r.recipient or "")
		for r in frappe.get_all(
			LOG, filters={"appointment": name, "status": "Sent"}, fields=["news", "recipient"]
		)
	)


def mails(name: str, to: str | None = None) -> list[email.message.Message]:
	"""The emails queued about an appointment (to one address), oldest first."""
	rows = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": APPOINTMENT, "reference_name": name},
		fields=["name", "message"],
		order_by="creation",
	)
	return [
		email.message_from_string(r.message)
		for r in rows
		if not to or frappe.db.exists("Email Queue Recipient", {"parent": r.name, "recipient": to})
	]


def mail_to(name: str, address: str) -> email.message.Message:
	[found] = mails(name, to=address)
	return found


def body(message: email.message.Message) -> str:
	return "".join(
		part.get_payload(decode=True).decode()
		for part in message.walk()
		if part.get_content_type() == "text/html"
	)


def invitation(message: email.message.Message) -> Calendar | None:
	for part in message.walk():
		if part.get_content_type() == "text/calendar" or (part.get_filename() or "").endswith(".ics"):
			return Calendar.from_ical(part.get_payload(decode=True))
	return None


class NotificationCase(FrappeTestCase):
	"""A service, a provider with a user and one without, both in Tokyo; messages on."""

	def setUp(self):
		use_booking_settings(
			notify_customers=1, notify_providers=1, reminder_hours="24, 1", attach_calendar_invitation=1
		)
		ensure_outgoing_email()
		frappe.local.outgoing_email_account = {}
		self.service = make_service()
		self.provider = make_provider([self.service.name], user=provider_user(), timezone="Asia/Tokyo")
		self.other = make_provider([self.service.name], timezone="Asia/Tokyo")

	def confirmed(self, hour=10, **values):
		held = book(self.service.name, self.provider.name, tokyo(hour), **values)
		actions.confirm(held.name)
		return frappe.get_doc(APPOINTMENT, held.name)
