"""One site day of bookings per provider and per unit, for the desk's Resources page. Reads only."""

from datetime import date, datetime, timedelta

import frappe

from frappoint.booking.clock import from_db, site_zone, to_db
from frappoint.scheduling import local_instant

# What occupies a provider or a unit on the page: a hold too, and what happened already that day.
SHOWN = ("Open", "Confirmed", "Completed", "No Show")


def bookings_on(day: date) -> dict:
	"""Every active provider's and every unit's bookings that overlap `day` (site days), in time order,
	with site-time ISO instants. Appointments come through `get_list`, the user's permission; a unit's
	row shows only an appointment the user may see."""
	tz = site_zone()
	span = {
		"start": to_db(local_instant(day, datetime.min.time(), tz)),
		"end": to_db(local_instant(day + timedelta(days=1), datetime.min.time(), tz)),
	}
	booked = frappe.get_list(
		"Service Appointment",
		filters={"status": ("in", SHOWN), "start_utc": ("<", span["end"]), "end_utc": (">", span["start"])},
		fields=["name", "provider", "status", "title", "start_utc", "end_utc"],
		order_by="start_utc",
		limit_page_length=0,
	)
	uses = frappe.db.sql(
		"""select u.service_unit, u.parent, a.status, a.title, u.block_start_utc, u.block_end_utc
		from `tabService Appointment Unit` u join `tabService Appointment` a on a.name = u.parent
		where u.live = 1 and a.status in %(shown)s and u.block_start_utc < %(end)s and u.block_end_utc > %(start)s
		order by u.block_start_utc""",
		{**span, "shown": SHOWN},
	)
	visible = {b.name for b in booked}

	def item(name, status, title, start, end) -> dict:
		return {
			"name": name,
			"status": status,
			"title": title,
			"start": from_db(start).astimezone(tz).isoformat(),
			"end": from_db(end).astimezone(tz).isoformat(),
		}

	providers = {
		p: [] for p in frappe.get_all("Service Provider", {"active": 1}, pluck="name", order_by="name")
	}
	for b in booked:
		providers.setdefault(b.provider, []).append(item(b.name, b.status, b.title, b.start_utc, b.end_utc))
	units = {u: [] for u in frappe.get_all("Service Unit", pluck="name", order_by="name")}
	for unit, parent, status, title, start, end in uses:
		if parent in visible:
			units.setdefault(unit, []).append(item(parent, status, title, start, end))
	return {
		"day": str(day),
		"timezone": tz.key,
		"providers": [{"name": p, "items": items} for p, items in providers.items()],
		"units": [{"name": u, "items": items} for u, items in units.items()],
	}
