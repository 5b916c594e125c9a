# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from pymysql.err import IntegrityError

from frappoint import permissions as frappoint_permissions
from frappoint.booking import actions
from frappoint.booking.errors import (
	HoldExpired,
	InvalidBookingInput,
	InvalidTransition,
	NotBookableTime,
	SlotUnavailable,
)
from frappoint.booking.journal import verify
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	expire_hold_now,
	live_seats,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	use_booking_settings,
)


def events_of(name):
	return frappe.get_all(
		"Appointment Event", filters={"appointment": name}, pluck="event_type", order_by="sequence asc"
	)


test_ignore = IGNORED_TEST_RECORDS


class TestServiceAppointment(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service(buffer_after_minutes=15)
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.db.rollback()

	# --- hold ---

	def test_a_hold_takes_its_times_price_and_seats_from_the_rules(self):
		doc = book(self.service.name, self.provider.name, at(2, 10), status="Completed", rate=1)
		self.assertEqual(doc.status, "Open")
		self.assertEqual(doc.rate, 50)  # the tier price, not what the caller sent
		self.assertEqual(str(doc.start_time), str(at(2, 10)))
		self.assertEqual(str(doc.end_time), str(at(2, 10, 30)))
		self.assertEqual(len(doc.slots), 3)  # 30 min + 15 min buffer on 15-minute slots
		self.assertEqual(len(live_seats(doc.name)), 3)
		self.assertTrue(doc.hold_expires_at)
		self.assertEqual(events_of(doc.name), ["held"])

	def test_second_claim_on_last_seat_is_refused(self):
		book(self.service.name, self.provider.name, at(2, 10))
		before = frappe.db.count("Service Appointment")
		with self.assertRaises(SlotUnavailable) as caught:
			book(self.service.name, self.provider.name, at(2, 10, 15))
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(frappe.db.count("Service Appointment"), before)

	def test_the_database_refuses_a_duplicate_seat_even_without_the_service(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		row = doc.slots[0]
		with self.assertRaises(IntegrityError):
			frappe.db.sql(
				"""insert into `tabService Appointment Slot` (name, parent, parenttype, parentfield, slot, seat_no, seat_key)
				values (%s, 'X', 'Service Appointment', 'slots', %s, 1, %s)""",
				(frappe.generate_hash(), row.slot, row.seat_key),
			)

	def test_times_outside_the_rules_are_refused_with_their_reason(self):
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 18))  # after the shift
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 16, 45))  # the buffer runs past 17:00
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(2, 10, 5))  # not a slot start
		with self.assertRaises(NotBookableTime):
			book(self.service.name, self.provider.name, at(-1, 10))  # in the past

	def test_a_group_slot_fills_up_seat_by_seat(self):
		group = make_service(max_clients_per_slot=2)
		provider = make_provider([group.name], slot_capacity=2)
		first = book(group.name, provider.name, at(2, 10))
		second = book(group.name, provider.name, at(2, 10))
		self.assertEqual({first.slots[0].seat_no, second.slots[0].seat_no}, {1, 2})
		with self.assertRaises(SlotUnavailable):
			book(group.name, provider.name, at(2, 10))

	def test_only_the_emergency_tier_uses_reserved_seats(self):
		repair = make_service(max_clients_per_slot=2, emergency_reserved_seats=1)
		provider = make_provider([repair.name], slot_capacity=2)
		book(repair.name, provider.name, at(2, 10))
		with self.assertRaises(NotBookableTime):
			book(repair.name, provider.name, at(2, 10))
		emergency = book(repair.name, provider.name, at(2, 10), pricing_tier="Emergency")
		self.assertEqual(emergency.rate, 150)

	def test_an_unknown_tier_is_refused(self):
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, self.provider.name, at(2, 10), pricing_tier="Free")

	def test_a_provider_who_does_not_offer_the_service_is_refused(self):
		other = make_provider([], generate_days=0)
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, other.name, at(2, 10))

	def test_any_provider_picks_the_best_ranked_free_one(self):
		skilled = make_service(required_skills="gas")
		plain = make_provider([skilled.name], provider_name="AAA " + frappe.generate_hash(length=5))
		expert = make_provider(
			[skilled.name], skills="gas", provider_name="ZZZ " + frappe.generate_hash(length=5)
		)
		first = book(skilled.name, None, at(2, 10))
		self.assertEqual(first.provider, expert.name)  # skills outrank the alphabet
		second = book(skilled.name, None, at(2, 10))
		self.assertEqual(second.provider, plain.name)  # the expert is taken at 10:00

	def test_the_settings_weights_decide_who_any_provider_is(self):
		skilled = make_service(required_skills="gas")
		make_provider([skilled.name], provider_name="AAA " + frappe.generate_hash(length=5))
		expert = make_provider(
			[skilled.name], skills="gas", provider_name="ZZZ " + frappe.generate_hash(length=5)
		)
		book(skilled.name, expert.name, at(2, 9))  # the expert already works that day
		use_booking_settings(dispatch_weight_skills=0, dispatch_weight_distance=0, dispatch_weight_workload=1)
		self.assertNotEqual(book(skilled.name, None, at(2, 13)).provider, expert.name)  # the lighter day wins
		use_booking_settings(
			dispatch_weight_skills=0.5, dispatch_weight_distance=0.3, dispatch_weight_workload=0.2
		)
		self.assertEqual(book(skilled.name, None, at(2, 14)).provider, expert.name)  # skills win again
		settings = frappe.get_doc("Service Appointment Settings")
		settings.update(
			{"dispatch_weight_skills": 0, "dispatch_weight_distance": 0, "dispatch_weight_workload": 0}
		)
		with self.assertRaises(InvalidBookingInput):
			settings.save()

	def test_any_provider_prefers_the_nearest_to_the_job(self):
		job = make_service()
		london = make_provider(
			[job.name],
			provider_name="AAA " + frappe.generate_hash(length=5),
			latitude=51.5074,
			longitude=-0.1278,
		)
		birmingham = make_provider(
			[job.name],
			provider_name="ZZZ " + frappe.generate_hash(length=5),
			latitude=52.4862,
			longitude=-1.8904,
		)
		near_birmingham = book(job.name, None, at(2, 10), job_latitude=52.48, job_longitude=-1.90)
		self.assertEqual(near_birmingham.provider, birmingham.name)
		near_london = book(job.name, None, at(2, 11), job_latitude=51.51, job_longitude=-0.13)
		self.assertEqual(near_london.provider, london.name)

	def test_a_job_location_off_the_globe_is_refused(self):
		with self.assertRaises(InvalidBookingInput):
			book(self.service.name, None, at(2, 10), job_latitude=123, job_longitude=0)

	# --- units ---

	def test_a_required_unit_is_allocated_and_never_double_used(self):
		room_type = make_unit_type()
		room = make_unit(room_type.name)
		massage = make_service(required_unit_types=[{"unit_type": room_type.name, "qty": 1}])
		alice = make_provider([massage.name])
		bob = make_provider([massage.name])
		first = book(massage.name, alice.name, at(2, 10))
		self.assertEqual([u.service_unit for u in first.units], [room.name])
		with self.assertRaises(SlotUnavailable):
			book(massage.name, bob.name, at(2, 10, 15))  # Bob is free, the only room is not
		actions.cancel(first.name)
		self.assertEqual(book(massage.name, bob.name, at(2, 10, 15)).units[0].service_unit, room.name)

	def test_units_that_allow_overlap_are_shared(self):
		lobby_type = make_unit_type(allow_overlap=1)
		make_unit(lobby_type.name)
		wait = make_service(required_unit_types=[{"unit_type": lobby_type.name, "qty": 1}])
		alice, bob = make_provider([wait.name]), make_provider([wait.name])
		book(wait.name, alice.name, at(2, 10))
		self.assertTrue(book(wait.name, bob.name, at(2, 10)).units)

	# --- lifecycle ---

	def test_the_lifecycle_runs_and_journals_every_step(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		actions.complete(doc.name)
		self.assertEqual(frappe.db.get_value("Service Appointment", doc.name, "status"), "Completed")
		self.assertEqual(events_of(doc.name), ["held", "confirmed", "completed"])
		self.assertTrue(verify().ok)

	def test_forbidden_transitions_are_refused_and_change_nothing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		with self.assertRaises(InvalidTransition) as caught:
			actions.complete(doc.name)
		self.assertEqual(caught.exception.http_status_code, 409)
		actions.cancel(doc.name)
		with self.assertRaises(InvalidTransition):
			actions.confirm(doc.name)
		# start and reassign keep the status, but not on a cancelled appointment: a 409, not a 500
		for refused in (
			lambda: actions.start(doc.name),
			lambda: actions.reassign(doc.name, self.provider.name),
		):
			with self.assertRaises(InvalidTransition) as caught:
				refused()
			self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(events_of(doc.name), ["held", "cancelled"])

	def test_no_show_keeps_the_seats(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		actions.mark_no_show(doc.name)
		self.assertEqual(len(live_seats(doc.name)), 3)

	def test_cancelling_releases_seats_for_the_next_customer(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.cancel(doc.name, reason="Changed my mind")
		self.assertEqual(live_seats(doc.name), [])
		self.assertEqual(book(self.service.name, self.provider.name, at(2, 10)).status, "Open")

	def test_customers_cannot_cancel_after_the_cutoff_but_staff_can(self):
		use_booking_settings(cancellation_cutoff_hours=24 * 5)
		doc = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(doc.name)
		with self.assertRaises(NotBookableTime):
			actions.cancel(doc.name, by_customer=True)
		self.assertEqual(actions.cancel(doc.name).status, "Cancelled")

	def test_status_and_price_cannot_be_edited_directly(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		doc.status = "Confirmed"
		with self.assertRaises(InvalidBookingInput):
			doc.save()
		doc.reload()
		doc.rate = 1
		with self.assertRaises(InvalidBookingInput):
			doc.save()
		doc.reload()
		doc.notes = "Prefers the window seat"
		doc.save(ignore_version=False)  # ordinary fields stay editable (tests skip versions unless asked)
		self.assertTrue(
			frappe.db.exists("Version", {"ref_doctype": "Service Appointment", "docname": doc.name})
		)

	# --- holds ---

	def test_an_expired_hold_cannot_be_confirmed(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		expire_hold_now(doc.name)
		with self.assertRaises(HoldExpired):
			actions.confirm(doc.name)

	def test_an_expired_hold_is_free_for_the_next_booking_and_expired_in_passing(self):
		doc = book(self.service.name, self.provider.name, at(2, 10))
		expire_hold_now(doc.name)
		newcomer = book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(newcomer.status, "Open")
		self.assertEqual(frappe.db.get_value("Service Appointment", doc.name, "status"), "Cancelled")
		self.assertEqual(events_of(doc.name), ["held", "hold_expired"])

	def test_the_sweep_expires_every_lapsed_hold(self):
		lapsed = book(self.service.name, self.provider.name, at(2, 10))
		live = book(self.service.name, self.provider.name, at(2, 11))
		expire_hold_now(lapsed.name)
		self.assertGreaterEqual(actions.expire_all_stale_holds(), 1)
		self.assertEqual(frappe.db.get_value("Service Appointment", lapsed.name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("Service Appointment", live.name, "status"), "Open")

	# --- reschedule ---

	def test_reschedule_moves_a_confirmed_booking_and_links_both_ways(self):
		old = book(self.service.name, self.provider.name, at(2, 10))
		actions.confirm(old.name)
		new = actions.reschedule(old.name, at(2, 10, 15))
		old.reload()
		self.assertEqual((old.status, old.rescheduled_to), ("Cancelled", new.name))
		self.assertEqual((new.status, new.rescheduled_from), ("Confirmed", old.name))
		self.assertEqual(events_of(old.name)[-1], "rescheduled_to")
		self.assertEqual(events_of(new.name), ["rescheduled_from"])
		self.assertTrue(verify().ok)

	def test_a_failed_reschedule_changes_nothing(self):
		old = book(self.service.name, self.provider.name, at(2, 10))
		blocker = book(self.service.name, self.provider.name, at(2, 14))
		events_before = frappe.db.count("Appointment Event")
		with self.assertRaises(SlotUnavailable):
			actions.reschedule(old.name, at(2, 14))
		old.reload()
		self.assertEqual(old.status, "Open")
		self.assertEqual(len(live_seats(old.name)), 3)
		self.assertEqual(frappe.db.count("Appointment Event"), events_before)
		self.assertEqual(frappe.db.get_value("Service Appointment", blocker.name, "status"), "Open")


class TestAppointmentPermissions(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider_user = self.make_user("Service Provider")
		self.mine = make_provider([self.service.name], user=self.provider_user)
		self.theirs = make_provider([self.service.name])
		self.my_job = book(self.service.name, self.mine.name, at(2, 10))
		self.their_job = book(self.service.name, self.theirs.name, at(2, 10))

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def make_user(self, role):
		email = f"{frappe.generate_hash(length=8)}@example.com"
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Test", "send_welcome_email": 0}
		)
		user.append("roles", {"role": role})
		user.insert(ignore_permissions=True)
		return user.name

	def test_a_provider_sees_only_their_own_appointments(self):
		frappe.set_user(self.provider_user)
		visible = set(frappe.get_list("Service Appointment", pluck="name"))
		self.assertIn(self.my_job.name, visible)
		self.assertNotIn(self.their_job.name, visible)
		self.assertTrue(frappe.has_permission("Service Appointment", "read", self.my_job.name))
		self.assertFalse(frappe.has_permission("Service Appointment", "read", self.their_job.name))

	def test_a_customer_sees_only_their_own_bookings(self):
		customer = self.make_user("Guest")  # a website user with no desk role
		frappe.db.set_value("User", customer, "user_type", "Website User")
		mine = book(self.service.name, self.theirs.name, at(2, 11), customer_email=customer)
		frappe.set_user(customer)
		self.assertTrue(frappoint_permissions.has_appointment_permission(mine, "read", customer))
		self.assertFalse(frappoint_permissions.has_appointment_permission(self.their_job, "read", customer))
		self.assertIn(
			frappe.db.escape(customer), frappoint_permissions.appointment_query_conditions(customer)
		)

	def test_a_provider_cannot_act_on_anothers_appointment_by_posting_a_doctored_copy(self):
		from frappe.handler import run_doc_method
		from frappe.utils import set_request

		forged = self.their_job.as_dict(convert_dates_to_str=True)
		forged["provider"] = self.mine.name  # what the provider may write, on a record they may not
		request = getattr(frappe.local, "request", None)
		set_request(method="POST", path="/api/method/run_doc_method")
		frappe.set_user(self.provider_user)
		try:
			for method in ("confirm", "cancel_appointment", "mark_no_show"):
				with self.assertRaises(frappe.PermissionError, msg=method):
					run_doc_method(method, docs=frappe.as_json(forged))
		finally:
			frappe.local.request = request
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Service Appointment", self.their_job.name, "status"), "Open")

	def test_actions_refuse_a_get_request_by_either_route(self):
		from frappe.api.v1 import execute_doc_method
		from frappe.handler import run_doc_method
		from frappe.utils import set_request

		name = self.their_job.name
		request = getattr(frappe.local, "request", None)
		try:
			set_request(method="GET", path="/api/method/run_doc_method")
			with self.assertRaises(frappe.PermissionError):
				run_doc_method("confirm", dt="Service Appointment", dn=name)
			set_request(method="GET", path=f"/api/resource/Service Appointment/{name}/confirm")
			with self.assertRaises(frappe.PermissionError):
				execute_doc_method("Service Appointment", name, "confirm")
		finally:
			frappe.local.request = request
		self.assertEqual(frappe.db.get_value("Service Appointment", name, "status"), "Open")

	def test_staff_see_everything(self):
		frappe.set_user(self.make_user("Frappoint User"))
		visible = set(frappe.get_list("Service Appointment", pluck="name"))
		self.assertTrue({self.my_job.name, self.their_job.name} <= visible)


def keep_no_window(service, windows, range_start, range_end):
	"""An availability hook of another app that keeps every time free (a busy external calendar)."""
	return []


class TestAvailabilityHooks(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name])

	def tearDown(self):
		frappe.db.rollback()

	def test_a_time_a_hook_removes_can_be_neither_listed_nor_booked_by_name(self):
		from frappe.tests.utils import patch_hooks

		from frappoint.booking.availability import windows_for
		from frappoint.booking.clock import from_site

		hook = {"frappoint_availability_providers": [f"{__name__}.keep_no_window"]}
		service_type = frappe.get_doc("Service Type", self.service.name)
		day = (from_site(at(2, 9)), from_site(at(2, 17)))
		self.assertTrue(windows_for(service_type, *day))
		booked_before = frappe.db.count("Service Appointment")
		with patch_hooks(hook):
			self.assertEqual(windows_for(service_type, *day), [])
			with self.assertRaises(SlotUnavailable):
				book(self.service.name, self.provider.name, at(2, 10))
		self.assertEqual(frappe.db.count("Service Appointment"), booked_before)
		self.assertEqual(book(self.service.name, self.provider.name, at(2, 10)).status, "Open")
