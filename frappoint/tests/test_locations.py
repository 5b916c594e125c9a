"""Locations: providers and units belong to one, a booking uses only rooms at its provider's location,
the portal narrows its choice to one location, and with ERPNext each location bills its own company."""

import frappe
from frappe.tests.utils import FrappeTestCase

from frappoint.api import booking as api
from frappoint.booking import actions
from frappoint.booking.clock import from_site
from frappoint.booking.errors import InvalidBookingInput, SlotUnavailable
from frappoint.portal.pages import locations_to_choose
from frappoint.tests.accounting import ensure_company, make_item, needs_erpnext, sales_orders
from frappoint.tests.fixtures import (
	at,
	book,
	day,
	make_location,
	make_provider,
	make_service,
	make_unit,
	make_unit_type,
	unique,
	use_booking_settings,
)

APPOINTMENT = "Service Appointment"


def iso(naive):
	return from_site(naive).isoformat()


def units_of(name: str) -> list[str]:
	return frappe.get_all("Service Appointment Unit", filters={"parent": name}, pluck="service_unit")


class LocationCase(FrappeTestCase):
	def setUp(self):
		use_booking_settings()
		self.north, self.south = make_location(), make_location()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()


class TestUnitsAtTheProvidersLocation(LocationCase):
	def setUp(self):
		super().setUp()
		self.room = make_unit_type()
		self.north_room = make_unit(self.room.name, location=self.north.name)
		self.south_room = make_unit(self.room.name, location=self.south.name)
		self.massage = make_service(required_unit_types=[{"unit_type": self.room.name, "qty": 1}])

	def provider_at(self, place):
		return make_provider([self.massage.name], location=place.name)

	def test_a_booking_uses_a_room_at_its_providers_location_and_takes_the_location(self):
		north_provider, south_provider = self.provider_at(self.north), self.provider_at(self.south)
		south = book(self.massage.name, south_provider.name, at(2, 10))
		north = book(self.massage.name, north_provider.name, at(2, 10))
		self.assertEqual((units_of(south.name), south.location), ([self.south_room.name], self.south.name))
		self.assertEqual((units_of(north.name), north.location), ([self.north_room.name], self.north.name))

	def test_units_at_another_location_are_never_used_and_the_refusal_names_the_location(self):
		first, second = self.provider_at(self.south), self.provider_at(self.south)
		book(self.massage.name, first.name, at(2, 10))
		before = frappe.db.count(APPOINTMENT)
		with self.assertRaises(SlotUnavailable) as caught:
			book(self.massage.name, second.name, at(2, 10))  # the north room is free, but not here
		self.assertIn(self.south.name, str(caught.exception))
		self.assertEqual(frappe.db.count(APPOINTMENT), before)
		# Availability agrees: the time is not offered with the second provider at all.
		free = api.availability(self.massage.name, str(day(2)), str(day(2)), provider=second.name)
		self.assertNotIn(iso(at(2, 10)), [s["start"] for s in free["slots"]])

	def test_a_unit_without_a_location_serves_any_location(self):
		van_type = make_unit_type()
		van = make_unit(van_type.name)
		call_out = make_service(required_unit_types=[{"unit_type": van_type.name, "qty": 1}])
		provider = make_provider([call_out.name], location=self.north.name)
		self.assertEqual(units_of(book(call_out.name, provider.name, at(2, 10)).name), [van.name])

	def test_a_provider_without_a_location_is_not_bound_to_one(self):
		anywhere = make_provider([self.massage.name])
		doc = book(self.massage.name, anywhere.name, at(2, 10))
		self.assertEqual(len(units_of(doc.name)), 1)
		self.assertFalse(doc.location)

	def test_reassigning_to_a_provider_elsewhere_moves_the_room_and_the_location(self):
		doc = book(self.massage.name, self.provider_at(self.south).name, at(2, 10))
		moved = actions.reassign(doc.name, self.provider_at(self.north).name)
		self.assertEqual((units_of(moved.name), moved.location), ([self.north_room.name], self.north.name))


class TestChoosingALocation(LocationCase):
	def setUp(self):
		super().setUp()
		self.service = make_service()
		# Without a location dispatch would pick "A…" (a tie goes to the name): the choice must decide.
		self.at_south = self.provider(unique("A Provider"), self.south)
		self.at_north = self.provider(unique("Z Provider"), self.north)

	def provider(self, name, place):
		return make_provider([self.service.name], provider_name=name, location=place.name)

	def test_any_provider_means_any_provider_at_the_chosen_location(self):
		start = iso(at(2, 10))
		held = api.hold(self.service.name, start, "Ann Guest", "ann@example.com", location=self.north.name)
		self.assertEqual(held["provider"], self.at_north.name)
		self.assertEqual(frappe.db.get_value(APPOINTMENT, held["name"], "location"), self.north.name)
		anywhere = api.hold(self.service.name, iso(at(2, 11)), "Bo Guest", "bo@example.com")
		self.assertEqual(anywhere["provider"], self.at_south.name)

	def test_a_named_provider_elsewhere_is_refused_and_nothing_is_stored(self):
		before = frappe.db.count(APPOINTMENT)
		with self.assertRaises(InvalidBookingInput):
			api.hold(
				self.service.name, iso(at(2, 10)), "Ann Guest", "ann@example.com",
				provider=self.at_south.name, location=self.north.name,
			)  # fmt: skip
		self.assertEqual(frappe.db.count(APPOINTMENT), before)

	def test_availability_lists_only_the_chosen_locations_providers(self):
		args = (self.service.name, str(day(2)), str(day(2)))
		everyone = api.availability(*args, format="compact")
		self.assertEqual(set(everyone["providers"]), {self.at_north.name, self.at_south.name})
		north = api.availability(*args, format="compact", location=self.north.name)
		self.assertEqual(north["providers"], [self.at_north.name])
		slots = api.availability(*args, location=self.south.name)["slots"]
		self.assertTrue(slots)
		self.assertEqual({s["provider"] for s in slots}, {self.at_south.name})
		elsewhere = api.availability(*args, provider=self.at_north.name, location=self.south.name)
		self.assertEqual(elsewhere["slots"], [])

	def test_a_guest_naming_an_unknown_or_disabled_location_gets_a_400_and_nothing_changes(self):
		frappe.db.set_value("Service Location", self.south.name, "disabled", 1)
		frappe.clear_document_cache("Service Location", self.south.name)
		frappe.set_user("Guest")
		before = frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")
		refusals = []
		for place in ("Atlantis", self.south.name, 42):
			for call in (
				lambda: api.availability(self.service.name, str(day(2)), str(day(2)), location=place),
				lambda: api.hold(self.service.name, iso(at(2, 10)), "Ann", "ann@example.com", location=place),
			):
				with self.assertRaises(InvalidBookingInput) as caught:
					call()
				self.assertEqual(caught.exception.http_status_code, 400)
				refusals.append(str(caught.exception))
		self.assertEqual((frappe.db.count(APPOINTMENT), frappe.db.count("Appointment Event")), before)
		self.assertEqual(set(refusals[:4]), {"Please choose one of our locations."})
		self.assertEqual(set(refusals[4:]), {"location must be text."})

	def test_the_booking_page_offers_locations_only_where_someone_works(self):
		idle = make_location()
		closed = make_location(disabled=1)
		make_provider([self.service.name], location=closed.name, generate_days=0)
		offered = {place["name"]: place["providers"] for place in locations_to_choose()}
		self.assertEqual(offered[self.north.name], [self.at_north.name])
		self.assertEqual(offered[self.south.name], [self.at_south.name])
		self.assertNotIn(idle.name, offered)
		self.assertNotIn(closed.name, offered)


@needs_erpnext
class TestEachLocationBillsItsCompany(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Kept on the site like Frappe's own test records: a company takes seconds to build.
		cls.head_office = ensure_company()
		cls.branch = ensure_company("Frappoint Branch Company", "FBC")
		frappe.db.commit()

	def setUp(self):
		use_booking_settings(bill_in_erpnext=1)
		frappe.db.set_single_value(
			"Service Appointment Settings",
			{
				"default_company": self.head_office,
				"guest_customer_policy": "Create a Customer",
				"charge_no_show_fee": 0,
			},
		)
		# The service names the head office: a location's company comes first.
		self.service = make_service(billing_item=make_item(), company=self.head_office)
		self.city = make_location(company=self.head_office)
		self.suburb = make_location(company=self.branch)

	def tearDown(self):
		frappe.db.rollback()

	def confirmed_at(self, place, **values) -> str:
		provider = make_provider([self.service.name], location=place.name if place else None)
		doc = book(self.service.name, provider.name, at(2, 10), customer_name="Gita Guest", **values)
		actions.confirm(doc.name)
		return doc.name

	def company_billed(self, name: str) -> str:
		[order] = sales_orders(name)
		return frappe.db.get_value("Sales Order", order, "company")

	def test_two_locations_with_two_companies_bill_side_by_side(self):
		city, suburb = self.confirmed_at(self.city), self.confirmed_at(self.suburb)
		self.assertEqual(self.company_billed(city), self.head_office)
		self.assertEqual(self.company_billed(suburb), self.branch)
		actions.complete(suburb)
		invoice = frappe.db.get_value(APPOINTMENT, suburb, "sales_invoice")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "company"), self.branch)

	def test_without_a_location_company_the_service_decides(self):
		no_company = make_location()
		no_company.db_set("company", None)  # Frappe fills a new Company link with the user's default
		self.service.db_set("company", self.branch)  # not the default company, to tell them apart
		frappe.clear_document_cache("Service Type", self.service.name)
		self.assertEqual(self.company_billed(self.confirmed_at(no_company)), self.branch)
		self.assertEqual(self.company_billed(self.confirmed_at(None)), self.branch)
