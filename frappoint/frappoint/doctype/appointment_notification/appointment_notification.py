# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AppointmentNotification(Document):
	"""Written by `frappoint.notifications` only: its name (the message key) makes a second attempt
	at the same message fail to insert, so a retried job sends nothing twice."""
