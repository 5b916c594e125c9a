"""A small demo business so a new user sees Frappoint working at once. Idempotent: running it again
reuses what exists and adds nothing twice."""

import frappe
from frappe.utils import add_days, get_datetime, getdate
from frappe.utils.scheduler import enable_scheduler

from frappoint.booking import actions
from frappoint.booking.slot_generation import regenerate_all

UNIT_TYPES = [("Treatment Room", 0), ("Waiting Area", 1)]
UNITS = [("Room 1", "Treatment Room", 1), ("Room 2", "Treatment Room", 1), ("Lobby", "Waiting Area", 20)]
SERVICES = [
	{
		"service_name": "Haircut",
		"duration_minutes": 30,
		"buffer_after_minutes": 15,
		"pricing_tiers": [{"tier": "Standard", "rate": 35}, {"tier": "Express", "rate": 50}],
	},
	{
		"service_name": "Massage",
		"duration_minutes": 60,
		"buffer_before_minutes": 15,
		"required_unit_types": [{"unit_type": "Treatment Room", "qty": 1}],
		"pricing_tiers": [{"tier": "Standard", "rate": 80}],
	},
	{
		"service_name": "Boiler Repair",
		"duration_minutes": 90,
		"max_clients_per_slot": 2,
		"emergency_reserved_seats": 1,
		"required_skills": "gas\nboilers",
		"pricing_tiers": [
			{"tier": "Residential", "rate": 90},
			{"tier": "Commercial", "rate": 140},
			{"tier": "Emergency", "rate": 220, "is_emergency": 1},
		],
	},
]
PROVIDERS = [
	("Alice Hart", "#4f7cff", ["Haircut", "Massage"], "", (51.5155, -0.0922)),
	("Ben Okafor", "#e8590c", ["Haircut"], "", (51.5033, -0.1195)),
	("Chloe Tan", "#2b8a3e", ["Massage", "Boiler Repair"], "gas\nboilers", (51.4613, -0.1156)),
]
CUSTOMERS = [
	("Dana Whitfield", "dana@example.com"),
	("Eli Navarro", "eli@example.com"),
	("Farah Aziz", "farah@example.com"),
	("Gus Lindqvist", "gus@example.com"),
	("Hana Sato", "hana@example.com"),
]


def ensure(doctype: str, name: str, values: dict):
	if frappe.db.exists(doctype, name):
		return frappe.get_doc(doctype, name)
	return frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)


DEMO_SITE_SETUP = {
	# What a new owner types into the setup wizard; with ERPNext it also makes the company, its chart
	# of accounts and the fiscal year that the demo's Sales Orders and Invoices are booked in.
	"language": "English",
	"country": "United Kingdom",
	"timezone": "Europe/London",
	"currency": "GBP",
	"company_name": "Frappoint Demo Ltd",
	"company_abbr": "FDL",
	"chart_of_accounts": "Standard",
}


def make_demo() -> dict:
	complete_site_setup()
	frappe.db.set_single_value(
		"Service Appointment Settings",
		{"lead_time_minutes": 0, "allow_past_booking": 1, "max_past_days": 7, "bill_in_erpnext": 1},
	)
	for name, overlap in UNIT_TYPES:
		ensure("Service Unit Type", name, {"unit_type_name": name, "allow_overlap": overlap})
	for name, unit_type, capacity in UNITS:
		ensure("Service Unit", name, {"unit_name": name, "unit_type": unit_type, "capacity": capacity})
	billing = billing_items()  # first: a billed service is refused without its item
	for values in SERVICES:
		ensure("Service Type", values["service_name"], {**values, **billing.get(values["service_name"], {})})
		if fields := billing.get(values["service_name"]):  # a demo made before billing was on
			frappe.db.set_value("Service Type", values["service_name"], fields)
	for name, color, services, skills, (lat, lon) in PROVIDERS:
		ensure(
			"Service Provider",
			name,
			{
				"provider_name": name,
				"timezone": frappe.utils.get_system_timezone(),
				"color": color,
				"skills": skills,
				"latitude": lat,
				"longitude": lon,
				"slot_capacity": 2 if "Boiler Repair" in services else 1,
				"services": [{"service_type": s} for s in services],
				"shifts": [
					{"weekday": day, "start_time": "09:00:00", "end_time": "17:00:00"}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
				],
			},
		)
	slots = regenerate_all()
	# Holds lapse, slots roll on and the journal is sealed only while the scheduler runs; a new site
	# starts with it off.
	enable_scheduler()
	demo_emails = [email for _, email in CUSTOMERS]
	booked = frappe.db.exists("Service Appointment", {"customer_email": ("in", demo_emails)})
	appointments = [] if booked else book_examples()
	return {
		"providers": len(PROVIDERS),
		"services": len(SERVICES),
		"slots_created": sum(r["created"] for r in slots),
		"appointments": appointments,
	}


def complete_site_setup() -> None:
	"""A new site shows its desk user the setup wizard until someone finishes it: finish it for the demo."""
	if frappe.db.get_single_value("System Settings", "setup_complete"):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = getdate().year
	setup_complete(
		{
			**DEMO_SITE_SETUP,
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
		}
	)
	frappe.db.commit()  # the wizard's own transaction; the demo's data follows in the command's


def billing_items() -> dict[str, dict]:
	"""With ERPNext and a company, an item per demo service (made here) and its company, so that
	accounting runs: {service name: its billing fields}."""
	from frappoint.integrations.erpnext import erpnext_installed

	company = erpnext_installed() and frappe.defaults.get_global_default("company")
	if not company:
		return {}
	frappe.db.set_single_value("Service Appointment Settings", "default_company", company)
	group = (
		"Services"
		if frappe.db.exists("Item Group", "Services")
		else frappe.db.get_value("Item Group", {"is_group": 0})
	)
	for values in SERVICES:
		code = values["service_name"]
		ensure("Item", code, {"item_code": code, "item_group": group, "stock_uom": "Nos", "is_stock_item": 0})
	return {
		values["service_name"]: {"billing_item": values["service_name"], "company": company}
		for values in SERVICES
	}


def book_examples() -> list[str]:
	"""A few appointments in each status, today and tomorrow."""
	today = getdate()
	plan = [
		# (provider, service, day offset, hour, then)
		("Alice Hart", "Haircut", 1, 10, "open"),
		("Ben Okafor", "Haircut", 1, 11, "confirm"),
		("Alice Hart", "Massage", 2, 14, "confirm"),
		("Chloe Tan", "Boiler Repair", 2, 9, "confirm"),
		("Ben Okafor", "Haircut", 3, 15, "cancel"),
		("Alice Hart", "Haircut", -1, 10, "complete"),
		("Chloe Tan", "Massage", -1, 13, "no_show"),
	]
	made = []
	for index, (provider, service_type, offset, hour, then) in enumerate(plan):
		name, email = CUSTOMERS[index % len(CUSTOMERS)]
		start = get_datetime(f"{add_days(today, offset)} {hour:02d}:00:00")
		if offset < 0:
			ensure_past_slots(provider, start)
		doc = frappe.get_doc(
			{
				"doctype": "Service Appointment",
				"service_type": service_type,
				"provider": provider,
				"requested_start": start,
				"customer_name": name,
				"customer_email": email,
			}
		)
		doc.flags.confirm_on_insert = False  # held first, then taken through the lifecycle below
		doc.insert(ignore_permissions=True)
		if then in ("confirm", "complete", "no_show"):
			actions.confirm(doc.name)
		if then == "complete":
			actions.complete(doc.name)
		elif then == "no_show":
			actions.mark_no_show(doc.name)
		elif then == "cancel":
			actions.cancel(doc.name, reason="Customer asked to cancel")
		made.append(doc.name)
	return made


def ensure_past_slots(provider: str, start) -> None:
	from frappoint.booking.slot_generation import regenerate

	day = getdate(start)
	regenerate(provider, day, day)
