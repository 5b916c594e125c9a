"""The holes an outside-in attack found (issue 12), each closed at its root and pinned here in-process;
`security/attack_suite.py` repeats them over real HTTP against several workers in CI."""

from contextlib import contextmanager

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request

from frappoint.api import booking as api
from frappoint.api import desk
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import InvalidBookingInput
from frappoint.booking.tokens import signed_token, token_grants
from frappoint.portal.views import manage_url
from frappoint.tests.accounting import needs_erpnext
from frappoint.tests.fixtures import at, book, make_provider, make_service, make_user, use_booking_settings

APPOINTMENT = "Service Appointment"


@contextmanager
def request(method="POST", path="/api/method/frappoint.api.booking.hold", remote="198.51.100.7", **headers):
	saved = getattr(frappe.local, "request", None)
	set_request(method=method, path=path, headers=headers, environ_base={"REMOTE_ADDR": remote})
	try:
		yield
	finally:
		frappe.local.request = saved


class SecurityCase(FrappeTestCase):
	"""Users, providers and two appointments made once per class (users are slow to make); each test
	runs inside a savepoint and is rolled back to it, and the class's rows go with the class."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_booking_settings()
		cls.service = make_service()
		cls.provider_user = make_user("Service Provider")
		cls.mine = make_provider([cls.service.name], user=cls.provider_user)
		cls.theirs = make_provider([cls.service.name])
		cls.customer = make_user(None, website=True)
		cls.my_job = book(cls.service.name, cls.mine.name, at(2, 10), customer_email=cls.customer)
		cls.their_job = book(cls.service.name, cls.theirs.name, at(2, 10))

	def setUp(self):
		use_booking_settings()
		frappe.db.savepoint("security_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="security_test")
		use_booking_settings()


class TestCounting(SecurityCase):
	def count(self, doctype, filters=None):
		"""As /api/method/frappe.client.get_count runs it: through the hooks' overrides."""
		frappe.local.form_dict = frappe._dict(cmd="frappe.client.get_count", doctype=doctype, filters=filters)
		with request(method="GET", path="/api/method/frappe.client.get_count"):
			return frappe.handler.execute_cmd("frappe.client.get_count")

	def test_get_count_counts_only_what_the_user_may_list(self):
		their_email = frappe.db.get_value(APPOINTMENT, self.their_job.name, "customer_email")
		probe = {"customer_email": ["like", their_email[:3] + "%"]}
		self.assertGreaterEqual(self.count(APPOINTMENT, probe), 1)  # staff: everything
		frappe.set_user(self.customer)
		with self.assertRaises(frappe.PermissionError):  # no read permission at all
			self.count(APPOINTMENT, probe)
		frappe.set_user(self.provider_user)
		self.assertEqual(self.count(APPOINTMENT, probe), 0)  # reads only their own jobs
		self.assertEqual(self.count(APPOINTMENT, {"name": self.my_job.name}), 1)
		with self.assertRaises(frappe.PermissionError):
			self.count("Service Appointment Slot")


class TestPaymentRequests(SecurityCase):
	def request_payment(self, **args):
		"""As /api/method/erpnext...make_payment_request runs it: through the hooks' overrides."""
		method = "erpnext.accounts.doctype.payment_request.payment_request.make_payment_request"
		frappe.local.form_dict = frappe._dict(cmd=method, **args)
		with request(method="POST", path=f"/api/method/{method}"):
			return frappe.handler.execute_cmd(method)

	@needs_erpnext
	def test_only_someone_who_may_read_the_order_asks_for_its_payment(self):
		order = frappe.db.get_value("Sales Order", {}, "name") or "SAL-ORD-2026-00001"
		for user in ("Guest", self.customer, self.provider_user):
			frappe.set_user(user)
			for args in (
				{"dt": "Sales Order", "dn": order},
				{"dt": ["Sales Order"], "dn": order},
				{"dt": "Nope", "dn": "x"},
			):
				with self.assertRaises(frappe.PermissionError, msg=f"{user} {args}"):
					self.request_payment(**args, submit_doc=1, mute_email=1)


class TestFieldLevelWrites(SecurityCase):
	def test_a_provider_changes_only_the_notes_of_their_job(self):
		frappe.set_user(self.provider_user)
		doc = frappe.get_doc(APPOINTMENT, self.my_job.name)
		stored = doc.customer_email, doc.party_type, doc.customer_name
		doc.update({"customer_email": "attacker@example.com", "party_type": "Customer", "customer_name": "X"})
		doc.notes = "Gate code 1234"
		doc.save()
		doc.reload()
		self.assertEqual((doc.customer_email, doc.party_type, doc.customer_name), stored)
		self.assertEqual(doc.notes, "Gate code 1234")

	def test_server_set_fields_refuse_every_direct_write(self):
		for user in (self.provider_user, "Administrator"):
			frappe.set_user(user)
			for field, value in {
				"accounting_status": "Done",
				"rescheduled_from": self.their_job.name,
				"started_at": "2026-01-01 10:00:00",
				"source": "API",
				"start_utc": "2030-01-01 10:00:00",
				"provider": self.theirs.name,
			}.items():
				doc = frappe.get_doc(APPOINTMENT, self.my_job.name)
				doc.set(field, value)
				# refused as a direct change, or (a foreign provider) as not the user's record
				with self.assertRaises((InvalidBookingInput, frappe.PermissionError), msg=f"{user} {field}"):
					doc.save()

	def test_a_provider_lists_only_the_photos_of_their_own_jobs(self):
		other_technician = make_user("Service Provider")
		self.theirs.db_set("user", other_technician)
		for user, job in ((self.provider_user, self.my_job), (other_technician, self.their_job)):
			frappe.set_user(user)  # each uploads a photo of their own job, as /jobs does
			frappe.get_doc({"doctype": "File", "file_name": f"photo-{job.name}.txt", "content": "x", "is_private": 1,
				"attached_to_doctype": APPOINTMENT, "attached_to_name": job.name}).insert()  # fmt: skip
		frappe.set_user(self.provider_user)
		listed = frappe.get_list(
			"File", filters={"attached_to_doctype": APPOINTMENT}, pluck="attached_to_name"
		)
		self.assertIn(self.my_job.name, listed)
		self.assertNotIn(self.their_job.name, listed)

	def test_a_provider_lists_only_their_own_ledger_rows(self):
		frappe.set_user(self.provider_user)
		for table in ("Service Appointment Slot", "Service Appointment Unit"):
			rows = frappe.get_list(table, parent_doctype=APPOINTMENT, fields=["parent"], limit_page_length=0)
			self.assertNotIn(self.their_job.name, {r.parent for r in rows})
		slots = frappe.get_list(
			"Service Appointment Slot", parent_doctype=APPOINTMENT, fields=["parent"], limit_page_length=0
		)
		self.assertEqual({r.parent for r in slots}, {self.my_job.name})


class TestLinksAndTokens(SecurityCase):
	def test_manage_links_name_the_site_whatever_host_the_request_named(self):
		with request(HOST="evil.example"):
			url = manage_url(self.my_job)
		self.assertNotIn("evil.example", url)
		self.assertIn(frappe.local.site, url)

	def test_a_token_stops_changing_its_appointment_once_cancelled_or_moved(self):
		frappe.set_user("Guest")
		held = api.hold(
			service_type=self.service.name,
			start=iso(at(2, 13)),
			provider=self.mine.name,
			customer_name="Tia",
			customer_email="tia@example.com",
		)
		moved = api.reschedule(held["name"], iso(at(2, 14)), token=held["token"])
		for action in (
			lambda: api.cancel(held["name"], token=held["token"]),
			lambda: api.confirm(held["name"], token=held["token"]),
			lambda: api.reschedule(held["name"], iso(at(2, 15)), token=held["token"]),
		):
			with self.assertRaises(frappe.PermissionError):
				action()
		self.assertEqual(api.appointment(held["name"], token=held["token"])["rescheduled_to"], moved["name"])
		api.confirm(moved["name"], token=moved["token"])
		api.cancel(moved["name"], token=moved["token"])
		with self.assertRaises(frappe.PermissionError):
			api.reschedule(moved["name"], iso(at(2, 15)), token=moved["token"])
		self.assertEqual(frappe.db.count(APPOINTMENT, {"rescheduled_from": moved["name"]}), 0)

	def test_a_token_grants_only_its_scope(self):
		token = signed_token("APT-1", clock_now().replace(year=clock_now().year + 1), scope="view")
		self.assertFalse(token_grants(token, "APT-1", clock_now()))
		self.assertTrue(token_grants(token, "APT-1", clock_now(), scope="view"))


class TestGuestInput(SecurityCase):
	BAD = {
		"timezone": ["Europe", "Etc", "x" * 300, "Europe/London\x00", ["UTC"]],
		"start": [
			"0001-01-01T00:00:00+14:00",
			"9999-12-31T23:59:59-14:00",
			"2026-12-01T10:00:00+00:00\x00",
			"",
		],
		"customer_email": ["a@example.com,b@example.com", "a@example.com\x00", "a@example.com; b@x.org"],
		"customer_name": ["Ann\x00", "x" * 141],
	}

	def test_malformed_guest_input_is_a_400_that_changes_nothing(self):
		frappe.set_user("Guest")
		valid = {
			"service_type": self.service.name,
			"start": iso(at(2, 11)),
			"provider": self.mine.name,
			"customer_name": "Ann",
			"customer_email": "ann@example.com",
		}
		before = frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")
		for field, values in self.BAD.items():
			for value in values:
				with self.assertRaises(InvalidBookingInput, msg=f"{field}={value!r:.40}") as caught:
					api.hold(**{**valid, field: value})
				self.assertEqual(caught.exception.http_status_code, 400)
		for day in ("0001-01-01", "9999-12-31", "2026-13-01"):
			with self.assertRaises(InvalidBookingInput):
				api.availability(self.service.name, day, day)
		for call in (api.hold, api.availability, api.confirm, api.cancel, api.reschedule, api.appointment):
			with self.assertRaises((InvalidBookingInput, frappe.DoesNotExistError), msg=call.__name__):
				call()  # every parameter missing
		with self.assertRaises(InvalidBookingInput):
			api.hold(**{**valid, "latitude": "north", "longitude": "1"})
		self.assertEqual((frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")), before)

	def test_the_provider_search_is_for_desk_users_and_takes_json_filters(self):
		frappe.set_user(self.provider_user)
		found = desk.providers_for_service(
			"Service Provider", "", "name", 0, 20, f'{{"service_type": "{self.service.name}"}}'
		)
		self.assertIn([self.mine.name], found)
		with self.assertRaises(InvalidBookingInput):
			desk.providers_for_service(filters="[1, 2]")
		with self.assertRaises(InvalidBookingInput):
			desk.providers_for_service(filters="{not json")
		frappe.set_user(self.customer)
		with self.assertRaises(frappe.PermissionError):
			desk.providers_for_service("Service Provider", "", "name", 0, 20, None)


class TestWhoIsAsking(SecurityCase):
	def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(self):
		from frappoint.security import client_ip

		with request(remote="203.0.113.5", **{"X-Forwarded-For": "1.2.3.4"}):
			self.assertEqual(client_ip(), "203.0.113.5")
		use_booking_settings(trusted_proxies="10.0.0.0/8\n203.0.113.5")
		with request(remote="203.0.113.5", **{"X-Forwarded-For": "1.2.3.4, 10.1.1.1"}):
			self.assertEqual(client_ip(), "1.2.3.4")  # both hops after the client are trusted
		with request(remote="198.51.100.1", **{"X-Forwarded-For": "1.2.3.4"}):
			self.assertEqual(client_ip(), "198.51.100.1")  # not a proxy of ours
		with self.assertRaises(InvalidBookingInput):
			frappe.get_doc("Service Appointment Settings").update({"trusted_proxies": "not-an-ip"}).save()

	def test_a_guest_cannot_dodge_the_rate_limit_by_header_or_api_version(self):
		use_booking_settings(guest_requests_per_minute=2)
		frappe.set_user("Guest")
		remote = f"192.0.2.{frappe.generate_hash(length=4)}"
		with request(
			method="GET",
			path="/api/method/frappoint.api.booking.services",
			remote=remote,
			**{"X-Forwarded-For": "1.1.1.1"},
		):
			api.services()
		with request(
			method="GET",
			path="/api/v2/method/frappoint.api.booking.services",
			remote=remote,
			**{"X-Forwarded-For": "2.2.2.2"},
		):
			api.services()
		with request(
			method="GET",
			path="/api/v2/method/frappoint.api.booking.services",
			remote=remote,
			**{"X-Forwarded-For": "3.3.3.3"},
		):
			with self.assertRaises(frappe.RateLimitExceededError):
				api.services()


def iso(naive):
	from frappoint.booking.clock import from_site

	return from_site(naive).isoformat()
