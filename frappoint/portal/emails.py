"""The emails a customer gets when their booking is confirmed, moved or cancelled. A confirmation or
move carries the signed manage link; nothing in them is taken unescaped from what the customer typed.

Mail is queued (Email Queue) in the booking's transaction, so a refused booking sends nothing. A site
without an outgoing email account still books: the confirmation page shows the link instead.
"""

import frappe
from frappe import _
from frappe.utils import get_url

from frappoint.portal.pages import appointment_view, manage_url
from frappoint.security import site_host

TEMPLATE = "appointment_update"


def send_update(doc, kind: str, timezone=None) -> bool:
	"""Queue the email for `kind` ("confirmed", "moved" or "cancelled"); True when it was queued."""
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
