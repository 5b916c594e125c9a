"""The portal's pages: the manage link's page and its refusals, /book's services and form, and
/appointments' lists."""

from datetime import timedelta

import frappe
from frappe.utils import set_request

from frappoint.api import booking as api
from frappoint.booking.clock import from_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.tokens import signed_token
from frappoint.portal.views import appointment_view
from frappoint.tests.fixtures import at, expire_hold_now
from frappoint.tests.portal import APPOINTMENT, PortalCase, make_customer, status_of


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
