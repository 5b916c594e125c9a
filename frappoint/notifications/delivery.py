"""One message, once: the job that emails (and texts) a customer or provider about an appointment.

Exactly once: the message's key (`scheduling.message_key`) names its Appointment Notification row.
The row and the Email Queue row commit together, so a retried job, a second worker or a second
scheduler tick finds the key taken and sends nothing. An SMS leaves the site at once, so it goes
only after that commit: at most once. A broken mail or SMS setup never touches the booking (it has
committed before this job runs); the row records what failed and the Error Log why.
"""

from contextlib import contextmanager
from dataclasses import dataclass

import frappe
from frappe.core.doctype.sms_settings.sms_settings import send_sms
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import cint

from frappoint.booking.locks import commit_job_step
from frappoint.booking.records import settings
from frappoint.notifications import calendar, templates
from frappoint.portal.views import appointment_view, manage_url, reschedule_url
from frappoint.scheduling import CALENDAR_METHOD, Audience, News, Notice, message_key
from frappoint.security import site_host, site_url

APPOINTMENT = "Service Appointment"
LOG = "Appointment Notification"
WITH_MANAGE_LINK = (
	News.CONFIRMED,
	News.MOVED,
	News.REASSIGNED,
	News.REMINDER,
	News.NEW_TIME_REQUESTED,
	News.WAITLIST_OFFER,
)


@dataclass(frozen=True)
class Recipient:
	name: str
	email: str | None
	phone: str | None
	timezone: str | None
	language: str | None


def recipient_for(doc, notice: Notice) -> Recipient:
	if notice.audience == Audience.CUSTOMER:
		return Recipient(
			doc.customer_name, doc.customer_email, doc.customer_phone, doc.customer_timezone, None
		)
	provider = frappe.get_cached_doc("Service Provider", notice.provider)
	user = frappe.db.get_value(
		"User", provider.user, ["email", "mobile_no", "language", "enabled"], as_dict=True
	)
	if not user or not user.enabled:
		return Recipient(provider.provider_name, None, None, provider.timezone, None)
	return Recipient(provider.provider_name, user.email, user.mobile_no, provider.timezone, user.language)


def deliver(appointment: str, audience: str, news: str, provider: str | None = None, reminder_hours: int = 0):
	"""Send one message; its log's status, or None when it had been sent (or skipped) before."""
	notice = Notice(Audience(audience), News(news), provider)
	key = message_key(appointment, notice, str(reminder_hours or ""))
	if frappe.db.exists(LOG, key):
		return None
	doc = frappe.get_doc(APPOINTMENT, appointment)
	recipient = recipient_for(doc, notice)
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"message_key": key,
			"appointment": appointment,
			"audience": audience,
			"news": news,
			"provider": provider,
			"reminder_hours": reminder_hours,
			"recipient": recipient.email or recipient.phone,
			"status": "Nothing to Send",
		}
	)
	try:
		log.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:  # another worker claimed it between our read and insert
		return None
	channels, failed = [], []
	try:
		with language(recipient.language):
			message = compose(doc, notice, recipient, reminder_hours)
	except Exception:  # an Email Template an admin broke, say: the log and the Error Log say so
		frappe.clear_last_message()
		frappe.log_error(title=f"Frappoint: could not write the message {key}")
		record(log, channels, [c for c, to in (("Email", recipient.email), ("SMS", recipient.phone)) if to])
		commit_job_step()
		return log.status
	if recipient.email and EmailAccount.find_outgoing():
		(channels if queue_email(doc, recipient, message, key) else failed).append("Email")
	record(log, channels, failed)
	commit_job_step()  # the key and the email, together
	if (
		recipient.phone
		and cint(settings().send_sms)
		and frappe.db.get_single_value("SMS Settings", "sms_gateway_url")
	):
		(channels if text(recipient, message, key) else failed).append("SMS")
		record(log, channels, failed)
		commit_job_step()
	return log.status


def skip(appointment: str, notice: Notice, reminder_hours: int = 0) -> None:
	"""Record a message that will not be sent (a reminder whose moment passed), so it is never
	considered again."""
	frappe.get_doc(
		{
			"doctype": LOG,
			"message_key": message_key(appointment, notice, str(reminder_hours or "")),
			"appointment": appointment,
			"audience": notice.audience.value,
			"news": notice.news.value,
			"provider": notice.provider,
			"reminder_hours": reminder_hours,
			"status": "Nothing to Send",
		}
	).insert(ignore_permissions=True, ignore_if_duplicate=True)


def record(log, channels: list[str], failed: list[str]) -> None:
	status = "Sent" if channels else "Failed" if failed else "Nothing to Send"
	error = "Not sent by {}: see the Error Log.".format(", ".join(failed)) if failed else None
	log.db_set({"status": status, "channels": ", ".join(channels), "error": error})


def compose(doc, notice: Notice, recipient: Recipient, reminder_hours: int) -> dict:
	view = appointment_view(doc, timezone=recipient.timezone or None)
	manage = (
		manage_url(doc) if notice.audience == Audience.CUSTOMER and notice.news in WITH_MANAGE_LINK else None
	)
	desk = site_url(f"/app/service-appointment/{doc.name}")
	subject, body = templates.render(
		notice.news,
		{
			"view": view,
			"audience": notice.audience.value,
			"news": notice.news.value,
			"recipient_name": recipient.name,
			"manage_url": manage,
			"book_url": site_url("/book"),
			"desk_url": desk,
			"reschedule_url": reschedule_url(doc) if notice.news == News.NEW_TIME_REQUESTED else None,
			"reminder_hours": reminder_hours or 0,
		},
	)
	invitation = None
	method = CALENDAR_METHOD[notice.news]
	if method and recipient.email and cint(settings().attach_calendar_invitation):
		who = view["customer_name"] if notice.audience == Audience.PROVIDER else view["provider"]
		invitation = calendar.invitation(
			doc,
			method,
			summary=f"{doc.service_type}: {who}",
			organizer=getattr(EmailAccount.find_outgoing(), "email_id", None),
			attendee=recipient.email,
			url=manage or desk,
		)
	link = reschedule_url(doc) if notice.news == News.NEW_TIME_REQUESTED else manage
	return {"subject": subject, "body": body, "link": link, "invitation": invitation}


def queue_email(doc, recipient: Recipient, message: dict, key: str) -> bool:
	attachments = (
		[{"fname": "appointment.ics", "fcontent": message["invitation"]}] if message["invitation"] else None
	)
	try:
		with site_host():  # links and Frappe's own headers name the site, not a request's Host
			frappe.sendmail(
				recipients=[recipient.email],
				subject=message["subject"],
				message=message["body"],
				attachments=attachments,
				reference_doctype=doc.doctype,
				reference_name=doc.name,
				delayed=True,
			)
		return True
	except Exception:
		frappe.clear_last_message()
		frappe.log_error(title=f"Frappoint: could not queue the email {key}")
		return False


def text(recipient: Recipient, message: dict, key: str) -> bool:
	body = message["subject"] + (f" {message['link']}" if message["link"] else "")
	try:
		send_sms([recipient.phone], body, success_msg=False)
		return True
	except Exception:
		frappe.clear_last_message()
		frappe.log_error(title=f"Frappoint: could not send the SMS {key}")
		return False


@contextmanager
def language(lang: str | None):
	"""Render in the recipient's language when known (a provider's user), else the site's."""
	previous = frappe.local.lang
	frappe.local.lang = lang or previous
	try:
		yield
	finally:
		frappe.local.lang = previous
