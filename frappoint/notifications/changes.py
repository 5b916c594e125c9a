"""The lifecycle hook (doc_events `on_change` of Service Appointment): whoever changed the booking
(portal, API, desk, a job), the core says who hears what, and each message is queued as its own job
through the outbox, written with the change: a refused or rolled-back change sends nothing, and a
committed one is sent even if the process dies right after its commit."""

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import cint

from frappoint.booking import outbox
from frappoint.booking.records import settings
from frappoint.scheduling import Audience, Change, News, Notice, message_key, notices_for

APPOINTMENT = "Service Appointment"


def appointment_changed(doc, method=None) -> None:
	"""Queue what this change tells; `flags.customer_emailed` says whether the customer gets an email
	(the booking API reports it, and the portal shows the manage link when not)."""
	before = doc.get_doc_before_save()
	moved_from = None
	if before is None and doc.rescheduled_from:
		moved_from = frappe.db.get_value(APPOINTMENT, doc.rescheduled_from, "provider")
	change = Change(
		old_status=before.status if before else None,
		new_status=doc.status,
		old_provider=before.provider if before else None,
		new_provider=doc.provider,
		moved_from_provider=moved_from,
		moving_away=bool(doc.flags.rescheduling),
		lapsed=bool(doc.flags.hold_lapsed),
		offered=bool(doc.flags.waitlist_offer),
	)
	wanted = {
		Audience.CUSTOMER: cint(settings().notify_customers),
		Audience.PROVIDER: cint(settings().notify_providers),
	}
	for notice in notices_for(change):
		if wanted[notice.audience]:
			queue(doc.name, notice)
			if notice.audience == Audience.CUSTOMER and doc.customer_email and EmailAccount.find_outgoing():
				doc.flags.customer_emailed = True


def request_new_time(appointment: str) -> bool:
	"""Staff ask the customer to choose a new time (the booking stands until they do): once per
	appointment; False when they were asked before."""
	notice = Notice(Audience.CUSTOMER, News.NEW_TIME_REQUESTED)
	if frappe.db.exists("Appointment Notification", message_key(appointment, notice)):
		return False
	queue(appointment, notice)
	return True


def queue(appointment: str, notice: Notice) -> None:
	"""One outbox row per message, sent until it is sent: a second save before it runs adds a row its
	run covers, and the job itself sends nothing twice (`delivery.deliver`)."""
	outbox.add(
		"frappoint.notifications.delivery.deliver",
		f"frappoint-notify::{message_key(appointment, notice)}",
		appointment=appointment,
		audience=notice.audience.value,
		news=notice.news.value,
		provider=notice.provider,
	)
