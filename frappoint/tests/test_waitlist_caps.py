"""The wait-list counts toward the hold caps: an address at its cap cannot join, joining counts like a
hold, and an email holding as many times as it may is offered no more."""

import frappe

from frappoint.api import waitlist as waitlist_api
from frappoint.booking import actions, waitlist
from frappoint.booking.errors import TooManyHolds
from frappoint.tests.fixtures import (
	EVERY_DAY,
	IGNORED_TEST_RECORDS,
	at,
	book,
	day,
	make_provider,
	make_service,
	use_booking_settings,
)
from frappoint.tests.portal import APPOINTMENT, PortalCase, as_guest, email

test_ignore = IGNORED_TEST_RECORDS


ENTRY = "Waitlist Entry"


class TestTheWaitlistCountsTowardTheCaps(PortalCase):
	"""A provider whose only hour the day after tomorrow is fully booked: a waiter waits."""

	def setUp(self):
		super().setUp()
		use_booking_settings(
			allow_waitlist=1,
			waitlist_offer_minutes=120,
			holds_per_session=3,
			holds_per_ip=2,
			holds_per_email=1,
		)
		self.busy_service = make_service()
		self.busy = make_provider(
			[self.busy_service.name],
			shifts=[{"weekday": d, "start_time": "09:00:00", "end_time": "10:00:00"} for d in EVERY_DAY],
		)
		self.booked = []
		for minute in (0, 30):
			held = book(self.busy_service.name, self.busy.name, at(2, 9, minute))
			actions.confirm(held.name)
			self.booked.append(held.name)

	def join(self, address):
		days = {"from_date": str(day(2)), "to_date": str(day(2))}
		return as_guest(
			waitlist_api.join,
			service_type=self.busy_service.name,
			customer_name="Wanda",
			customer_email=address,
			**days,
		)

	def test_an_address_at_its_cap_cannot_join_and_nothing_is_stored(self):
		for hour in (10, 11):
			as_guest(self.hold, at(2, hour), customer_name="Holly", customer_email=email())
		self.visit(ip=self.ip, session=frappe.generate_hash())  # another browser, the same address
		before = frappe.db.count(ENTRY)
		with self.assertRaises(TooManyHolds) as caught:
			self.join(email())
		self.assertEqual(caught.exception.http_status_code, 429)
		self.assertEqual(frappe.db.count(ENTRY), before)

	def test_joining_counts_like_a_hold(self):
		for _ in range(2):
			self.join(email())  # the address's two places
		with self.assertRaises(TooManyHolds):
			as_guest(self.hold, at(2, 10), customer_name="Holly", customer_email=email())
		with self.assertRaises(TooManyHolds):
			self.join(email())

	def test_an_email_holding_as_many_times_as_it_may_is_not_offered_one_more(self):
		address = email()
		joined = self.join(address)
		book(
			self.service.name, self.provider.name, at(2, 11), customer_email=address
		)  # staff hold one for them
		actions.cancel(self.booked[0], reason="Cannot come")  # a seat frees: the waiter is skipped
		waitlist.offer_freed_times(self.busy_service.name)  # however the offer job is queued
		entry = frappe.get_doc(ENTRY, joined["name"])
		self.assertEqual((entry.status, entry.appointment), ("Waiting", None))
		self.assertEqual(frappe.db.count(APPOINTMENT, {"customer_email": address}), 1)
