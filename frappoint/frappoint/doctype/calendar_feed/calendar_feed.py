# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CalendarFeed(Document):
	"""Made by `notifications.feeds.issue` only; staff may revoke one (the Revoked box)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer_email: DF.Data | None
		provider: DF.Link | None
		revoked: DF.Check
		subscriber: DF.Literal["Provider", "Customer"]
		token_hash: DF.Data | None
	# end: auto-generated types
