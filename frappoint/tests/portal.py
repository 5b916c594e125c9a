"""The portal's visitor for site tests: a browser request from an address and a visitor cookie, the
customer who signed up, and the emails a booking queued."""

import random
from email import message_from_string

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request

from frappoint.api import booking as api
from frappoint.booking import hold_caps
from frappoint.booking.clock import from_site
from frappoint.tests.fixtures import at, make_provider, make_service, unique, use_booking_settings

APPOINTMENT = "Service Appointment"


def iso(naive):
	return from_site(naive).isoformat()


def status_of(name):
	return frappe.db.get_value(APPOINTMENT, name, "status")


def make_customer(test, email=None):
	"""A website user with a Contact, as a customer who signed up on the portal.

	ERPNext commits while inserting a Contact that has a phone number (its call-log linking), so the
	user and contacts outlive the test's rollback: `test` removes them again when it ends."""
	email = email or f"{frappe.generate_hash(length=8)}@example.com"
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": "Cleo",
			"last_name": "Customer",
			"user_type": "Website User",
			"send_welcome_email": 0,
			"mobile_no": f"+44 7700 9{random.randint(10000, 99999)}",
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Cleo",
			"last_name": "Customer",
			"user": user.name,
			"email_ids": [{"email_id": email, "is_primary": 1}],
		}
	).insert(ignore_permissions=True)
	test.addCleanup(remove_customer, user.name)
	return user.name


def remove_customer(user: str) -> None:
	frappe.db.rollback()
	for contact in frappe.get_all("Contact", filters={"user": user}, pluck="name"):
		frappe.delete_doc("Contact", contact, ignore_permissions=True, force=True)
	# ignore_on_trash: User.on_trash scans every DocType's dynamic links (seconds) for a user that
	# nothing but this test ever referred to.
	frappe.delete_doc("User", user, ignore_permissions=True, force=True, ignore_on_trash=True)
	frappe.db.commit()


class PortalCase(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])
		self._request = getattr(frappe.local, "request", None)
		self._request_ip = getattr(frappe.local, "request_ip", None)
		# A fresh visitor per test: hold caps and rate limits are counted per IP and session in Redis.
		self.visit(ip=f"198.51.100.{frappe.generate_hash(length=3)}", session=frappe.generate_hash())
		# No SMTP here: an outgoing account lets mail reach the Email Queue, where the tests read it.
		frappe.local.outgoing_email_account = {}
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": unique("Bookings"),
				"email_id": f"bookings-{frappe.generate_hash(length=6)}@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "smtp.example.com",
			}
		).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.local.request = self._request
		frappe.local.request_ip = self._request_ip
		frappe.local.outgoing_email_account = {}
		frappe.local.form_dict = frappe._dict()

	def visit(self, ip=None, session=None, method="POST", cmd="frappoint.api.booking.hold", forwarded=None):
		"""Act as a browser request from `ip` carrying the booking page's visitor cookie `session`
		(and, if given, an X-Forwarded-For header)."""
		headers = {"Cookie": f"{hold_caps.VISITOR_COOKIE}={session}"} if session else {}
		if forwarded:
			headers["X-Forwarded-For"] = forwarded
		set_request(
			method=method, path="/api/method/" + cmd, headers=headers, environ_base={"REMOTE_ADDR": ip}
		)
		frappe.local.request_ip = ip
		frappe.local.form_dict = frappe._dict(cmd=cmd)
		self.ip, self.session = ip, session

	def hold(self, start=None, **values):
		payload = {
			"service_type": self.service.name,
			"start": start if isinstance(start, str) else iso(start or at(2, 10)),
			"provider": self.provider.name,
		}
		payload.update(values)
		return api.hold(**payload)

	def assert_unchanged(self, call, exc, name=None):
		"""The call is refused with `exc`; no appointment, event or email is added and `name` keeps its
		status and customer fields."""
		fields = ["status", "customer_name", "customer_email", "customer_phone", "start_time"]
		before = (
			frappe.db.count(APPOINTMENT),
			frappe.db.count("Appointment Event"),
			frappe.db.count("Email Queue"),
			frappe.db.get_value(APPOINTMENT, name, fields, as_dict=True) if name else None,
		)
		with self.assertRaises(exc) as caught:
			call()
		after = (
			frappe.db.count(APPOINTMENT),
			frappe.db.count("Appointment Event"),
			frappe.db.count("Email Queue"),
			frappe.db.get_value(APPOINTMENT, name, fields, as_dict=True) if name else None,
		)
		self.assertEqual(after, before)
		return caught.exception

	def queued_mail(self, name):
		rows = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": APPOINTMENT, "reference_name": name},
			fields=["name", "message"],
			order_by="creation",
		)
		return [mail_text(r.message) for r in rows]


def mail_text(raw: str) -> str:
	"""The decoded HTML part of a queued message."""
	message = message_from_string(raw)
	for part in message.walk():
		if part.get_content_type() == "text/html":
			return part.get_payload(decode=True).decode()
	return ""


def email() -> str:
	return f"{frappe.generate_hash(length=8)}@example.com"


def as_guest(call, *args, **kwargs):
	frappe.set_user("Guest")
	try:
		return call(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")
