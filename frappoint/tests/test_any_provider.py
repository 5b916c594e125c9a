"""Booking with any provider: the best-ranked free one by the Settings' weights, the nearest to the
job, and a job location off the globe refused."""

import frappe

from frappoint.booking.errors import InvalidBookingInput
from frappoint.tests.appointments import AppointmentCase
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


class TestAnyProvider(AppointmentCase):
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
