"""The wait-list service: joining, offering freed times, and following an offer to its end.

`scheduling.waitlist` decides who is offered which time. Here an offer becomes a hold for the waiter
(held for *Wait-list Offer (Minutes)*), placed like any booking: its seats are claimed under the
unique seat index, so a seat is never offered twice, whatever runs at once. A job runs after each
change that frees seats (a cancellation, a lapsed hold, a reassignment, new slots), through the
outbox (one row per change, run until it has run), and the scheduler sweeps every five minutes; each
offer is its own transaction. An offer confirmed books the waiter; an offer that
lapses ends their turn and frees the time for the next waiter.
"""

from datetime import timedelta

import frappe
from frappe.utils import cint, getdate

from frappoint.booking import hold_caps, outbox, records
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import from_db, site_zone, to_db, to_site
from frappoint.booking.clock import now as clock_now
from frappoint.booking.errors import refuse_input
from frappoint.booking.locks import all_or_nothing, commit_job_step, read_committed
from frappoint.booking.outbox import RetryLater
from frappoint.scheduling import InvalidInput, Status
from frappoint.scheduling.waitlist import WaitRequest, serve, wait_range

ENTRY = "Waitlist Entry"
APPOINTMENT = "Service Appointment"


class OfferRaced(frappe.ValidationError):
	http_status_code = 409


def fill_range(entry) -> None:
	"""The entry's days as UTC instants, in the customer's timezone (the site's when not given)."""
	tz = entry.customer_timezone or site_zone().key
	try:
		earliest, latest = wait_range(getdate(entry.first_day), getdate(entry.last_day), tz)
	except InvalidInput as e:
		refuse_input(e)
	entry.customer_timezone = tz
	entry.earliest_utc, entry.latest_utc = to_db(earliest), to_db(latest)


def enqueue_offers(service_type: str, cause: str) -> None:
	"""Offer freed times of `service_type` once this transaction commits (tests: at once), for `cause`
	(the appointment that freed seats, the provider with new slots, the new waiter): one outbox row per
	cause, each run until it has run, so a job killed or lost offers nothing less."""
	outbox.add(
		"frappoint.booking.waitlist.offer_freed_times",
		f"frappoint-waitlist::{service_type}::{cause}",
		service_type=service_type,
	)


def offer_freed_times(service_type: str) -> int:
	"""Offer every time that fits a waiter, first come first served; the number of offers made."""
	read_committed()
	now = clock_now()
	rows = frappe.db.sql(
		"""select name, creation, provider, earliest_utc, latest_utc from `tabWaitlist Entry`
		where service_type = %s and status = 'Waiting' and latest_utc > %s order by creation, name""",
		(service_type, to_db(now)),
		as_dict=True,
	)
	if not rows:
		return 0
	service = frappe.get_cached_doc("Service Type", service_type)
	requests = [
		WaitRequest(r.name, r.creation, r.provider or None, from_db(r.earliest_utc), from_db(r.latest_utc))
		for r in rows
	]
	start = max(now, min(r.earliest for r in requests))
	end = max(r.latest for r in requests)
	windows = windows_for(service, start, end, customer=True, fresh=True)
	made, raced = 0, 0
	for request, window in serve(requests, windows, now):
		try:
			with all_or_nothing("frappoint_waitlist_offer"):
				made += offer(request.waiter, window)
		except frappe.ValidationError:  # taken meanwhile (409): the next run offers another time
			frappe.clear_last_message()
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			raced += 1  # another offer run held these seats (undone by all_or_nothing): not settled
		commit_job_step()
	if raced:  # the outbox runs this again shortly, so no freed seat waits for the sweep
		raise RetryLater(f"{raced} offers of {service_type} met a lock race")
	return made


def offer(entry_name: str, window) -> bool:
	"""Hold `window` for the waiter and mark the entry offered; False if the entry moved on, or if
	their email already keeps as many live holds as it may (the hold caps: an address is held to its
	cap when its waiters join, each entry counting as the hold its offer becomes)."""
	entry = frappe.get_doc(ENTRY, entry_name)
	if entry.status != "Waiting":
		return False
	if hold_caps.email_at_cap(entry.customer_email):
		return False  # one more hold than their email may keep: they stay Waiting for a later run
	hold = frappe.get_doc(
		{
			"doctype": APPOINTMENT,
			"service_type": entry.service_type,
			"provider": window.provider,
			"requested_start": to_site(window.start),
			"customer_name": entry.customer_name,
			"customer_email": entry.customer_email,
			"customer_phone": entry.customer_phone,
			"customer_timezone": entry.customer_timezone,
			"source": "Portal",
		}
	)
	hold.flags.requested_instant = window.start
	hold.flags.customer_booking = True
	hold.flags.hold_for = timedelta(minutes=max(cint(records.settings().waitlist_offer_minutes), 1))
	hold.flags.waitlist_offer = True  # the customer hears of it (scheduling.notices)
	hold.insert(ignore_permissions=True)
	# Slots, then the entry: the order every booking hook follows. Only a waiting entry is taken.
	frappe.db.sql(
		"""update `tabWaitlist Entry` set status = 'Offered', appointment = %s, offered_at = %s
		where name = %s and status = 'Waiting'""",
		(hold.name, to_site(clock_now()), entry_name),
	)
	if frappe.db._cursor.rowcount != 1:
		raise OfferRaced(entry_name)  # another run offered this waiter first: the hold is undone
	return True


def appointment_changed(doc, method=None) -> None:
	"""The lifecycle hook: an offer's end settles its entry, and freed seats go to the next waiter."""
	before = doc.get_doc_before_save()
	if before is None or (before.status == doc.status and before.provider == doc.provider):
		return
	if doc.status in (Status.CONFIRMED, Status.CANCELLED):
		outcome = {
			Status.CONFIRMED: "Booked",
			Status.CANCELLED: "Offer Lapsed" if doc.flags.hold_lapsed else "Withdrawn",
		}[Status(doc.status)]
		frappe.db.sql(
			"update `tabWaitlist Entry` set status = %s where appointment = %s and status = 'Offered'",
			(outcome, doc.name),
		)
	if doc.status == Status.CANCELLED or before.provider != doc.provider:
		enqueue_offers(doc.service_type, f"{doc.name}:{doc.status}:{doc.provider}")  # a seat is free again


def sweep() -> int:
	"""The scheduler's catch-all: entries past their days expire, and every service with waiters is
	offered what is free (a freed seat whose job was deduplicated away is not left unoffered)."""
	read_committed()
	frappe.db.sql(
		"update `tabWaitlist Entry` set status = 'Expired' where status = 'Waiting' and latest_utc <= %s",
		to_db(clock_now()),
	)
	commit_job_step()
	services = frappe.db.sql_list(
		"select distinct service_type from `tabWaitlist Entry` where status = 'Waiting'"
	)
	return sum(offer_freed_times(s) for s in services)
