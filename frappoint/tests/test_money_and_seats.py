"""Issue 25, "Money and seats", on the real site: a move carries what was paid (and a customer's late
move costs what the Settings say); a booking outside the rules takes the free seats and rooms and
parses its input strictly; the payment window counts once; the wait-list counts toward the hold caps."""

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime, getdate

from frappoint.api import booking as api
from frappoint.api import waitlist as waitlist_api
from frappoint.booking import actions, waitlist
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_db, from_site, to_db, to_site
from frappoint.booking.errors import HoldExpired, InvalidBookingInput, SlotUnavailable, TooManyHolds
from frappoint.integrations import test_gateway
from frappoint.integrations.payments import PaymentUnavailable
from frappoint.tests.fixtures import (
	EVERY_DAY,
	IGNORED_TEST_RECORDS,
	at,
	book,
	day,
	live_seats,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	use_booking_settings,
)
from frappoint.tests.test_erpnext import appointment_value, needs_erpnext, sales_orders
from frappoint.tests.test_payments import DepositCase, submitted
from frappoint.tests.test_portal import PortalCase

test_ignore = IGNORED_TEST_RECORDS
APPOINTMENT = "Service Appointment"
ENTRY = "Waitlist Entry"
MONEY = ("sales_order", "payment_request", "payment_entry")


def iso(site_time) -> str:
	return from_site(site_time).isoformat()


def email() -> str:
	return f"{frappe.generate_hash(length=8)}@example.com"


def as_guest(call, *args, **kwargs):
	frappe.set_user("Guest")
	try:
		return call(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


# --- 1. a move carries the money ------------------------------------------------------------------
@needs_erpnext
class TestAMoveCarriesTheMoney(DepositCase):
	"""A 10.00 deposit paid through the gateway for 10:00 the day after tomorrow; the customer moves it
	(portal API, with their manage token) or staff do."""

	def paid_booking(self):
		held = self.checkout()
		self.pay(held["name"])
		return held

	def customer_moves(self, held, start):
		moved = as_guest(api.reschedule, appointment=held["name"], start=iso(start), token=held["token"])
		return frappe.get_doc(APPOINTMENT, moved["name"])

	def assert_money_moved(self, old_name, new, money):
		self.assertEqual((new.status, new.amount_paid), ("Confirmed", 10))
		self.assertEqual({f: new.get(f) for f in MONEY}, money)
		for doctype, field in zip(("Sales Order", "Payment Request", "Payment Entry"), MONEY, strict=True):
			self.assertEqual(
				frappe.db.get_value(doctype, money[field], "service_appointment"), new.name, doctype
			)
		old = frappe.get_doc(APPOINTMENT, old_name)
		self.assertEqual(old.status, "Cancelled")
		self.assertFalse(any(old.get(f) for f in (*MONEY, "amount_paid", "refund_entry", "credit_note")))
		self.assertEqual(submitted("Payment Entry", old_name, payment_type="Pay"), [])  # nothing refunded
		self.assertEqual(
			frappe.db.get_value("Sales Order", money["sales_order"], "docstatus"), 1
		)  # not cancelled
		self.assertEqual(sales_orders(new.name), [money["sales_order"]])  # no second order
		self.assertEqual(frappe.db.get_value("Payment Request", money["payment_request"], "status"), "Paid")
		return old

	def test_a_customers_move_carries_the_order_the_request_and_the_payment(self):
		self.settings(refund_cutoff_hours=1)
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = self.customer_moves(held, at(1, 11))
		self.assert_money_moved(held["name"], new, money)
		# The order says when the service is delivered now; its price is the one agreed at booking.
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Order", money["sales_order"], "delivery_date")), day(1)
		)
		self.assertEqual(new.rate, 50)
		actions.complete(new.name)
		si = frappe.get_doc("Sales Invoice", appointment_value(new.name, "sales_invoice"))
		self.assertEqual((si.grand_total, si.total_advance, si.outstanding_amount), (55, 10, 45))

	def test_a_staff_move_carries_the_money_and_is_never_charged(self):
		self.settings(refund_cutoff_hours=96, late_moves="Charged as a Late Cancellation")
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = actions.reschedule(held["name"], at(2, 15))  # the desk's Reschedule
		old = self.assert_money_moved(held["name"], frappe.get_doc(APPOINTMENT, new.name), money)
		self.assertEqual((old.late_cancellation, old.cancellation_invoice), (0, None))

	def test_a_customers_late_move_is_free_or_charged_the_late_fee_as_the_settings_say(self):
		self.settings(refund_cutoff_hours=96, late_moves="Charged as a Late Cancellation")
		held = self.paid_booking()
		money = {f: appointment_value(held["name"], f) for f in MONEY}
		new = self.customer_moves(held, at(2, 15))
		old = self.assert_money_moved(held["name"], new, money)
		fee = frappe.get_doc("Sales Invoice", old.cancellation_invoice)
		# the 5.00 late fee and 10% VAT; none of the deposit is kept: it moved with the booking
		self.assertEqual(
			(old.late_cancellation, fee.items[0].item_code, fee.net_total, fee.total_advance),
			(1, self.fee_item, 5, 0),
		)

		self.settings(late_moves="Free")
		held = self.paid_booking()
		new = self.customer_moves(held, at(2, 16))
		old = frappe.get_doc(APPOINTMENT, held["name"])
		self.assertEqual((old.late_cancellation, old.cancellation_invoice, new.amount_paid), (0, None, 10))

	def test_an_unpaid_checkout_moved_is_paid_for_the_new_time(self):
		held = self.checkout()
		request = appointment_value(held["name"], "payment_request")
		new = self.customer_moves(held, at(2, 15))
		self.assertEqual((new.status, new.payment_request), ("Open", request))
		self.pay(new.name)  # the gateway reports the request's payment: it confirms the new time
		self.assertEqual(
			(appointment_value(new.name, "status"), appointment_value(new.name, "amount_paid")),
			("Confirmed", 10),
		)
		self.assertFalse(appointment_value(held["name"], "payment_entry"))


# --- 2. an override takes the free seats and units ----------------------------------------------
class TestOverrideTakesWhatIsFree(FrappeTestCase):
	"""A 30-minute service needing one treatment room (there is one) with a provider working 09-17 on
	15-minute slots, and a second provider of the same service."""

	def setUp(self):
		use_booking_settings()
		self.room_type = make_unit_type()
		self.room = make_unit(self.room_type.name)
		self.service = make_service(required_unit_types=[{"unit_type": self.room_type.name, "qty": 1}])
		self.provider = make_provider([self.service.name])
		self.other = make_provider([self.service.name])

	def override(self, start, reason="Burst pipe, flat flooding", provider=None):
		return book(self.service.name, provider or self.provider.name, start, override_reason=reason)

	def units_of(self, name):
		return frappe.get_all(
			"Service Appointment Unit", filters={"parent": name, "live": 1}, pluck="service_unit"
		)

	def offered(self, provider, start):
		windows = windows_for(
			self.service, from_site(start), from_site(start) + timedelta(minutes=1), provider=provider
		)
		return [w for w in windows if w.start == from_site(start)]

	def test_an_override_takes_the_free_seats_and_room_so_the_time_is_off_sale(self):
		doc = self.override(at(2, 10))
		self.assertEqual(len(live_seats(doc.name)), 2)  # 10:00 and 10:15
		self.assertEqual(self.units_of(doc.name), [self.room.name])
		self.assertFalse(doc.overbooked)
		self.assertEqual(self.offered(self.provider.name, at(2, 10)), [])  # not on sale on /book
		with self.assertRaises(SlotUnavailable):
			book(self.service.name, self.provider.name, at(2, 10))
		with self.assertRaises(SlotUnavailable):  # the other provider: the room is taken
			book(self.service.name, self.other.name, at(2, 10))

	def test_an_override_overbooks_only_what_is_not_free(self):
		first = book(self.service.name, self.provider.name, at(2, 10, 30))  # 10:30, 10:45 and the room
		actions.confirm(first.name)
		doc = self.override(at(2, 10, 15))  # 10:15 is free, 10:30 is not, nor is the room
		self.assertEqual([k.split("#")[0] for k in live_seats(doc.name)], [self._slot(at(2, 10, 15))])
		self.assertEqual(self.units_of(doc.name), [])
		self.assertIn("10:30", doc.overbooked)
		self.assertIn(self.room_type.name, doc.overbooked)
		squeezed = self.override(at(2, 10, 30), reason="Regular client, emergency")  # nothing is free
		self.assertEqual((live_seats(squeezed.name), self.units_of(squeezed.name)), ([], []))
		event = frappe.get_all(
			"Appointment Event",
			{"appointment": squeezed.name},
			["event_type", "changes"],
			order_by="stream_seq",
		)[0]
		self.assertEqual(event.event_type, "booked_with_override")
		overbooked = frappe.parse_json(event.changes)["overbooked"]
		self.assertEqual((len(overbooked["slots"]), overbooked["units"]), (2, {self.room_type.name: 1}))

	def test_outside_the_shifts_only_the_room_is_taken(self):
		doc = self.override(at(2, 22))
		self.assertEqual((live_seats(doc.name), self.units_of(doc.name)), ([], [self.room.name]))
		self.assertTrue(doc.overbooked)

	def test_bad_override_input_is_a_4xx_that_stores_nothing(self):
		for start, reason in (
			("9999-12-31 23:00:00", "Emergency call-out"),
			("0001-01-01 00:00:00", "Emergency call-out"),
			("not a date", "Emergency call-out"),
			(at(2, 22) + timedelta(days=800), "Emergency call-out"),
			(at(2, 22) - timedelta(days=800), "Emergency call-out"),
			(at(2, 22), "x" * 70_000),
		):
			with self.subTest(start=str(start)[:20], reason=len(reason)):
				before = (frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event"))
				with self.assertRaises(frappe.ValidationError) as caught:
					self.override(start, reason=reason)
				self.assertIsInstance(caught.exception, InvalidBookingInput)
				self.assertTrue(400 <= caught.exception.http_status_code < 500)
				self.assertEqual((frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")), before)

	def _slot(self, start):
		return frappe.db.get_value(
			"Service Provider Slot",
			{"provider": self.provider.name, "slot_start_utc": to_db(from_site(start))},
		)


# --- 3. the payment window counts once --------------------------------------------------------
@needs_erpnext
class TestThePaymentWindowCountsOnce(DepositCase):
	def as_if_minutes_passed(self, name, minutes):
		"""Move everything the hold keeps of its times `minutes` back, as if that long had passed."""
		shift = timedelta(minutes=minutes)
		values = {}
		for field, site_field in (("hold_expires_utc", "hold_expires_at"), ("payment_window_ends_utc", None)):
			if frappe.get_meta(APPOINTMENT).has_field(field) and (stored := appointment_value(name, field)):
				values[field] = to_db(from_db(stored) - shift)
				if site_field:
					values[site_field] = to_site(from_db(stored) - shift)
		frappe.db.set_value(APPOINTMENT, name, values)
		for ledger in ("Service Appointment Slot", "Service Appointment Unit"):
			frappe.db.set_value(ledger, {"parent": name}, "hold_until_utc", values["hold_expires_utc"])

	def press_confirm(self, held):
		return as_guest(api.confirm, appointment=held["name"], token=held["token"])

	def test_pressing_confirm_again_never_moves_the_hold(self):
		held = self.checkout()  # the first checkout: the window is 30 minutes from now
		self.as_if_minutes_passed(held["name"], 20)
		ends = get_datetime(appointment_value(held["name"], "hold_expires_utc"))
		for _press in range(3):
			self.press_confirm(held)
			self.assertEqual(get_datetime(appointment_value(held["name"], "hold_expires_utc")), ends)
		self.as_if_minutes_passed(held["name"], 11)  # the window is over
		with self.assertRaises(HoldExpired):
			self.press_confirm(held)

	def test_refused_checkouts_leave_at_most_one_error_log(self):
		frappe.local.conf.pop(test_gateway.CONFIG_KEY)  # no gateway: payment cannot start
		held = as_guest(
			api.hold, service_type=self.service.name, start=iso(at(2, 10)), provider=self.provider.name
		)
		logs = {"method": ("like", f"%{held['name']}%")}
		before = frappe.db.count("Error Log", logs)
		for _press in range(4):
			with self.assertRaises(PaymentUnavailable):
				as_guest(
					api.confirm,
					appointment=held["name"],
					token=held["token"],
					customer_name="Dee",
					customer_email="dee@example.com",
				)
		self.assertLessEqual(frappe.db.count("Error Log", logs) - before, 1)


# --- 4. the wait-list counts toward the hold caps --------------------------------------------
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
