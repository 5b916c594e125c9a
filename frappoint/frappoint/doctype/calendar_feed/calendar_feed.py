# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CalendarFeed(Document):
	"""Made by `notifications.feeds.issue` only; staff may revoke one (the Revoked box)."""
