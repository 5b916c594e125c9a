"""The technician portal's API (/jobs): a provider's own jobs and the actions on them.

Only a user linked to a Service Provider may call it, and only on that provider's appointments (the
stored record is checked; someone else's job answers 404, as if it did not exist). A technician sees
what the job needs (customer, phone, place, times, notes), never prices or accounting. Every action
is idempotent, so a phone on a flaky connection can send it again: an action whose result is already
there answers with the job as it is, and a note carries the client's request id, kept a day.
"""

from datetime import timedelta
from urllib.parse import quote

import frappe
from frappe import _

from frappoint.api.inputs import bad_input, text
from frappoint.booking import actions, ledger
from frappoint.booking.clock import from_db, to_db
from frappoint.booking.clock import now as clock_now
from frappoint.booking.locks import read_committed, retry_contention
from frappoint.scheduling import Location, day_legs, zone

APPOINTMENT = "Service Appointment"
DAYS_AHEAD = 7
ACTIONS = {
	# action: (the service call, "already done" test on the stored job)
	"start": (actions.start, lambda job: bool(job.started_at) or job.status != "Confirmed"),
	"complete": (actions.complete, lambda job: job.status == "Completed"),
	"no_show": (actions.mark_no_show, lambda job: job.status == "No Show"),
}


def my_provider():
	"""The Service Provider linked to the session's user, or 403."""
	name = frappe.session.user != "Guest" and frappe.db.get_value(
		"Service Provider", {"user": frappe.session.user}
	)
	if not name:
		frappe.throw(
			_("This page is for technicians: your user is not linked to a provider."), frappe.PermissionError
		)
	return frappe.get_cached_doc("Service Provider", name)


def my_job(provider, appointment):
	name = text(appointment, "appointment", required=True)
	job = frappe.db.get_value(
		APPOINTMENT, name, ["name", "provider", "status", "started_at", "start_utc"], as_dict=True
	)
	if not job or job.provider != provider.name:
		frappe.throw(_("No such job."), frappe.DoesNotExistError)
	return job


@frappe.whitelist(methods=["GET"])
def jobs() -> dict:
	"""Today's and the coming week's jobs in time order, in the provider's timezone, with the distance
	from the previous job of the day."""
	provider = my_provider()
	tz = zone(provider.timezone)
	today = clock_now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
	rows = frappe.get_all(
		APPOINTMENT,
		filters={
			"provider": provider.name,
			"status": ("in", ["Confirmed", "Completed", "No Show"]),
			"start_utc": ("between", [to_db(today), to_db(today + timedelta(days=DAYS_AHEAD + 1))]),
		},
		fields=[
			"name",
			"service_type",
			"status",
			"started_at",
			"start_utc",
			"end_utc",
			"customer_name",
			"customer_phone",
			"job_address",
			"job_latitude",
			"job_longitude",
			"notes",
		],
		order_by="start_utc",
	)
	places = [
		Location(r.job_latitude, r.job_longitude) if (r.job_latitude or r.job_longitude) else None
		for r in rows
	]
	legs, days = [], {}
	for row, place in zip(rows, places, strict=True):
		days.setdefault(from_db(row.start_utc).astimezone(tz).date(), []).append((row, place))
	for same_day in days.values():
		legs += day_legs([place for _, place in same_day])
	return {
		"provider": provider.provider_name,
		"timezone": tz.key,
		"jobs": [
			{
				"name": r.name,
				"service": r.service_type,
				"status": r.status,
				"started": bool(r.started_at),
				"start": from_db(r.start_utc).astimezone(tz).isoformat(),
				"end": from_db(r.end_utc).astimezone(tz).isoformat(),
				"customer": r.customer_name,
				"phone": r.customer_phone,
				"address": r.job_address,
				"map": map_link(p, r.job_address),
				"km_from_previous": round(leg, 1) if leg is not None else None,
				"notes": r.notes,
			}
			for r, p, leg in zip(rows, places, legs, strict=True)
		],
	}


def map_link(place, address) -> str | None:
	"""OpenStreetMap at the job's coordinates, else a search for its address."""
	if place:
		return f"https://www.openstreetmap.org/?mlat={place.latitude}&mlon={place.longitude}#map=17/{place.latitude}/{place.longitude}"
	if address:
		return f"https://www.openstreetmap.org/search?query={quote(' '.join(address.split()))}"
	return None


@frappe.whitelist(methods=["POST"])
@retry_contention
def act(appointment=None, action=None) -> dict:
	"""Start, complete or mark a no-show; done already is done (the same answer, nothing changes)."""
	provider = my_provider()
	if not isinstance(action, str) or action not in ACTIONS:
		bad_input(_("Unknown action."))
	job = my_job(provider, appointment)
	run, done = ACTIONS[action]
	read_committed()
	# Decided on the locked row, read afresh: of the same action sent twice at once (a phone's queue
	# and its retry), the second waits here and then finds it done.
	ledger.lock_appointment_row(job.name)
	if not done(my_job(provider, job.name)):
		run(job.name)
	stored = frappe.db.get_value(APPOINTMENT, job.name, ["status", "started_at"], as_dict=True)
	return {"name": job.name, "status": stored.status, "started": bool(stored.started_at)}


@frappe.whitelist(methods=["POST"])
@retry_contention
def add_note(appointment=None, note=None, request_id=None) -> dict:
	"""A note on the job, in its comments (once per `request_id`, however often it is sent)."""
	provider = my_provider()
	job = my_job(provider, appointment)
	note = text(note, _("Note"), 2000, required=True)
	request_id = text(request_id, "request_id", 64, required=True)
	# SET NX: of two sends of one note racing each other, one writes it
	key = frappe.cache.make_key(f"frappoint:jobs:note:{frappe.session.user}:{request_id}")
	if frappe.cache.set(key, 1, nx=True, ex=24 * 3600):
		frappe.db.after_rollback.add(lambda: frappe.cache.delete(key))  # not written: a retry may write it
		frappe.get_doc(APPOINTMENT, job.name).add_comment("Comment", text=frappe.utils.escape_html(note))
	return {"name": job.name}
