# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AppointmentNotification(Document):
	"""Written by `frappoint.notifications` only: its name (the message key) makes a second attempt
	at the same message fail to insert, so a retried job sends nothing twice."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		appointment: DF.Link | None
		audience: DF.Literal["Customer", "Provider"]
		channels: DF.Data | None
		error: DF.SmallText | None
		message_key: DF.Data | None
		news: DF.Data | None
		provider: DF.Link | None
		recipient: DF.Data | None
		reminder_hours: DF.Int
		status: DF.Literal["Sent", "Failed", "Nothing to Send"]
	# end: auto-generated types
