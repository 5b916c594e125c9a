"""The customer hears of every change to their booking, whoever made it: the portal, the desk or a
job. One email per change; nothing for a hold its customer released, nor a cancellation for the old
half of a move."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions
from frappoint.tests.fixtures import (
	at,
	book,
	ensure_outgoing_email,
	expire_hold_now,
	make_provider,
	make_service,
	use_booking_settings,
)

APPOINTMENT = "Service Appointment"


class TestLifecycleEmails(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		ensure_outgoing_email()
		frappe.local.outgoing_email_account = {}
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def subjects(self, name: str) -> list[str]:
		return frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": APPOINTMENT, "reference_name": name},
			pluck="message",
			order_by="creation",
		)

	def told(self, name: str) -> list[str]:
		"""The kinds of change the customer was emailed about, from the subjects queued."""
		kinds = {
			"is confirmed": "confirmed",
			"has moved": "moved",
			"is cancelled": "cancelled",
			"was not completed": "lapsed",
		}
		found = []
		for message in self.subjects(name):
			subject = next(line for line in message.splitlines() if line.startswith("Subject:"))
			found += [kind for text, kind in kinds.items() if text in subject]
		return found

	def test_confirming_and_cancelling_in_the_desk_tell_the_customer(self):
		held = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(self.told(held.name), [])  # a hold is not news yet
		frappe.get_doc(APPOINTMENT, held.name).confirm()  # the desk's Confirm button
		self.assertEqual(self.told(held.name), ["confirmed"])
		frappe.get_doc(APPOINTMENT, held.name).cancel_appointment("Provider ill")
		self.assertEqual(self.told(held.name), ["confirmed", "cancelled"])

	def test_a_lapsed_hold_tells_the_customer_they_may_book_again(self):
		held = book(self.service.name, self.provider.name, at(2, 10))
		expire_hold_now(held.name)
		self.assertGreaterEqual(actions.expire_all_stale_holds(), 1)  # the site may hold other stale ones
		self.assertEqual(frappe.db.get_value(APPOINTMENT, held.name, "status"), "Cancelled")
		self.assertEqual(self.told(held.name), ["lapsed"])

	def test_a_hold_released_by_its_customer_sends_nothing(self):
		held = book(self.service.name, self.provider.name, at(2, 10))
		actions.cancel(held.name, by_customer=True)
		self.assertEqual(self.told(held.name), [])

	def test_a_move_is_one_email_about_the_move(self):
		held = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(held.name)
		new_name = frappe.get_doc(APPOINTMENT, held.name).reschedule(str(at(2, 14)))
		self.assertEqual(self.told(held.name), ["confirmed"])  # no "cancelled" for the old time
		self.assertEqual(self.told(new_name), ["moved"])

	def test_the_email_shows_times_in_the_zone_the_customer_booked_in(self):
		held = book(self.service.name, self.provider.name, at(2, 10), customer_timezone="Asia/Tokyo")
		actions.confirm(held.name)
		[message] = self.subjects(held.name)
		self.assertIn("Asia/Tokyo", message)
