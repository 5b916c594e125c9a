"""The figures behind the manager's reports and the Workspace: one aggregate query each, on indexed
columns (`start_utc`, the slot table's `(provider, slot_start_utc)`, the journal's event type and
time), so a site with a million appointments answers in one pass over the range asked for.

Ranges are the site's days (from the first day's midnight to the end of the last, in the site's
timezone, as instants); "booked" means Confirmed, Completed or No Show.
"""

from datetime import date, time, timedelta

import frappe
from frappe import _
from frappe.utils import flt, getdate

from frappoint.booking.clock import site_zone, to_db
from frappoint.booking.errors import InvalidBookingInput
from frappoint.integrations.erpnext import billing_enabled
from frappoint.scheduling import local_instant

BOOKED = ("Confirmed", "Completed", "No Show")
GROUPS = {"Service": "service_type", "Provider": "provider", "Customer": "customer_email"}
EARLIEST, LATEST = date(1900, 1, 1), date(9000, 12, 31)


def text_filter(filters, key: str) -> str | None:
	"""A filter the report reads as one value: refused (400) when the request sent a list or an object."""
	value = filters.get(key)
	if value is not None and not isinstance(value, str):
		frappe.throw(_("The {0} filter must be a single value.").format(key), InvalidBookingInput)
	try:
		(value or "").encode()
	except UnicodeEncodeError:  # a lone UTF-16 surrogate, escaped in the filters' JSON: no text at all
		frappe.throw(_("The {0} filter must be valid text.").format(key), InvalidBookingInput)
	return value or None


def days(filters) -> tuple[date, date]:
	"""The filters' first and last site days (default: the last 30)."""
	to_date, from_date = text_filter(filters, "to_date"), text_filter(filters, "from_date")
	last = getdate(to_date) if to_date else date.today()
	first = getdate(from_date) if from_date else last - timedelta(days=29)
	# Frappe reads 0001-01-01 as no date (None), and the day after 9999-12-31 is none either.
	if first is None or last is None or first < EARLIEST or last > LATEST:
		frappe.throw(
			_("Choose days between {0} and {1}.").format(EARLIEST.year, LATEST.year), InvalidBookingInput
		)
	if last < first:
		frappe.throw(_("To Date must not be before From Date."))
	return first, last


def day_range(filters) -> dict:
	"""{"start", "end"} as stored UTC instants for the filters' site days."""
	first, last = days(filters)
	tz = site_zone()
	return {
		"start": to_db(local_instant(first, time(0), tz)),
		"end": to_db(local_instant(last + timedelta(days=1), time(0), tz)),
	}


def utilisation(filters) -> list[dict]:
	"""Per provider: minutes they were bookable (their slots) and minutes booked, and the share."""
	span = day_range(filters)
	# provider by provider along the (provider, slot_start_utc) index: the slot table is the biggest
	providers = frappe.get_all("Service Provider", pluck="name") or [""]
	available = dict(
		frappe.db.sql(
			"""select provider, sum(timestampdiff(minute, slot_start_utc, slot_end_utc))
			from `tabService Provider Slot`
			where provider in %(providers)s and slot_start_utc >= %(start)s and slot_start_utc < %(end)s
			group by provider""",
			{**span, "providers": providers},
		)
	)
	booked = {
		row[0]: row[1:]
		for row in frappe.db.sql(
			"""select provider, sum(timestampdiff(minute, start_utc, end_utc)), count(*)
			from `tabService Appointment` where status in %(booked)s and start_utc >= %(start)s and start_utc < %(end)s
			group by provider""",
			{**span, "booked": BOOKED},
		)
	}
	rows = []
	for provider in sorted(set(available) | set(booked)):
		minutes, count = booked.get(provider, (0, 0))
		free = flt(available.get(provider))
		rows.append(
			{
				"provider": provider,
				"available_minutes": free,
				"booked_minutes": flt(minutes),
				"appointments": count,
				"utilisation": round(100 * flt(minutes) / free, 1) if free else None,
			}
		)
	return rows


def no_shows(filters) -> list[dict]:
	"""Per service, provider or customer: appointments that took place or were missed, and the misses."""
	column = GROUPS.get(text_filter(filters, "group_by") or "Service")
	if not column:
		frappe.throw(_("Group by Service, Provider or Customer."))
	rows = frappe.db.sql(
		f"""select {column} as name, count(*) as ended, sum(status = 'No Show') as no_shows
		from `tabService Appointment` where status in ('Completed', 'No Show')
			and start_utc >= %(start)s and start_utc < %(end)s
		group by {column} order by no_shows desc, ended desc""",
		day_range(filters),
		as_dict=True,
	)
	for row in rows:
		row.no_show_rate = round(100 * flt(row.no_shows) / row.ended, 1) if row.ended else None
	return rows


FUNNEL = (
	("held", _("Held")),
	("confirmed", _("Confirmed")),
	("completed", _("Completed")),
	("no_show", _("No Show")),
	("hold_expired", _("Holds Lapsed")),
	("cancelled", _("Cancelled")),
)


def funnel(filters) -> list[dict]:
	"""Journal events by kind in the range (each action is one event), each as a share of the bookings
	started in it (held, or confirmed at once), and for cancellations the average notice: hours
	between the cancellation and the appointment's start. Optionally for one service."""
	values = {
		**site_span(filters),
		"kinds": [kind for kind, _ in FUNNEL],
		"service": text_filter(filters, "service_type"),
	}
	only = "and a.service_type = %(service)s" if values["service"] else ""
	events = f"""from `tabAppointment Event` e join `tabService Appointment` a on a.name = e.appointment
		where e.creation >= %(start_site)s and e.creation < %(end_site)s {only}"""
	counts = dict(
		frappe.db.sql(
			f"select e.event_type, count(*) {events} and e.event_type in %(kinds)s group by e.event_type",
			values,
		)
	)
	notice = frappe.db.sql(
		f"select avg(timestampdiff(minute, e.creation, a.start_time)) / 60 {events} and e.event_type = 'cancelled'",
		values,
	)[0][0]
	# every booking started in the range, held first or confirmed at once (a walk-in)
	started = frappe.db.sql(
		f"select count(distinct e.appointment) {events} and e.event_type in ('held', 'confirmed')", values
	)[0][0]
	rows = []
	for kind, label in FUNNEL:
		count = counts.get(kind, 0)
		rows.append(
			{
				"stage": label,
				"count": count,
				"share_of_bookings": round(100 * count / started, 1) if started else None,
				"average_notice_hours": round(flt(notice), 1)
				if kind == "cancelled" and notice is not None
				else None,
			}
		)
	return rows


def site_span(filters) -> dict:
	"""The same days as naive site times, for `creation` columns (Frappe stores those in site time)."""
	first, last = days(filters)
	return {"start_site": f"{first} 00:00:00", "end_site": f"{last + timedelta(days=1)} 00:00:00"}


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def demand(filters) -> list[dict]:
	"""Booked appointments by weekday and hour of their start, in the site's time (a heat-map);
	optionally for one service."""
	service = text_filter(filters, "service_type")
	only = "and service_type = %(service)s" if service else ""
	cells = frappe.db.sql(
		f"""select weekday(start_time), hour(start_time), count(*) from `tabService Appointment`
		where status in %(booked)s and start_utc >= %(start)s and start_utc < %(end)s {only}
		group by weekday(start_time), hour(start_time)""",
		{**day_range(filters), "booked": BOOKED, "service": service},
	)
	rows = [{"weekday": _(day), **{f"h{hour:02d}": 0 for hour in range(24)}, "total": 0} for day in WEEKDAYS]
	for weekday, hour, count in cells:
		rows[weekday][f"h{hour:02d}"] = count
		rows[weekday]["total"] += count
	return rows


def revenue(filters) -> list[dict]:
	"""Per service or provider: completed appointments and what they brought in, from submitted Sales
	Invoices (net, before taxes) when ERPNext bills appointments, else from their own rates."""
	column = GROUPS.get(text_filter(filters, "group_by") or "Service")
	if column not in ("service_type", "provider"):
		frappe.throw(_("Group by Service or Provider."))
	span = day_range(filters)
	if billing_enabled():
		query = f"""select a.{column} as name, count(distinct a.name) as appointments,
			sum(ifnull(si.base_net_total, 0)) as revenue
			from `tabService Appointment` a
			left join `tabSales Invoice` si on si.service_appointment = a.name and si.docstatus = 1 and si.is_return = 0
			where a.status = 'Completed' and a.start_utc >= %(start)s and a.start_utc < %(end)s
			group by a.{column} order by revenue desc"""
	else:
		query = f"""select {column} as name, count(*) as appointments, sum(rate) as revenue
			from `tabService Appointment` where status = 'Completed' and start_utc >= %(start)s and start_utc < %(end)s
			group by {column} order by revenue desc"""
	return frappe.db.sql(query, span, as_dict=True)
