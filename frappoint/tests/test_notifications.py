"""Every lifecycle change tells the customer and the providers concerned, in their own timezone,
exactly once, with a calendar invitation; SMS goes through Frappe's SMS Settings to a real (local)
gateway."""

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import frappe

from frappoint.booking import actions
from frappoint.notifications import delivery
from frappoint.scheduling.compat import UTC
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, book, expire_hold_now, use_booking_settings
from frappoint.tests.messaging import (
	APPOINTMENT,
	LOG,
	PROVIDER_USER,
	NotificationCase,
	body,
	invitation,
	mail_to,
	mails,
	messages,
	tokyo,
)

test_ignore = IGNORED_TEST_RECORDS


class TestNotifications(NotificationCase):
	# --- who hears what ---------------------------------------------------------------------

	def test_confirming_tells_the_customer_and_the_provider_each_in_their_timezone(self):
		doc = self.confirmed(customer_timezone="America/New_York")
		self.assertEqual(
			messages(doc.name),
			[("Appointment Confirmed", doc.customer_email), ("New Job", PROVIDER_USER)],
		)
		to_customer, to_provider = (
			body(mail_to(doc.name, doc.customer_email)),
			body(mail_to(doc.name, PROVIDER_USER)),
		)
		self.assertIn("America/New_York", to_customer)
		self.assertIn("/appointments/", to_customer)  # the manage link
		self.assertIn("Asia/Tokyo", to_provider)
		self.assertIn(doc.customer_name, to_provider)
		self.assertNotIn("/appointments/", to_provider)  # the customer's link is theirs alone

	def test_a_move_to_another_provider_tells_both_providers_and_the_customer_once(self):
		doc = self.confirmed()
		new_name = actions.reschedule(doc.name, tokyo(14), provider=self.other.name).name
		self.assertEqual(
			messages(doc.name), [("Appointment Confirmed", doc.customer_email), ("New Job", PROVIDER_USER)]
		)
		told = [news for news, _ in messages(new_name)]
		self.assertEqual(
			sorted(told), ["Appointment Moved", "Job Cancelled"]
		)  # the other provider has no user
		self.assertEqual(
			frappe.db.get_value(LOG, {"appointment": new_name, "news": "Job Cancelled"}, "provider"),
			self.provider.name,
		)

	def test_a_move_with_the_same_provider_is_a_moved_job(self):
		doc = self.confirmed()
		new_name = actions.reschedule(doc.name, tokyo(14)).name
		self.assertEqual(
			messages(new_name), [("Appointment Moved", doc.customer_email), ("Job Moved", PROVIDER_USER)]
		)

	def test_reassigning_tells_the_customer_and_the_provider_losing_the_job(self):
		held = book(self.service.name, self.other.name, tokyo(10))
		actions.confirm(held.name)
		actions.reassign(held.name, self.provider.name)
		self.assertIn(("Appointment Reassigned", held.customer_email), messages(held.name))
		self.assertIn(("New Job", PROVIDER_USER), messages(held.name))

	def test_cancelling_tells_both_and_a_lapsed_hold_only_its_customer(self):
		doc = self.confirmed()
		frappe.get_doc(APPOINTMENT, doc.name).cancel_appointment("Provider ill")
		self.assertIn(("Appointment Cancelled", doc.customer_email), messages(doc.name))
		self.assertIn(("Job Cancelled", PROVIDER_USER), messages(doc.name))
		held = book(self.service.name, self.provider.name, tokyo(15))
		expire_hold_now(held.name)
		actions.expire(held.name)
		self.assertEqual(messages(held.name), [("Hold Lapsed", held.customer_email)])

	def test_settings_can_silence_customers_or_providers(self):
		use_booking_settings(notify_customers=0, notify_providers=1)
		doc = self.confirmed()
		self.assertEqual(messages(doc.name), [("New Job", PROVIDER_USER)])
		use_booking_settings(notify_customers=1, notify_providers=0)
		doc = self.confirmed(hour=11)
		self.assertEqual(messages(doc.name), [("Appointment Confirmed", doc.customer_email)])

	# --- exactly once ----------------------------------------------------------------------

	def test_a_retried_job_sends_nothing_twice(self):
		doc = self.confirmed()
		before = len(mails(doc.name))
		for _ in range(3):  # RQ retrying, a second worker, a re-run by hand
			self.assertIsNone(delivery.deliver(doc.name, "Customer", "Appointment Confirmed"))
			self.assertIsNone(delivery.deliver(doc.name, "Provider", "New Job", provider=self.provider.name))
		self.assertEqual(len(mails(doc.name)), before)
		self.assertEqual(frappe.db.count(LOG, {"appointment": doc.name}), 2)

	def test_a_broken_template_never_breaks_the_booking(self):
		template = frappe.get_doc("Email Template", "Frappoint: Appointment Confirmed")
		frappe.db.set_value(
			"Email Template", template.name, "response_html", "{{ view.no_such_thing.boom() }}"
		)
		frappe.clear_document_cache("Email Template", template.name)
		# the class's rollback restores the row, not the cached copy
		self.addCleanup(frappe.clear_document_cache, "Email Template", template.name)
		self.addCleanup(
			frappe.db.set_value, "Email Template", template.name, "response_html", template.response_html
		)
		doc = self.confirmed()
		self.assertEqual(doc.status, "Confirmed")
		self.assertEqual(
			frappe.db.get_value(LOG, {"appointment": doc.name, "audience": "Customer"}, "status"), "Failed"
		)
		self.assertEqual(messages(doc.name), [("New Job", PROVIDER_USER)])  # the provider still heard

	# --- calendars -------------------------------------------------------------------------

	def test_invitations_keep_one_uid_across_a_move_and_cancel_last(self):
		doc = self.confirmed()
		first = invitation(mail_to(doc.name, doc.customer_email))
		[event] = first.walk("VEVENT")
		self.assertEqual(first["METHOD"], "REQUEST")
		self.assertEqual(
			event.decoded("DTSTART"), datetime.fromisoformat(str(doc.start_utc)).replace(tzinfo=UTC)
		)
		moved = actions.reschedule(doc.name, tokyo(14))
		second = invitation(mail_to(moved.name, doc.customer_email))
		[moved_event] = second.walk("VEVENT")
		self.assertEqual(str(moved_event["UID"]), str(event["UID"]))
		self.assertGreater(moved_event["SEQUENCE"], event["SEQUENCE"])
		actions.cancel(moved.name, reason="Changed plans")
		cancel_mail = [m for m in mails(moved.name, to=doc.customer_email) if "cancelled" in m["Subject"]]
		third = invitation(cancel_mail[0])
		[cancelled_event] = third.walk("VEVENT")
		self.assertEqual(third["METHOD"], "CANCEL")
		self.assertEqual(str(cancelled_event["STATUS"]), "CANCELLED")
		self.assertEqual(str(cancelled_event["UID"]), str(event["UID"]))
		self.assertGreater(cancelled_event["SEQUENCE"], moved_event["SEQUENCE"])

	# --- SMS -------------------------------------------------------------------------------

	def test_sms_goes_through_frappes_sms_settings_to_the_gateway(self):
		received = []

		class Gateway(BaseHTTPRequestHandler):
			def do_GET(self):
				received.append(parse_qs(urlparse(self.path).query))
				self.send_response(200)
				self.end_headers()
				self.wfile.write(b"OK")

			def log_message(self, *args):
				pass

		server = HTTPServer(("127.0.0.1", 0), Gateway)
		threading.Thread(target=server.serve_forever, daemon=True).start()
		try:
			sms = frappe.get_doc("SMS Settings")
			sms.update({"sms_gateway_url": f"http://127.0.0.1:{server.server_port}/send", "message_parameter": "text",
				"receiver_parameter": "to", "use_post": 0})  # fmt: skip
			sms.save(ignore_permissions=True)
			use_booking_settings(send_sms=1, notify_providers=0)
			doc = self.confirmed(customer_phone="+447700900123")
		finally:
			server.shutdown()
		[query] = received
		self.assertEqual(query["to"], ["+447700900123"])
		self.assertIn("confirmed", query["text"][0])
		self.assertIn("/appointments/", query["text"][0])  # the manage link
		self.assertEqual(frappe.db.get_value(LOG, {"appointment": doc.name}, "channels"), "Email, SMS")
