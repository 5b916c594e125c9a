"""Malformed input is the caller's mistake, answered 4xx, never 5xx (issue 25); the attack suite's fuzz
shows it over HTTP for every whitelisted method, these tests pin each rule on the site.

- A date and time typed in the desk that the site's clocks skip (a spring-forward night) is refused,
  naming the last valid minute before the jump and the first after it; nothing is booked.
- The `before_request` hook (`security.refuse_malformed_request`) refuses what Frappe would parse and
  then fail on: JSON that does not parse, a JSON body that is not UTF-8, a lone surrogate anywhere in
  the arguments, a document or method of `run_doc_method` that is not text.
- Reports refuse filters of the wrong shape or beyond any calendar.
"""

import json
from datetime import date

import frappe
import frappe.app
from frappe.tests.utils import FrappeTestCase
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from frappoint import analytics, security
from frappoint.booking.clock import from_site, from_stored_site
from frappoint.booking.errors import InvalidBookingInput, MalformedRequest, SkippedLocalTime
from frappoint.booking.slot_generation import regenerate
from frappoint.scheduling.compat import UTC
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	book,
	make_provider,
	make_service,
	site_timezone,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS
LONDON = "Europe/London"
SKIPPED = "2027-03-28 01:30:00"  # London's clocks go from 01:00 to 02:00 that night


class TestSkippedDeskTimes(FrappeTestCase):
	def setUp(self):
		self.zone = site_timezone(LONDON)
		self.zone.__enter__()
		use_booking_settings(max_advance_days=730)
		self.service = make_service()
		# working through the night, with slots: a start moved past the jump would be booked
		self.provider = make_provider(
			[self.service.name],
			shifts=[{"weekday": "Sunday", "start_time": "00:00:00", "end_time": "06:00:00"}],
			generate_days=0,
			timezone=LONDON,
		)
		regenerate(self.provider.name, date(2027, 3, 28), date(2027, 3, 28))

	def tearDown(self):
		self.zone.__exit__(None, None, None)

	def test_a_desk_start_the_clocks_skip_is_refused_and_names_the_nearest_times(self):
		counts = {
			dt: frappe.db.count(dt)
			for dt in ("Service Appointment", "Appointment Event", "Service Appointment Slot")
		}
		with self.assertRaises(SkippedLocalTime) as refused:
			book(self.service.name, self.provider.name, SKIPPED)
		self.assertEqual(refused.exception.http_status_code, 400)
		message = str(refused.exception)
		for part in ("01:30", "28 March 2027", LONDON, "00:59", "02:00"):
			self.assertIn(part, message)
		self.assertEqual(counts, {dt: frappe.db.count(dt) for dt in counts})

	def test_the_minutes_either_side_of_the_jump_are_times(self):
		self.assertEqual(from_site("2027-03-28 00:59:00").isoformat(), "2027-03-28T00:59:00+00:00")
		self.assertEqual(from_site("2027-03-28 02:00:00").isoformat(), "2027-03-28T01:00:00+00:00")

	def test_the_repeated_hour_of_fall_back_still_means_its_first_occurrence(self):
		self.assertEqual(from_site("2027-10-31 01:30:00").astimezone(UTC).hour, 0)

	def test_a_stored_period_in_the_gap_is_still_read(self):
		"""Read, not typed: a leave saved before such times were refused keeps counting."""
		self.assertEqual(from_stored_site(SKIPPED).isoformat(), "2027-03-28T01:30:00+00:00")


class TestMalformedRequests(FrappeTestCase):
	def setUp(self):
		self.parse = frappe.app.make_form_dict
		self.addCleanup(setattr, frappe.app, "make_form_dict", self.parse)
		self.addCleanup(setattr, frappe.local, "form_dict", frappe.local.form_dict)
		self.addCleanup(setattr, frappe.local, "request", getattr(frappe.local, "request", None))

	def request(self, body: bytes, path: str = "/api/method/frappoint.api.booking.services") -> Request:
		environ = EnvironBuilder(
			path=path, method="POST", data=body, content_type="application/json"
		).get_environ()
		frappe.local.request = Request(environ)
		return frappe.local.request

	def hook_on(self, body: bytes, path: str | None = None) -> None:
		"""Frappe's parse of the body (as the hook leaves it), then the hook, as a request runs them."""
		security.strict_body_parsing()
		frappe.app.make_form_dict(self.request(body, *([path] if path else [])))
		security.refuse_malformed_request()

	def test_json_that_does_not_parse_is_a_400_once_the_hook_ran(self):
		for body in (b'{"appointment": "AP', b"[" * 10_000, b"\xff\xfe{"):
			with self.assertRaises(MalformedRequest) as refused:
				self.hook_on(body)
			self.assertEqual(refused.exception.http_status_code, 400)

	def test_the_parser_is_wrapped_once(self):
		security.strict_body_parsing()
		wrapped = frappe.app.make_form_dict
		security.strict_body_parsing()
		self.assertIs(frappe.app.make_form_dict, wrapped)

	def test_a_lone_surrogate_anywhere_in_the_arguments_is_refused(self):
		for body in (
			b'{"appointment": "\\ud800"}',
			b'{"args": {"reason": ["x", "\\udfff"]}}',
			b'{"\\ud800": "key"}',
			# JSON sent as text in one argument, as the desk sends `args` and `filters`
			json.dumps({"filters": '{"service_type": "\\ud800"}'}).encode(),
		):
			with self.assertRaises(MalformedRequest):
				self.hook_on(body)

	def test_a_json_body_that_is_not_utf8_is_refused(self):
		with self.assertRaises(MalformedRequest):
			self.hook_on(b'{"appointment": "\xed\xa0\x80"}')

	def test_text_beyond_ascii_and_escaped_pairs_pass(self):
		self.hook_on(json.dumps({"customer_name": "Zoë ☃ 😀", "filters": json.dumps({"x": "😀"})}).encode())
		self.hook_on(json.dumps({"customer_name": "😀"}, ensure_ascii=True).encode())  # \ud83d\ude00
		self.assertEqual(frappe.local.form_dict.customer_name, "😀")

	def test_run_doc_method_needs_text_for_its_document_and_method(self):
		path = "/api/method/run_doc_method"
		for envelope in (
			{"dt": "Service Appointment", "dn": ["x"]},
			{"dt": {"a": 1}, "dn": "x"},
			{"method": [1]},
			{"docs": ["Service Appointment"], "method": "confirm"},
		):
			with self.assertRaises(MalformedRequest):
				self.hook_on(json.dumps(envelope).encode(), path)
		self.hook_on(
			json.dumps({"dt": "Service Appointment", "dn": "APT-1", "method": "confirm"}).encode(), path
		)
		self.hook_on(
			json.dumps({"docs": {"doctype": "Service Appointment"}, "method": "confirm"}).encode(), path
		)

	def test_a_count_without_a_doctype_is_a_404(self):
		with self.assertRaises(frappe.DoesNotExistError):
			security.get_count(filters="{}")


class TestReportFilters(FrappeTestCase):
	def test_filters_that_are_not_one_text_are_refused(self):
		for report, filters in (
			(analytics.funnel, {"service_type": ["a"]}),
			(analytics.demand, {"service_type": {"a": 1}}),
			(analytics.revenue, {"group_by": ["Service"]}),
			(analytics.utilisation, {"from_date": "\ud800"}),
		):
			with self.assertRaises(InvalidBookingInput):
				report(filters)

	def test_days_beyond_the_calendar_are_refused(self):
		for filters in ({"to_date": "9999-12-31"}, {"from_date": "0001-01-01", "to_date": "2026-01-01"}):
			with self.assertRaises(InvalidBookingInput):
				analytics.utilisation(filters)
