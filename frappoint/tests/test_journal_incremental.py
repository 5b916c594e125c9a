"""`verify-journal` by default re-hashes only what the signed checkpoints have not sealed; `--full`
re-hashes history. Tampering in SQL (triggers dropped, as in test_journal_integrity) shows what each
finds: the default every change after a chain's sealed head, at the head itself, to a checkpoint or to
a whole sealed chain; an edit to an older sealed event only `--full`."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.booking import actions, journal
from frappoint.booking.journal import drop_triggers, ensure_triggers, verify
from frappoint.tests.fixtures import (
	at,
	book,
	make_provider,
	make_service,
	site_settings,
	use_booking_settings,
)


class TestVerificationSinceTheSeals(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.site_settings = site_settings()  # the DDL below commits ours: give the site its own back
		use_booking_settings()
		svc = make_service()
		cls.appointment = book(svc.name, make_provider([svc.name]).name, at(3, 11))
		actions.confirm(cls.appointment.name)
		actions.complete(cls.appointment.name)
		cls.events = frappe.get_all(
			"Appointment Event",
			filters={"appointment": cls.appointment.name},
			pluck="name",
			order_by="stream_seq",
		)  # held, confirmed, completed
		drop_triggers()  # commits the appointment and its (valid) events

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		ensure_triggers()
		use_booking_settings(**cls.site_settings)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		self.sealed = journal.checkpoint()  # rolled back after each test, like every tamper below

	def tearDown(self):
		frappe.db.rollback()

	def add_event_after_the_seal(self) -> str:
		return journal.record(frappe.get_doc("Service Appointment", self.appointment.name), "noted")

	def tamper(self, event: str, field: str = "event_type", value: str = "cancelled"):
		frappe.db.sql(f"update `tabAppointment Event` set `{field}` = %s where name = %s", (value, event))

	def assert_found(self, verdict, reason, ref):
		self.assertFalse(verdict.ok)
		self.assertEqual((verdict.reason.value, verdict.ref), (reason, ref))

	def test_the_default_rehashes_the_sealed_heads_and_what_follows_them_only(self):
		self.add_event_after_the_seal()
		default, full = verify(full=False), verify(full=True)
		self.assertTrue(default.ok and full.ok)
		self.assertEqual(default.count, full.count)  # every event is sealed or re-hashed
		self.assertLess(default.checked, full.count)
		self.assertEqual(default.unsealed, full.unsealed)
		self.assertGreaterEqual(default.unsealed, 1)

	def test_an_edited_event_after_the_seal_is_found_by_default(self):
		later = self.add_event_after_the_seal()
		self.tamper(later)
		self.assert_found(verify(full=False), "changed", later)

	def test_an_edited_sealed_head_is_found_by_default(self):
		self.tamper(self.events[-1])
		self.assert_found(verify(full=False), "changed", self.events[-1])

	def test_a_signature_not_made_for_an_event_after_the_seal_is_found_by_default(self):
		later = self.add_event_after_the_seal()
		borrowed = frappe.db.get_value("Appointment Event", self.events[0], "signature")
		self.tamper(later, "signature", borrowed)
		self.assert_found(verify(full=False), "bad signature", later)

	def test_a_whole_deleted_sealed_chain_is_found_by_default(self):
		frappe.db.sql("delete from `tabAppointment Event` where appointment = %s", self.appointment.name)
		frappe.db.sql(
			"update `tabService Appointment` set journal_seq = 0, journal_hash = null where name = %s",
			self.appointment.name,
		)
		self.assert_found(verify(full=False), "missing", self.sealed)

	def test_an_edited_checkpoint_is_found_by_default(self):
		frappe.db.sql(
			"update `tabJournal Checkpoint` set covers = '[]' where name = %s",
			self.sealed,
		)
		verdict = verify(full=False)
		self.assertFalse(verdict.ok)
		self.assertEqual(verdict.reason.value, "changed")
		self.assertIn("checkpoint", verdict.detail)

	def test_an_edited_older_sealed_event_is_found_by_full_only(self):
		"""The seal fixes the head's hash; only re-hashing the chain from its start shows that an
		earlier event no longer leads to it. The command's help and the README say so."""
		self.tamper(self.events[0])
		self.assertTrue(verify(full=False).ok)
		self.assert_found(verify(full=True), "changed", self.events[0])

	def test_a_deleted_older_sealed_event_is_found_by_full_only(self):
		frappe.db.sql("delete from `tabAppointment Event` where name = %s", self.events[1])
		self.assertTrue(verify(full=False).ok)
		self.assert_found(verify(full=True), "missing", self.events[2])
