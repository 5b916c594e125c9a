"""The journal on the real database: triggers, tampering in SQL, signatures, privacy, timeline."""

import os

import frappe
from frappe.tests.utils import FrappeTestCase
from pymysql.err import MySQLError

from frappoint.booking import actions, journal
from frappoint.booking.journal import drop_triggers, ensure_triggers, verify
from frappoint.privacy import customer_data
from frappoint.tests.fixtures import (
	at,
	book,
	ensure_outgoing_email,
	make_provider,
	make_service,
	site_settings,
	use_booking_settings,
)


def our_events(appointment):
	return frappe.get_all(
		"Appointment Event",
		filters={"appointment": appointment},
		fields=["name", "sequence"],
		order_by="sequence",
	)


class TestJournalGuards(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		svc = make_service()
		self.appointment = book(svc.name, make_provider([svc.name]).name, at(2, 10))

	def tearDown(self):
		frappe.db.rollback()

	def test_mariadb_refuses_update_and_delete_on_events(self):
		event = our_events(self.appointment.name)[0].name
		for statement in (
			"update `tabAppointment Event` set event_type = 'x' where name = %s",
			"delete from `tabAppointment Event` where name = %s",
		):
			with self.assertRaises(MySQLError) as caught:
				frappe.db.sql(statement, event)
			self.assertIn("append-only", str(caught.exception))

	def test_events_are_signed_with_the_site_key(self):
		row = frappe.db.get_value(
			"Appointment Event",
			our_events(self.appointment.name)[0].name,
			["hash", "signature"],
			as_dict=True,
		)
		import base64

		journal.public_key().verify(base64.b64decode(row.signature), row.hash.encode())  # raises if forged

	def test_every_action_writes_one_event(self):
		actions.confirm(self.appointment.name)
		actions.start(self.appointment.name)
		other = make_provider([self.appointment.service_type])
		actions.reassign(self.appointment.name, other.name)
		actions.complete(self.appointment.name)
		types = frappe.get_all(
			"Appointment Event",
			filters={"appointment": self.appointment.name},
			pluck="event_type",
			order_by="sequence",
		)
		self.assertEqual(types, ["held", "confirmed", "started", "reassigned", "completed"])
		self.assertEqual(
			frappe.db.get_value("Service Appointment", self.appointment.name, "provider"), other.name
		)
		self.assertTrue(verify().ok)

	def test_the_form_timeline_shows_the_events(self):
		actions.confirm(self.appointment.name)
		items = journal.timeline("Service Appointment", self.appointment.name)
		self.assertEqual(len(items), 2)
		self.assertIn("confirmed", items[1]["content"])

	def test_the_report_says_ok_with_the_count(self):
		from frappoint.frappoint.report.journal_verification.journal_verification import execute

		_columns, [row] = execute()
		self.assertEqual(row["result"], "OK")
		self.assertEqual(row["count"], frappe.db.count("Appointment Event"))


class TestJournalTampering(FrappeTestCase):
	"""Drops the triggers (DDL commits), tampers in SQL, checks the finding, rolls the tamper back."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.site_settings = site_settings()  # the DDL below commits ours: give the site its own back
		use_booking_settings()
		svc = make_service()
		cls.appointment = book(svc.name, make_provider([svc.name]).name, at(3, 10))
		actions.confirm(cls.appointment.name)
		actions.complete(cls.appointment.name)
		cls.events = our_events(cls.appointment.name)  # held, confirmed, completed
		drop_triggers()  # commits the appointment and its (valid) events

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		ensure_triggers()
		use_booking_settings(**cls.site_settings)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.db.rollback()
		self.assertTrue(verify().ok)

	def assert_found(self, reason, event_name):
		verdict = verify()
		self.assertFalse(verdict.ok)
		self.assertEqual((verdict.reason.value, verdict.ref), (reason, event_name))

	def test_a_changed_event_is_found(self):
		frappe.db.sql(
			"update `tabAppointment Event` set event_type = 'cancelled' where name = %s", self.events[1].name
		)
		self.assert_found("changed", self.events[1].name)

	def test_a_deleted_event_is_found(self):
		frappe.db.sql("delete from `tabAppointment Event` where name = %s", self.events[1].name)
		self.assert_found("missing", self.events[2].name)

	def test_the_site_wide_order_is_not_what_orders_a_chain(self):
		a, b = self.events[0], self.events[1]
		frappe.db.sql("update `tabAppointment Event` set sequence = -1 where name = %s", a.name)
		frappe.db.sql("update `tabAppointment Event` set sequence = %s where name = %s", (a.sequence, b.name))
		frappe.db.sql("update `tabAppointment Event` set sequence = %s where name = %s", (b.sequence, a.name))
		self.assertTrue(verify().ok)  # each event names its place in its appointment's chain

	def test_an_edited_creation_or_owner_is_found(self):
		for field, value in (("creation", "2020-01-01 00:00:00"), ("owner", "someone@else.example")):
			frappe.db.sql(
				f"update `tabAppointment Event` set `{field}` = %s where name = %s",
				(value, self.events[1].name),
			)
			self.assert_found("changed", self.events[1].name)
			frappe.db.rollback()

	def test_a_cut_tail_with_a_rewritten_head_is_found_by_the_checkpoint(self):
		sealed = journal.checkpoint()
		last, before = self.events[-1], self.events[-2]
		frappe.db.sql("delete from `tabAppointment Event` where name = %s", last.name)
		head = frappe.db.get_value("Appointment Event", before.name, ["stream_seq", "hash"])
		frappe.db.sql(
			"update `tabService Appointment` set journal_seq = %s, journal_hash = %s where name = %s",
			(*head, self.appointment.name),
		)
		self.assert_found("missing", sealed)

	def test_a_whole_deleted_chain_is_found_by_the_checkpoint(self):
		sealed = journal.checkpoint()
		frappe.db.sql("delete from `tabAppointment Event` where appointment = %s", self.appointment.name)
		frappe.db.sql(
			"update `tabService Appointment` set journal_seq = 0, journal_hash = null where name = %s",
			self.appointment.name,
		)
		self.assert_found("missing", sealed)

	def test_a_deleted_newest_checkpoint_is_found_by_the_anchor_outside_the_database(self):
		path = journal.anchor_path()
		saved = open(path).read() if os.path.exists(path) else None
		try:
			sealed = journal.checkpoint()
			number, digest = frappe.db.get_value("Journal Checkpoint", sealed, ["number", "hash"])
			journal.write_anchor(number, digest)  # as the commit would
			self.assertTrue(verify().ok)
			frappe.db.sql("delete from `tabJournal Checkpoint` where name = %s", sealed)
			verdict = verify()
			self.assertEqual((verdict.ok, verdict.reason.value), (False, "missing"))
			self.assertIn(f"checkpoint {number}", verdict.detail)
		finally:
			if saved is None:
				os.remove(path)
			else:
				with open(path, "w") as out:
					out.write(saved)

	def test_a_rehashed_forgery_fails_its_signature(self):
		from frappoint.scheduling import event_hash

		event = frappe.db.get_value(
			"Appointment Event", self.events[2].name, ["prev_hash", "changes"], as_dict=True
		)
		[stored] = [e for e in journal.stored_events() if e.ref == self.events[2].name]
		forged = {**stored.payload, "event_type": "no_show"}
		frappe.db.sql(
			"update `tabAppointment Event` set event_type = 'no_show', hash = %s where name = %s",
			(event_hash(event.prev_hash, forged), self.events[2].name),
		)
		self.assert_found("bad signature", self.events[2].name)


class TestJournalPrivacy(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		ensure_outgoing_email()
		svc = make_service()
		self.email = f"{frappe.generate_hash(length=8)}@example.com"
		frappe.get_doc(
			{
				"doctype": "User",
				"email": self.email,
				"first_name": "Petra",
				"send_welcome_email": 0,
				"user_type": "Website User",
			}
		).insert(ignore_permissions=True)
		self.appointment = book(
			svc.name,
			make_provider([svc.name]).name,
			at(2, 10),
			customer_email=self.email,
			customer_name="Petra Privacy",
		)
		actions.confirm(self.appointment.name)

	def tearDown(self):
		frappe.db.rollback()

	def test_the_export_holds_appointments_and_events(self):
		data = customer_data(self.email)
		self.assertEqual([a.name for a in data["Service Appointment"]], [self.appointment.name])
		self.assertEqual([e.event_type for e in data["Appointment Event"]], ["held", "confirmed"])

	def test_a_download_request_attaches_the_appointments(self):
		request = frappe.get_doc({"doctype": "Personal Data Download Request", "user": self.email}).insert(
			ignore_permissions=True
		)
		files = frappe.get_all(
			"File",
			filters={"attached_to_doctype": request.doctype, "attached_to_name": request.name},
			pluck="file_name",
		)
		self.assertIn(f"Frappoint-Appointments-{request.name}.json", files)

	def test_erasure_removes_personal_data_and_the_journal_still_verifies(self):
		request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": self.email}).insert(
			ignore_permissions=True
		)
		request.db_set("status", "Pending Approval")  # the customer confirmed by email
		request.trigger_data_deletion()
		row = frappe.db.get_value(
			"Service Appointment",
			self.appointment.name,
			["customer_name", "customer_email", "customer_phone"],
			as_dict=True,
		)
		self.assertNotIn("Petra", row.customer_name)
		self.assertNotIn(self.email, row.customer_email or "")
		self.assertTrue(verify().ok)
