"""Calendar subscriptions: a provider's and a customer's feed hold exactly their appointments, behind
a secret that is stored only as a hash, revoked by the next link or by staff; any other token is the
same 403 with nothing in it."""

import frappe
from icalendar import Calendar

from frappoint.api import calendar as calendar_api
from frappoint.booking import actions
from frappoint.notifications import feeds
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, book, make_user
from frappoint.tests.messaging import NotificationCase, tokyo

test_ignore = IGNORED_TEST_RECORDS
FEED = "Calendar Feed"


def token_of(url: str) -> str:
	return url.split("token=", 1)[1]


def events(token: str) -> dict[str, str]:
	"""UID -> SUMMARY of the feed's events."""
	cal = Calendar.from_ical(feeds.read(token))
	return {str(e["UID"]).split("@")[0]: str(e["SUMMARY"]) for e in cal.walk("VEVENT")}


class TestCalendarFeeds(NotificationCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_provider_feed_holds_their_confirmed_jobs_and_follows_a_move(self):
		mine = self.confirmed(hour=10)
		theirs = book(self.service.name, self.other.name, tokyo(10))
		actions.confirm(theirs.name)
		cancelled = self.confirmed(hour=12)
		actions.cancel(cancelled.name)
		held = book(self.service.name, self.provider.name, tokyo(13))  # a hold is not in a calendar
		token = token_of(calendar_api.provider_feed(self.provider.name))
		self.assertEqual(events(token), {mine.name: f"{self.service.name}: {mine.customer_name}"})
		moved = actions.reschedule(mine.name, tokyo(15))
		self.assertEqual(list(events(token)), [mine.name])  # the same UID: the calendar moves its event
		self.assertNotIn(held.name, events(token))
		self.assertEqual(
			frappe.db.get_value("Service Appointment", moved.name, "rescheduled_from"), mine.name
		)

	def test_the_secret_is_stored_only_as_a_hash(self):
		token = token_of(calendar_api.provider_feed(self.provider.name))
		self.assertGreaterEqual(len(token), 40)
		stored = frappe.db.get_value(FEED, {"provider": self.provider.name, "revoked": 0}, "token_hash")
		self.assertEqual(stored, feeds.digest(token))
		self.assertFalse(frappe.db.sql("select name from `tabCalendar Feed` where token_hash = %s", token))

	def test_a_wrong_revoked_or_malformed_token_is_one_403_with_nothing_in_it(self):
		self.confirmed()
		first = token_of(calendar_api.provider_feed(self.provider.name))
		second = token_of(calendar_api.provider_feed(self.provider.name))  # revokes the first
		self.assertTrue(events(second))
		staff_revoked = token_of(calendar_api.my_feed())
		frappe.db.set_value(FEED, {"token_hash": feeds.digest(staff_revoked)}, "revoked", 1)
		for token in (
			first,
			staff_revoked,
			second[:-1] + "x",
			"",
			None,
			12,
			"x" * 5000,
			"ünïcode" * 5,
			["a"],
		):
			frappe.clear_messages()
			with self.assertRaises(feeds.FeedRefused) as caught:
				feeds.read(token)
			self.assertEqual(caught.exception.http_status_code, 403)
			told = str(frappe.local.message_log)
			self.assertNotIn(self.provider.name, told)
			self.assertNotIn("VEVENT", told)

	def test_a_customer_feed_holds_only_their_own_appointments(self):
		customer = make_user(None, website=True)
		own = self.confirmed(customer_email=customer)
		self.confirmed(hour=11)  # someone else's
		frappe.set_user(customer)
		token = token_of(calendar_api.my_feed())
		frappe.set_user("Administrator")
		self.assertEqual(list(events(token)), [own.name])
		self.assertEqual(events(token)[own.name], f"{self.service.name}: {self.provider.name}")

	def test_only_staff_or_the_providers_own_user_get_a_provider_link(self):
		stranger = make_user(None, website=True)
		frappe.set_user(stranger)
		with self.assertRaises(frappe.PermissionError):
			calendar_api.provider_feed(self.provider.name)
		frappe.set_user(self.provider.user)
		self.assertIn("token=", calendar_api.provider_feed(self.provider.name))
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			calendar_api.my_feed()
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.DoesNotExistError):
			calendar_api.provider_feed({"not": "a name"})
