"""A pass over every provider costs what changed: a provider whose slot inputs did not change is
skipped, a changed shift touches only the slots it changes, a horizon that moved on gets only its new
days, and a conflict left open is looked at again on every pass."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions
from frappoint.booking.slot_generation import horizon_days, regenerate_all
from frappoint.tests.fixtures import at, book, make_provider, make_service, use_booking_settings

SLOTS_A_DAY = 32  # 09:00-17:00 in quarters


def slots(provider: str) -> set[str]:
	return set(frappe.get_all("Service Provider Slot", filters={"provider": provider}, pluck="name"))


class TestSlotPasses(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.service = make_service()
		self.provider = make_provider([self.service.name], generate_days=0)
		[self.first] = regenerate_all([self.provider.name])
		self.horizon = horizon_days(self.provider)
		self.days = (self.horizon[1] - self.horizon[0]).days + 1

	def tearDown(self):
		frappe.db.rollback()

	def test_the_first_pass_fills_the_horizon(self):
		self.assertEqual(self.first["created"], self.days * SLOTS_A_DAY)
		self.assertFalse(self.first["unchanged"])

	def test_a_pass_with_nothing_changed_skips_the_provider(self):
		before = slots(self.provider.name)
		[again] = regenerate_all([self.provider.name])
		self.assertTrue(again["unchanged"])
		self.assertEqual((again["created"], again["removed"]), (0, 0))
		self.assertEqual(slots(self.provider.name), before)

	def test_forcing_a_pass_regenerates_and_keeps_every_slot(self):
		[forced] = regenerate_all([self.provider.name], force=True)
		self.assertEqual(
			(forced["created"], forced["removed"], forced["kept"]), (0, 0, self.days * SLOTS_A_DAY)
		)

	def test_a_changed_shift_touches_only_the_slots_it_changes(self):
		before = slots(self.provider.name)
		self.provider.reload()
		for row in self.provider.shifts:
			if row.weekday == "Monday":
				row.end_time = "12:00:00"
		self.provider.save()
		[report] = regenerate_all([self.provider.name])
		after = slots(self.provider.name)
		self.assertEqual(report["created"], 0)
		self.assertEqual(report["removed"], len(before - after))
		self.assertEqual(len(after), len(before) - report["removed"])  # the rest stays, row for row
		self.assertTrue(after < before)
		mondays = sum(1 for n in range(self.days) if frappe.utils.add_days(self.horizon[0], n).weekday() == 0)
		self.assertLessEqual(len(before - after), mondays * 20)  # 12:00-17:00 of each future Monday
		[again] = regenerate_all([self.provider.name])
		self.assertTrue(again["unchanged"])

	def test_new_leave_is_noticed(self):
		frappe.get_doc(
			{
				"doctype": "Provider Availability Exception",
				"provider": self.provider.name,
				"kind": "Leave",
				"from_datetime": at(2, 0),
				"to_datetime": at(3, 0),
			}
		).insert()
		[report] = regenerate_all([self.provider.name])
		self.assertFalse(report["unchanged"])
		self.assertEqual(report["removed"], SLOTS_A_DAY)

	def test_a_horizon_that_moved_on_gets_only_its_new_days(self):
		last = self.horizon[1]
		frappe.db.sql(
			"delete from `tabService Provider Slot` where provider = %s and slot_start >= %s",
			(self.provider.name, frappe.utils.add_days(last, -1)),
		)
		stored = frappe.db.get_value("Service Provider", self.provider.name, "slot_fingerprint")
		rules, _last, open_conflicts = stored.split(":")
		frappe.db.set_value(
			"Service Provider",
			self.provider.name,
			"slot_fingerprint",
			f"{rules}:{frappe.utils.add_days(last, -2)}:{open_conflicts}",
			update_modified=False,
		)  # as yesterday's pass would have left it, one more day back
		[report] = regenerate_all([self.provider.name])
		self.assertEqual((report["created"], report["removed"], report["kept"]), (2 * SLOTS_A_DAY, 0, 0))

	def test_a_conflict_left_open_is_looked_at_again_until_it_is_gone(self):
		booked = book(self.service.name, self.provider.name, at(2, 16))
		self.provider.reload()
		for row in self.provider.shifts:
			row.end_time = "12:00:00"
		self.provider.save()
		[first] = regenerate_all([self.provider.name])
		self.assertEqual(len(first["conflicts"]), 2)  # the 16:00 and 16:15 slots stay, reported
		[again] = regenerate_all([self.provider.name])
		self.assertFalse(again["unchanged"])
		self.assertEqual(len(again["conflicts"]), 2)
		actions.cancel(booked.name, reason="Test")
		[freed] = regenerate_all([self.provider.name])
		self.assertEqual((freed["removed"], freed["conflicts"]), (2, []))
		self.assertFalse(
			frappe.db.exists(
				"Service Provider Slot", {"provider": self.provider.name, "slot_start": at(2, 16)}
			)
		)
		[last] = regenerate_all([self.provider.name])
		self.assertTrue(last["unchanged"])
