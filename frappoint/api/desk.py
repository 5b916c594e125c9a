"""Endpoints behind desk forms and buttons."""

import json
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.api.inputs import bad_input, text
from frappoint.booking.availability import providers_for


@frappe.whitelist()
def providers_for_service(doctype=None, txt=None, searchfield=None, start=0, page_len=20, filters=None):
	"""The provider field's search in the desk (a link query's signature), for users who may read
	providers. `searchfield` is not used: the names are matched in Python."""
	if not frappe.has_permission("Service Provider", "read"):
		frappe.throw(_("You are not permitted to list providers."), frappe.PermissionError)
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)  # the desk sends a dict; a URL sends JSON text
		except ValueError:
			bad_input(_("filters must be a JSON object."))
	if filters is not None and not isinstance(filters, dict):
		bad_input(_("filters must be a JSON object."))
	txt = text(txt, "txt") or ""
	service_type = text(filters.get("service_type"), "service_type") if filters else None
	names = (
		providers_for(service_type)
		if service_type
		else frappe.get_all("Service Provider", {"active": 1}, pluck="name")
	)
	start, page_len = max(cint(start), 0), min(max(cint(page_len), 0), 500)
	return [[name] for name in names if txt.lower() in name.lower()][start : start + page_len]


@frappe.whitelist(methods=["POST"])
def generate_all_slots():
	frappe.only_for(("System Manager", "Frappoint Manager"))
	frappe.enqueue(
		"frappoint.tasks.regenerate_all_slots",
		queue="long",
		publish=True,
		job_id="frappoint:slots:all",
		deduplicate=True,
	)


@frappe.whitelist(methods=["GET", "POST"])
def resource_day(day=None) -> dict:
	"""The Resources page: one site day of every active provider's and every unit's bookings (Open
	holds included), in time order, with site-time ISO instants. For desk users who may read
	appointments."""
	from frappoint.api.inputs import parse_day
	from frappoint.booking.clock import from_db, site_zone, to_db
	from frappoint.scheduling import local_instant

	if not frappe.has_permission("Service Appointment", "read") or frappe.session.user == "Guest":
		frappe.throw(_("You are not permitted to see appointments."), frappe.PermissionError)
	tz = site_zone()
	first = parse_day(day, "day")
	start = local_instant(first, datetime.min.time(), tz)
	span = {"start": to_db(start), "end": to_db(local_instant(first + timedelta(days=1), datetime.min.time(), tz))}
	live = ("Open", "Confirmed", "Completed", "No Show")
	booked = frappe.get_list(
		"Service Appointment",
		filters={"status": ("in", live), "start_utc": ("<", span["end"]), "end_utc": (">", span["start"])},
		fields=["name", "provider", "status", "title", "start_utc", "end_utc", "color"],
		order_by="start_utc",
		limit_page_length=0,
	)
	uses = frappe.db.sql(
		"""select u.service_unit, u.parent, a.status, a.title, u.block_start_utc, u.block_end_utc
		from `tabService Appointment Unit` u join `tabService Appointment` a on a.name = u.parent
		where u.live = 1 and a.status in %(live)s and u.block_start_utc < %(end)s and u.block_end_utc > %(start)s
		order by u.block_start_utc""",
		{**span, "live": live},
	)
	visible = {b.name for b in booked}  # a unit row shows only an appointment this user may see
	item = lambda name, status, title, a, b: {  # noqa: E731
		"name": name, "status": status, "title": title,
		"start": from_db(a).astimezone(tz).isoformat(), "end": from_db(b).astimezone(tz).isoformat(),
	}  # fmt: skip
	providers = {p: [] for p in frappe.get_all("Service Provider", {"active": 1}, pluck="name", order_by="name")}
	for b in booked:
		providers.setdefault(b.provider, []).append(item(b.name, b.status, b.title, b.start_utc, b.end_utc))
	units = {u: [] for u in frappe.get_all("Service Unit", pluck="name", order_by="name")}
	for unit, parent, status, title, a, b in uses:
		if parent in visible:
			units.setdefault(unit, []).append(item(parent, status, title, a, b))
	return {
		"day": str(first),
		"timezone": tz.key,
		"providers": [{"name": p, "items": items} for p, items in providers.items()],
		"units": [{"name": u, "items": items} for u, items in units.items()],
	}
