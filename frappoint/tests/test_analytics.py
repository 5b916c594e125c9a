"""The manager's reports: each figure checked against appointments this test makes (as differences
from what the site already holds, so other data on the site does not matter)."""

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from frappoint import analytics
from frappoint.booking import actions
from frappoint.frappoint.report.booking_funnel.booking_funnel import execute as funnel_report
from frappoint.tests.fixtures import (
	IGNORED_TEST_RECORDS,
	at,
	book,
	day,
	expire_hold_now,
	make_provider,
	make_service,
	use_booking_settings,
)

test_ignore = IGNORED_TEST_RECORDS


def by(rows, key, value):
	return next((r for r in rows if r[key] == value), None)


class TestAnalytics(FrappeTestCase):
	def setUp(self):
		use_booking_settings(bill_in_erpnext=0)
		self.service = make_service()  # 30 minutes; Standard 50, Emergency 150
		self.provider = make_provider([self.service.name])  # 09:00-17:00 every day
		self.filters = {"from_date": str(day(0)), "to_date": str(day(2)), "service_type": self.service.name}

	def make(self, hour, then=None):
		doc = book(self.service.name, self.provider.name, at(1, hour))
		if then in ("confirm", "complete", "no_show"):
			actions.confirm(doc.name)
		if then == "complete":
			actions.complete(doc.name)
		elif then == "no_show":
			actions.mark_no_show(doc.name)
		elif then == "cancel":
			actions.confirm(doc.name)
			actions.cancel(doc.name, reason="Changed plans")
		elif then == "lapse":
			expire_hold_now(doc.name)
			actions.expire(doc.name)
		return doc

	def test_each_report_counts_what_happened(self):
		self.make(9, "confirm")
		self.make(10, "complete")
		self.make(11, "no_show")
		self.make(12, "cancel")
		self.make(13, "lapse")
		self.make(14)  # a hold still live

		mine = by(analytics.utilisation(self.filters), "provider", self.provider.name)
		self.assertEqual(mine["available_minutes"], 3 * 8 * 60)  # three days of 09:00-17:00
		self.assertEqual(
			(mine["booked_minutes"], mine["appointments"]), (90, 3)
		)  # confirmed, completed, no-show
		self.assertEqual(mine["utilisation"], round(100 * 90 / 1440, 1))

		shows = by(analytics.no_shows({**self.filters, "group_by": "Provider"}), "name", self.provider.name)
		self.assertEqual((shows.ended, shows.no_shows, shows.no_show_rate), (2, 1, 50.0))

		funnel = {r["stage"]: (r["count"], r["share_of_bookings"]) for r in analytics.funnel(self.filters)}
		self.assertEqual(
			funnel,
			{
				"Held": (6, 100.0),
				"Confirmed": (4, round(100 * 4 / 6, 1)),
				"Completed": (1, round(100 / 6, 1)),
				"No Show": (1, round(100 / 6, 1)),
				"Holds Lapsed": (1, round(100 / 6, 1)),
				"Cancelled": (1, round(100 / 6, 1)),
			},
		)

		weekday = getdate(day(1)).weekday()
		demand = analytics.demand(self.filters)
		self.assertEqual(demand[weekday]["total"], 3)
		self.assertEqual([demand[weekday][f"h{h:02d}"] for h in range(9, 15)], [1, 1, 1, 0, 0, 0])
		self.assertEqual(sum(row["total"] for row in demand), 3)

		revenue = by(analytics.revenue({**self.filters, "group_by": "Service"}), "name", self.service.name)
		self.assertEqual((revenue.appointments, revenue.revenue), (1, 50))

	def test_the_funnel_reports_the_notice_cancellations_gave(self):
		doc = self.make(15, "cancel")
		start = frappe.db.get_value("Service Appointment", doc.name, "start_time")
		_columns, rows, _message, chart = funnel_report(self.filters)
		cancelled = by(rows, "stage", "Cancelled")
		expected = (start - frappe.utils.now_datetime()) / timedelta(hours=1)
		self.assertAlmostEqual(cancelled["average_notice_hours"], expected, delta=0.1)
		self.assertEqual(chart["data"]["labels"][-1], "Cancelled")

	def test_a_backwards_range_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			analytics.utilisation({"from_date": str(day(2)), "to_date": str(day(0))})
		with self.assertRaises(frappe.ValidationError):
			analytics.no_shows({**self.filters, "group_by": "Weather"})

	def test_filters_of_the_wrong_shape_are_a_400_not_a_500(self):
		from frappoint.frappoint.report.no_shows.no_shows import execute as no_shows_report

		for wrong in (
			{"group_by": ["Service"]},
			{"group_by": {"a": 1}},
			{"from_date": [str(day(0))]},
			{"to_date": {"x": 1}},
		):
			with self.assertRaises(frappe.ValidationError) as refused:
				no_shows_report({**self.filters, **wrong})
			self.assertEqual(refused.exception.http_status_code, 400, wrong)
