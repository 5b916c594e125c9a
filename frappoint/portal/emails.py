"""The emails a customer gets when their booking is confirmed, moved or cancelled. A confirmation or
move carries the signed manage link; nothing in them is taken unescaped from what the customer typed.

They go from one lifecycle hook, whoever made the change. `notify` queues a background job once the
booking's transaction has committed: a refused or rolled back booking sends nothing, and building
the mail never holds a booking's locks. The job writes the
Email Queue row on a worker, where no request (and no `Host` header) is in sight. A site without an
outgoing email account still books: the confirmation page shows the link instead.
"""

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import get_url

from frappoint.portal.views import appointment_view, manage_url
from frappoint.scheduling import news_for_customer
from frappoint.security import site_host

TEMPLATE = "appointment_update"


def appointment_changed(doc, method=None) -> None:
	"""The lifecycle hook (doc_events): tell the customer whatever made the change (portal, API,
	desk, a job). The document remembers whether an email will go (`flags.customer_emailed`)."""
	before = doc.get_doc_before_save()
	news = news_for_customer(
		before.status if before else None,
		doc.status,
		moved_here=bool(doc.rescheduled_from),
		moving_away=bool(doc.flags.rescheduling),
	)
	if news:
		doc.flags.customer_emailed = notify(doc, news.value)


def notify(doc, kind: str) -> bool:
	"""Email the customer about `kind` once this transaction commits, in the timezone they booked in;
	True when an email will go. One job per appointment and kind: a second save before the worker runs
	queues nothing more. Tests run the job at once, inside their transaction."""
	if not doc.customer_email or not EmailAccount.find_outgoing():
		return False
	frappe.enqueue(
		"frappoint.portal.emails.send_update_job",
		queue="short",
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		job_id=f"frappoint-email::{doc.name}::{kind}",  # Frappe adds the site
		deduplicate=True,
		appointment=doc.name,
		kind=kind,
		timezone=doc.customer_timezone or None,
	)
	return True


def send_update_job(appointment: str, kind: str, timezone=None) -> None:
	send_update(frappe.get_doc("Service Appointment", appointment), kind, timezone)


def send_update(doc, kind: str, timezone=None) -> bool:
	"""Queue the email for `kind` now; True when it was queued."""
	if not doc.customer_email:
		return False
	view = appointment_view(doc, timezone=timezone)
	try:
		with site_host():
			queue(doc, kind, view)
	except frappe.OutgoingEmailError:
		# No outgoing account on this site: the booking stands, and Frappe's "please set up email"
		# message is meant for the administrator, not for this customer.
		frappe.clear_last_message()
		return False
	except Exception:
		# A broken mail setup must not undo a booking the customer has already made; the page shows
		# the link instead and the administrator finds the error in the Error Log.
		frappe.clear_last_message()
		frappe.log_error(title=f"Frappoint: could not queue the {kind} email for {doc.name}")
		return False
	return True


def queue(doc, kind: str, view: dict) -> None:
	"""Call within `site_host()`: the links, and Frappe's own headers, name the site."""
	subjects = {
		"confirmed": _("Your {0} appointment is confirmed"),
		"moved": _("Your {0} appointment has moved"),
		"cancelled": _("Your {0} appointment is cancelled"),
	}
	frappe.sendmail(
		recipients=[doc.customer_email],
		subject=subjects[kind].format(doc.service_type),
		template=TEMPLATE,
		args={
			"kind": kind,
			"view": view,
			"manage_url": manage_url(doc) if kind != "cancelled" else None,
			"book_url": get_url("/book"),
		},
		reference_doctype=doc.doctype,
		reference_name=doc.name,
		delayed=True,
	)
