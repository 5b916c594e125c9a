"""The wait-list on the site: joining (bad input refused, nothing stored), a freed seat offered to the
first waiter as a hold with an email, confirmed from its link, or lapsing to the next waiter."""

import frappe

from frappoint.api import booking as booking_api
from frappoint.api import waitlist as waitlist_api
from frappoint.booking import actions
from frappoint.booking.errors import InvalidBookingInput
from frappoint.booking.tokens import manage_token
from frappoint.tests.fixtures import (
	EVERY_DAY,
	IGNORED_TEST_RECORDS,
	book,
	day,
	expire_hold_now,
	make_provider,
	make_service,
	use_booking_settings,
)
from frappoint.tests.messaging import APPOINTMENT, NotificationCase, mails, tokyo

test_ignore = IGNORED_TEST_RECORDS
ENTRY = "Waitlist Entry"


class TestWaitlist(NotificationCase):
	def setUp(self):
		super().setUp()
		use_booking_settings(allow_waitlist=1, waitlist_offer_minutes=120, holds_per_email=3)
		self.busy_service = make_service()
		# one hour a day in Tokyo: 09:00, 09:15 and 09:30 starts for a 30-minute service
		self.busy = make_provider(
			[self.busy_service.name],
			timezone="Asia/Tokyo",
			shifts=[{"weekday": d, "start_time": "09:00:00", "end_time": "10:00:00"} for d in EVERY_DAY],
		)
		self.first = self.booked(9, 0)
		self.second = self.booked(9, 30)

	def booked(self, hour, minute):
		held = book(self.busy_service.name, self.busy.name, tokyo(hour).replace(minute=minute))
		actions.confirm(held.name)
		return held

	def join(self, email=None, **values):
		frappe.set_user("Guest")
		try:
			return waitlist_api.join(
				**{
					"service_type": self.busy_service.name,
					"from_date": str(day(2)),
					"to_date": str(day(2)),
					"timezone": "Asia/Tokyo",
					"customer_name": "Wanda Waiter",
					"customer_email": email or f"{frappe.generate_hash(length=8)}@example.com",
					**values,
				}
			)
		finally:
			frappe.set_user("Administrator")

	def entry(self, name):
		return frappe.get_doc(ENTRY, name)

	def test_bad_requests_are_400s_that_store_nothing(self):
		before = frappe.db.count(ENTRY)
		for bad in (
			{"from_date": "tomorrow"},
			{"from_date": str(day(3)), "to_date": str(day(2))},
			{"from_date": str(day(2)), "to_date": str(day(200))},
			{"service_type": "No such service"},
			{"customer_email": "not an email"},
			{"timezone": "Mars/Olympus"},
			{"provider": "Nobody"},
		):
			with self.assertRaises(InvalidBookingInput, msg=bad) as caught:
				self.join(**bad)
			self.assertEqual(caught.exception.http_status_code, 400)
		self.assertEqual(frappe.db.count(ENTRY), before)

	def test_a_full_day_keeps_the_waiter_waiting_until_a_seat_frees_then_offers_it(self):
		joined = self.join()
		self.assertEqual(self.entry(joined["name"]).status, "Waiting")
		actions.cancel(self.first.name, reason="Cannot come")
		entry = self.entry(joined["name"])
		self.assertEqual(entry.status, "Offered")
		hold = frappe.get_doc(APPOINTMENT, entry.appointment)
		self.assertEqual(
			(hold.status, hold.customer_email, hold.provider), ("Open", entry.customer_email, self.busy.name)
		)
		self.assertEqual(
			str(hold.start_utc), str(frappe.db.get_value(APPOINTMENT, self.first.name, "start_utc"))
		)
		held_for = hold.hold_expires_utc - frappe.utils.get_datetime(hold.creation).replace(microsecond=0)
		self.assertGreater(held_for.total_seconds(), 100 * 60)  # the offer window, not the 10-minute hold
		[offer] = [m for m in mails(hold.name, to=entry.customer_email) if "is free for you" in m["Subject"]]
		self.assertIn(f"/appointments/{hold.name}", offer.as_string().replace("=\n", ""))

	def test_the_waiter_confirms_from_the_link_and_is_booked(self):
		joined = self.join()
		actions.cancel(self.first.name)
		hold_name = self.entry(joined["name"]).appointment
		frappe.set_user("Guest")
		try:
			booking_api.confirm(
				appointment=hold_name, token=manage_token(frappe.get_doc(APPOINTMENT, hold_name))
			)
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(APPOINTMENT, hold_name, "status"), "Confirmed")
		self.assertEqual(self.entry(joined["name"]).status, "Booked")

	def test_first_come_first_served_and_a_lapsed_offer_goes_to_the_next(self):
		early, late = self.join(), self.join()
		actions.cancel(self.first.name)
		self.assertEqual(self.entry(early["name"]).status, "Offered")
		self.assertEqual(self.entry(late["name"]).status, "Waiting")  # one seat, one offer
		offered = self.entry(early["name"]).appointment
		expire_hold_now(offered)
		actions.expire(offered)
		self.assertEqual(self.entry(early["name"]).status, "Offer Lapsed")
		self.assertEqual(self.entry(late["name"]).status, "Offered")
		self.assertNotEqual(self.entry(late["name"]).appointment, offered)

	def test_one_email_waits_for_as_many_times_as_it_may_hold(self):
		email = f"{frappe.generate_hash(length=8)}@example.com"
		for _ in range(3):
			self.join(email=email)
		with self.assertRaises(frappe.ValidationError) as caught:
			self.join(email=email)
		self.assertEqual(caught.exception.http_status_code, 429)
		self.assertEqual(frappe.db.count(ENTRY, {"customer_email": email}), 3)

	def test_a_closed_wait_list_refuses(self):
		use_booking_settings(allow_waitlist=0)
		with self.assertRaises(frappe.PermissionError):
			self.join()
