"""The payment window counts once, from the first checkout: pressing confirm again never moves the
hold, and refused checkouts leave at most one Error Log."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime

from frappoint.api import booking as api
from frappoint.booking.clock import from_db, to_db, to_site
from frappoint.booking.errors import HoldExpired
from frappoint.integrations import test_gateway
from frappoint.integrations.payments import PaymentUnavailable
from frappoint.tests.accounting import DepositCase, appointment_value, needs_erpnext
from frappoint.tests.fixtures import IGNORED_TEST_RECORDS, at
from frappoint.tests.portal import APPOINTMENT, as_guest, iso

test_ignore = IGNORED_TEST_RECORDS


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
