"""The customer portal: the API as /book, /appointments and the manage links use it, the hold caps and
rate limits that protect it from abuse, the emails it sends and the pages' context."""

import email
import random
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request

from frappoint.api import booking as api
from frappoint.booking import hold_caps
from frappoint.booking.clock import from_db, from_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import (
	HoldExpired,
	InvalidBookingInput,
	NotBookableTime,
	TooManyHolds,
)
from frappoint.booking.slot_generation import regenerate
from frappoint.booking.tokens import signed_token
from frappoint.portal.views import appointment_view, manage_url
from frappoint.tests.fixtures import (
	at,
	day,
	expire_hold_now,
	make_provider,
	make_service,
	unique,
	use_booking_settings,
)

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
	message = email.message_from_string(raw)
	for part in message.walk():
		if part.get_content_type() == "text/html":
			return part.get_payload(decode=True).decode()
	return ""


class TestPortalBooking(PortalCase):
	def test_a_guest_holds_first_and_gives_details_with_the_confirmation(self):
		frappe.set_user("Guest")
		held = self.hold()
		self.assertEqual(held["status"], "Open")
		self.assertTrue(held["hold_expires_at"])
		confirmed = api.confirm(
			held["name"],
			token=held["token"],
			customer_name="Ann Guest",
			customer_email="ann@example.com",
			customer_phone="+44 20 7946 0000",
			timezone="Europe/London",
		)
		self.assertEqual(confirmed["status"], "Confirmed")
		frappe.set_user("Administrator")
		doc = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual(
			(doc.customer_name, doc.customer_email, doc.customer_phone, doc.source),
			("Ann Guest", "ann@example.com", "+44 20 7946 0000", "Portal"),
		)

	def test_the_confirmation_email_carries_a_working_manage_link(self):
		frappe.set_user("Guest")
		held = self.hold()
		confirmed = api.confirm(
			held["name"], token=held["token"], customer_name="Ann", customer_email="ann@example.com"
		)
		self.assertTrue(confirmed["emailed"])
		frappe.set_user("Administrator")
		[queued] = frappe.get_all(
			"Email Queue",
			filters={"reference_name": held["name"]},
			fields=["name", "message"],
		)
		recipients = frappe.get_all(
			"Email Queue Recipient", filters={"parent": queued.name}, pluck="recipient"
		)
		self.assertEqual(recipients, ["ann@example.com"])
		body = mail_text(queued.message)
		link = manage_url(frappe.get_doc(APPOINTMENT, held["name"]))
		self.assertIn(frappe.utils.escape_html(link), body)
		token = link.split("token=")[1]
		frappe.set_user("Guest")
		self.assertEqual(api.appointment(held["name"], token=token)["status"], "Confirmed")

	def test_customer_text_is_escaped_in_the_email(self):
		frappe.set_user("Guest")
		held = self.hold()
		api.confirm(
			held["name"],
			token=held["token"],
			customer_name='Eve <img src=x onerror="alert(1)">',
			customer_email="eve@example.com",
		)
		frappe.set_user("Administrator")
		[body] = self.queued_mail(held["name"])
		self.assertNotIn("<img", body)
		self.assertIn("Eve", body)

	def test_a_hold_without_details_cannot_be_confirmed_until_they_are_given(self):
		frappe.set_user("Guest")
		held = self.hold()
		error = self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"]), InvalidBookingInput, held["name"]
		)
		self.assertEqual(error.http_status_code, 400)
		self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"], customer_name="Ann"),
			InvalidBookingInput,
			held["name"],
		)

	def test_malformed_details_are_refused_and_the_hold_is_unchanged(self):
		frappe.set_user("Guest")
		held = self.hold()
		for bad in (
			{"customer_name": "Ann", "customer_email": "not-an-email"},
			{"customer_name": "   ", "customer_email": "ann@example.com"},
			{"customer_name": "A" * 141, "customer_email": "ann@example.com"},
			{"customer_name": "Ann", "customer_email": "ann@example.com", "customer_phone": "call me maybe"},
			{"customer_name": "Ann", "customer_email": "a" * 140 + "@example.com"},
		):
			self.assert_unchanged(
				lambda bad=bad: api.confirm(held["name"], token=held["token"], **bad),
				InvalidBookingInput,
				held["name"],
			)
		self.assertEqual(status_of(held["name"]), "Open")

	def test_hold_refuses_an_email_without_a_name(self):
		self.assert_unchanged(lambda: self.hold(customer_email="ann@example.com"), InvalidBookingInput)

	def test_an_expired_hold_is_a_clear_409_and_nothing_is_confirmed_or_sent(self):
		frappe.set_user("Guest")
		held = self.hold()
		expire_hold_now(held["name"])
		details = {"customer_name": "Ann", "customer_email": "ann@example.com"}
		error = self.assert_unchanged(
			lambda: api.confirm(held["name"], token=held["token"], **details), HoldExpired, held["name"]
		)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("expired", str(error))

	def test_a_hold_swept_by_the_scheduler_also_reads_as_expired(self):
		frappe.set_user("Guest")
		held = self.hold()
		expire_hold_now(held["name"])
		frappe.set_user("Administrator")
		from frappoint.booking import actions

		actions.expire(held["name"])
		frappe.set_user("Guest")
		error = self.assert_unchanged(
			lambda: api.confirm(
				held["name"], token=held["token"], customer_name="Ann", customer_email="ann@example.com"
			),
			HoldExpired,
			held["name"],
		)
		self.assertEqual(error.http_status_code, 409)

	def test_a_guest_may_release_a_hold_inside_the_cancellation_cutoff(self):
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		frappe.set_user("Guest")
		held = self.hold()
		released = api.cancel(held["name"], token=held["token"], reason="Released")
		self.assertEqual(released["status"], "Cancelled")
		self.assertFalse(released["emailed"])

	def test_a_confirmed_booking_inside_the_cutoff_cannot_be_cancelled_online(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		error = self.assert_unchanged(
			lambda: api.cancel(held["name"], token=held["token"]), NotBookableTime, held["name"]
		)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("too late", str(error))

	def test_cancelling_a_confirmed_booking_sends_a_cancellation_without_a_link(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		cancelled = api.cancel(held["name"], token=held["token"], reason="<b>moving house</b>")
		self.assertEqual(cancelled["status"], "Cancelled")
		self.assertTrue(cancelled["emailed"])
		frappe.set_user("Administrator")
		confirmation, cancellation = self.queued_mail(held["name"])
		self.assertIn("token=", confirmation)
		self.assertNotIn("token=", cancellation)

	def test_rescheduling_sends_the_new_manage_link(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		moved = api.reschedule(held["name"], iso(at(2, 15)), token=held["token"], provider=self.provider.name)
		self.assertEqual((moved["status"], moved["rescheduled_from"]), ("Confirmed", held["name"]))
		self.assertTrue(moved["emailed"])
		frappe.set_user("Administrator")
		[body] = self.queued_mail(moved["name"])
		self.assertIn(f"/appointments/{moved['name']}?token=", body)
		self.assertEqual(status_of(held["name"]), "Cancelled")

	def test_reschedule_to_an_unknown_provider_is_a_clear_400(self):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com")
		api.confirm(held["name"], token=held["token"])
		self.assert_unchanged(
			lambda: api.reschedule(held["name"], iso(at(2, 15)), token=held["token"], provider="Nobody"),
			InvalidBookingInput,
			held["name"],
		)

	def test_someone_elses_token_or_a_tampered_one_changes_nothing(self):
		frappe.set_user("Guest")
		mine = self.hold(customer_name="Ann", customer_email="ann@example.com")
		theirs = self.hold(start=at(2, 12), customer_name="Bo", customer_email="bo@example.com")
		expired = signed_token(mine["name"], clock_now() - timedelta(seconds=1))
		# The signature is hex: flip its last digit to another one (a fixed "0" left it intact 1 in 16).
		tampered = mine["token"][:-1] + ("1" if mine["token"].endswith("0") else "0")
		for token in (theirs["token"], tampered, expired, "", None, "a.b.c"):
			self.assert_unchanged(
				lambda token=token: api.confirm(mine["name"], token=token),
				frappe.PermissionError,
				mine["name"],
			)
			self.assert_unchanged(
				lambda token=token: api.cancel(mine["name"], token=token),
				frappe.PermissionError,
				mine["name"],
			)
			self.assert_unchanged(
				lambda token=token: api.reschedule(mine["name"], iso(at(2, 15)), token=token),
				frappe.PermissionError,
				mine["name"],
			)
			with self.assertRaises(frappe.PermissionError):
				api.appointment(mine["name"], token=token)


class TestCustomerBookingWindow(PortalCase):
	def test_customers_never_see_or_hold_past_times_even_when_staff_may(self):
		use_booking_settings(allow_past_booking=1, max_past_days=7)
		regenerate(self.provider.name, day(-1), day(3))
		frappe.set_user("Administrator")
		yesterday = str(day(-1))
		self.assertTrue(api.availability(self.service.name, yesterday, yesterday)["slots"])
		frappe.set_user("Guest")
		self.assertEqual(api.availability(self.service.name, yesterday, yesterday)["slots"], [])
		error = self.assert_unchanged(lambda: self.hold(start=at(-1, 10)), NotBookableTime)
		self.assertEqual(error.http_status_code, 409)
		self.assertIn("already passed", str(error))
		frappe.set_user("Administrator")
		self.hold(start=at(-1, 10), customer_name="Walk In", customer_email="walkin@example.com")


class TestLoggedInCustomer(PortalCase):
	def setUp(self):
		super().setUp()
		self.customer = make_customer(self)
		frappe.set_user(self.customer)

	def test_a_logged_in_customer_books_as_themselves_and_their_contact(self):
		held = self.hold()
		frappe.set_user("Administrator")
		doc = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual((doc.customer_email, doc.customer_name), (self.customer, "Cleo Customer"))
		self.assertEqual(doc.party_type, "Contact")
		frappe.set_user(self.customer)
		# They may name someone else, but the booking stays under their own email.
		api.confirm(held["name"], customer_name="Cleo C.", customer_email="other@example.com")
		self.assertEqual(
			frappe.db.get_value(APPOINTMENT, held["name"], ["customer_name", "customer_email"]),
			("Cleo C.", self.customer),
		)

	def test_their_own_appointments_need_no_token_but_others_stay_closed(self):
		mine = self.hold()
		api.confirm(mine["name"])
		frappe.set_user("Guest")
		theirs = self.hold(start=at(2, 12), customer_name="Bo", customer_email="bo@example.com")
		frappe.set_user(self.customer)
		self.assertEqual(api.appointment(mine["name"])["status"], "Confirmed")
		self.assert_unchanged(lambda: api.cancel(theirs["name"]), frappe.PermissionError, theirs["name"])
		self.assertEqual(api.cancel(mine["name"])["status"], "Cancelled")


class TestHoldCaps(PortalCase):
	def setUp(self):
		super().setUp()
		use_booking_settings(holds_per_session=2, holds_per_ip=3, holds_per_email=2)
		frappe.set_user("Guest")

	def test_a_session_may_keep_only_so_many_live_holds(self):
		self.hold(start=at(2, 9))
		self.hold(start=at(2, 10))
		error = self.assert_unchanged(lambda: self.hold(start=at(2, 11)), TooManyHolds)
		self.assertEqual(error.http_status_code, 429)
		self.assertIn("already holding 2", str(error))
		# Another browser on another network is not affected.
		self.visit(ip="203.0.113.9", session=frappe.generate_hash())
		self.hold(start=at(2, 11))

	def test_an_ip_address_is_capped_across_sessions(self):
		for hour in (9, 10, 11):
			self.visit(ip=self.ip, session=frappe.generate_hash())
			self.hold(start=at(2, hour))
		self.visit(ip=self.ip, session=frappe.generate_hash())
		self.assert_unchanged(lambda: self.hold(start=at(2, 12)), TooManyHolds)

	def test_an_email_is_capped_across_visitors(self):
		for hour in (9, 10):
			self.visit(ip=f"192.0.2.{hour}", session=frappe.generate_hash())
			self.hold(start=at(2, hour), customer_name="Mallory", customer_email="m@example.com")
		self.visit(ip="192.0.2.99", session=frappe.generate_hash())
		self.assert_unchanged(
			lambda: self.hold(start=at(2, 12), customer_name="Mallory", customer_email="M@example.com"),
			TooManyHolds,
		)

	def test_released_confirmed_and_expired_holds_free_the_place(self):
		first = self.hold(start=at(2, 9), customer_name="Ann", customer_email="ann@example.com")
		second = self.hold(start=at(2, 10))
		api.confirm(first["name"], token=first["token"])
		api.cancel(second["name"], token=second["token"], reason="Released")
		third = self.hold(start=at(2, 11))
		self.hold(start=at(2, 12))
		expire_hold_now(third["name"])
		self.hold(start=at(2, 13))

	def test_staff_are_not_capped(self):
		frappe.set_user("Administrator")
		for hour in (9, 10, 11, 12):
			self.hold(start=at(2, hour), customer_name="Desk", customer_email="desk@example.com")


class TestGuestRateLimits(PortalCase):
	GUEST_ENDPOINTS = ("services", "availability", "hold", "confirm", "cancel", "reschedule", "appointment")

	def test_every_guest_endpoint_is_rate_limited_per_ip(self):
		use_booking_settings(guest_requests_per_minute=2)
		frappe.set_user("Guest")
		calls = {
			"services": lambda: api.services(),
			"availability": lambda: api.availability(
				self.service.name, str(at(2, 0).date()), str(at(2, 0).date())
			),
			"hold": lambda: self.hold(start=at(2, 9)),
			"confirm": lambda: api.confirm("APT-NONE", token="x"),
			"cancel": lambda: api.cancel("APT-NONE", token="x"),
			"reschedule": lambda: api.reschedule("APT-NONE", iso(at(2, 9)), token="x"),
			"appointment": lambda: api.appointment("APT-NONE", token="x"),
		}
		self.assertEqual(set(calls), set(self.GUEST_ENDPOINTS))
		for endpoint, call in calls.items():
			self.visit(ip=self.ip, session=self.session, cmd=f"frappoint.api.booking.{endpoint}")
			for _ in range(2):
				try:
					call()
				except (frappe.ValidationError, frappe.PermissionError, frappe.DoesNotExistError):
					pass  # refused for its own reasons; the request still counts
			before = frappe.db.count(APPOINTMENT)
			with self.assertRaises(frappe.RateLimitExceededError, msg=endpoint) as caught:
				call()
			self.assertEqual(caught.exception.http_status_code, 429)
			self.assertEqual(frappe.db.count(APPOINTMENT), before)


class TestPortalPages(PortalCase):
	def setUp(self):
		super().setUp()
		# Route rules are cached site-wide; a server still running older code may have cached its own.
		frappe.cache.delete_value(["app_hooks", "website_route_rules"])

	def render(self, path, **query):
		"""The page at `path` as the current user gets it: (status, html)."""
		from frappe.website.serve import get_response

		set_request(method="GET", path=path, query_string=query)
		frappe.local.form_dict = frappe._dict(query)
		frappe.local.no_cache = 1
		for hook in frappe.get_hooks("before_request"):  # as frappe.app runs them for every request
			frappe.call(hook)
		response = get_response()
		return response.status_code, frappe.safe_decode(response.get_data())

	def booked(self, **details):
		frappe.set_user("Guest")
		held = self.hold(customer_name="Ann", customer_email="ann@example.com", **details)
		api.confirm(held["name"], token=held["token"])
		return held

	def test_the_manage_link_shows_the_appointment_and_its_actions(self):
		held = self.booked()
		status, html = self.render(f"/appointments/{held['name']}", token=held["token"])
		self.assertEqual(status, 200)
		self.assertIn(self.service.name, html)
		self.assertIn("Cancel appointment", html)
		self.assertIn(f"/book?reschedule={held['name']}&amp;token=", html)
		self.assertIn('name="referrer" content="no-referrer"', html)

	def test_a_wrong_expired_or_foreign_link_gets_a_403_page(self):
		mine = self.booked()
		theirs = self.booked(start=at(2, 12))
		expired = signed_token(mine["name"], clock_now() - timedelta(seconds=1))
		for name, token in (
			(mine["name"], "nonsense"),
			(mine["name"], theirs["token"]),
			(mine["name"], expired),
			(mine["name"], ""),
			("APT-DOES-NOT-EXIST", mine["token"]),
		):
			status, html = self.render(f"/appointments/{name}", token=token)
			self.assertEqual(status, 403, (name, token))
			self.assertIn("This link does not work", html)
			self.assertNotIn("Ann", html)
		self.assertEqual(status_of(mine["name"]), "Confirmed")

	def test_rescheduling_from_a_bad_link_is_refused_too(self):
		held = self.booked()
		status, _html = self.render("/book", reschedule=held["name"], token="nonsense")
		self.assertEqual(status, 403)
		status, html = self.render("/book", reschedule=held["name"], token=held["token"])
		self.assertEqual(status, 200)
		self.assertIn("Move your appointment", html)

	def test_the_booking_page_offers_services_with_duration_and_price(self):
		frappe.set_user("Guest")
		status, html = self.render("/book")
		self.assertEqual(status, 200)
		self.assertIn(f'value="{self.service.name}"', html)
		self.assertIn("30 min", html)
		self.assertIn("50.00", html)
		self.assertIn('id="frappoint-data"', html)

	def test_a_logged_in_customer_finds_the_form_prefilled_and_a_csrf_token(self):
		customer = make_customer(self)
		frappe.set_user(customer)
		frappe.local.session.data = frappe._dict()
		_status, html = self.render("/book")
		# Frappe makes the token lazily; the page makes sure this session has one and prints it.
		token = frappe.local.session.data.csrf_token
		self.assertTrue(token)
		self.assertIn(f'frappe.csrf_token = "{token}"', html)
		data = frappe.parse_json(html.split('id="frappoint-data">')[1].split("</script>")[0])
		self.assertEqual(data["prefill"]["email"], customer)
		self.assertEqual(data["prefill"]["name"], "Cleo Customer")
		self.assertTrue(data["prefill"]["logged_in"])

	def test_appointments_asks_guests_to_log_in(self):
		frappe.set_user("Guest")
		status, _html = self.render("/appointments")
		self.assertIn(status, (301, 302))
		self.assertIn("/login", frappe.local.flags.redirect_location)

	def test_appointments_lists_upcoming_and_past_with_escaped_names(self):
		customer = make_customer(self)
		frappe.set_user(customer)
		upcoming = self.hold(start=at(2, 10), customer_name="<i>Cleo</i>")
		api.confirm(upcoming["name"])
		lapsed = self.hold(start=at(2, 12))
		expire_hold_now(lapsed["name"])
		gone = self.hold(start=at(2, 14))
		api.confirm(gone["name"])
		api.cancel(gone["name"], reason="<script>x</script>")
		status, html = self.render("/appointments")
		self.assertEqual(status, 200)
		self.assertIn(upcoming["name"], html)
		self.assertIn(gone["name"], html)
		self.assertNotIn(lapsed["name"], html)  # a hold that lapsed never was an appointment
		self.assertNotIn("<script>x", html)
		self.assertIn("24 hours before the start", html)
		upcoming_part = html.split("Past and cancelled")[0]
		self.assertIn(upcoming["name"], upcoming_part)
		self.assertNotIn(gone["name"], upcoming_part)

	def test_the_portal_menu_links_the_appointments(self):
		self.assertIn("/appointments", [item["route"] for item in frappe.get_hooks("portal_menu_items")])

	def test_the_view_says_when_changes_close(self):
		held = self.booked()
		frappe.set_user("Administrator")
		doc = frappe.get_doc(APPOINTMENT, held["name"])
		view = appointment_view(doc, timezone="Europe/London")
		self.assertTrue(view["can_change"])
		self.assertTrue(view["start"].endswith(("+00:00", "+01:00")))
		later = from_db(doc.start_utc) - timedelta(hours=1)
		closed = appointment_view(doc, now=later)
		self.assertFalse(closed["can_change"])
		self.assertTrue(closed["too_late_to_change"])


class TestFrappeBackports(FrappeTestCase):
	def test_an_empty_workspace_permission_cache_is_a_hit(self):
		from frappe.desk.desktop import Workspace

		from frappoint.frappe_backports import apply, cache_empty_workspace_permissions

		apply()
		self.assertFalse(cache_empty_workspace_permissions(), "patched once, recognised as fixed")
		frappe.set_user("Guest")
		try:
			frappe.cache.set_value("frappoint_test_key", [], "Guest", 60)
			workspace = Workspace.__new__(Workspace)
			self.assertEqual(workspace.get_cached("frappoint_test_key", lambda: self.fail("rebuilt")), [])
		finally:
			frappe.set_user("Administrator")

	def test_a_miss_is_built_once_not_once_per_workspace(self):
		from frappe.desk.desktop import Workspace

		from frappoint.frappe_backports import apply

		apply()
		key = f"frappoint_test_{frappe.generate_hash(length=8)}"
		built = []
		frappe.set_user("Guest")
		try:
			workspace = Workspace.__new__(Workspace)
			for _ in range(3):  # one request's sidebar asks once per workspace
				self.assertEqual(workspace.get_cached(key, lambda: built.append(1) or []), [])
		finally:
			frappe.cache.delete_value(key, user="Guest")
			frappe.set_user("Administrator")
		self.assertEqual(len(built), 1)
