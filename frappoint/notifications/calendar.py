"""iCalendar (RFC 5545/5546) for appointments, built with `icalendar`.

An appointment keeps one UID across every move (the name of the first booking of its reschedule
chain), so a calendar updates its one event; SEQUENCE rises with each move and the cancellation
(`scheduling.calendar_sequence`), and a cancellation is METHOD:CANCEL with STATUS:CANCELLED.
"""

from datetime import timedelta

import frappe
from frappe.utils import get_host_name
from icalendar import Calendar, Event, vCalAddress, vText

from frappoint.booking.clock import from_db
from frappoint.booking.clock import now as clock_now
from frappoint.scheduling import Status, calendar_sequence
from frappoint.security import site_host

APPOINTMENT = "Service Appointment"
LONGEST_CHAIN = 1000  # a reschedule chain is walked at most this far (a guard, not a rule)


def chain_root(doc) -> tuple[str, int]:
	"""(name of the first booking this appointment was moved from, number of moves since)."""
	name, moves, previous = doc.name, 0, doc.rescheduled_from
	while previous and moves < LONGEST_CHAIN:
		name, moves = previous, moves + 1
		previous = frappe.db.get_value(APPOINTMENT, previous, "rescheduled_from")
	return name, moves


def uid(root: str) -> str:
	with site_host():
		host = get_host_name()
	return f"{root}@{host}"


def event(doc, summary: str, cancelled: bool, description: str = "", url: str | None = None) -> Event:
	root, moves = chain_root(doc)
	ev = Event()
	ev.add("uid", uid(root))
	ev.add("sequence", calendar_sequence(moves, cancelled))
	ev.add("dtstamp", clock_now())
	ev.add("dtstart", from_db(doc.start_utc))
	ev.add("dtend", from_db(doc.end_utc))
	ev.add("summary", summary)
	ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
	if description:
		ev.add("description", description)
	if url:
		ev.add("url", url)
	return ev


def calendar(events: list[Event], method: str | None = None, name: str | None = None) -> bytes:
	cal = Calendar()
	cal.add("prodid", "-//Frappoint//Appointments//EN")
	cal.add("version", "2.0")
	cal.add("calscale", "GREGORIAN")
	if method:
		cal.add("method", method)
	if name:
		cal.add("x-wr-calname", name)
		cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
	for ev in events:
		cal.add_component(ev)
	return cal.to_ical()


def invitation(
	doc, method: str, summary: str, organizer: str | None, attendee: str, url: str | None
) -> bytes:
	"""The .ics attached to an email: REQUEST adds or updates the event, CANCEL removes it."""
	ev = event(doc, summary, cancelled=method == "CANCEL" or doc.status == Status.CANCELLED, url=url)
	if organizer:
		ev.add("organizer", vCalAddress(f"mailto:{organizer}"))
	who = vCalAddress(f"mailto:{attendee}")
	who.params["ROLE"] = vText("REQ-PARTICIPANT")
	ev.add("attendee", who)
	return calendar([ev], method=method)
