"""Who hears what when a booking changes, when reminders fall due, and how a calendar entry evolves.

Plain rules over plain values; the notification service (`frappoint.notifications`) turns them into
emails, SMS and calendar files. Everything a customer or provider is told about one appointment
comes from `notices_for`, whoever made the change (portal, API, desk, job).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from frappoint.scheduling.clock import require_aware
from frappoint.scheduling.compat import StrEnum
from frappoint.scheduling.errors import InvalidReminderHours
from frappoint.scheduling.lifecycle import Status


class Audience(StrEnum):
	CUSTOMER = "Customer"
	PROVIDER = "Provider"


class News(StrEnum):
	"""A message kind; its value names the Email Template it is written with ("Frappoint: ...")."""

	CONFIRMED = "Appointment Confirmed"
	MOVED = "Appointment Moved"
	CANCELLED = "Appointment Cancelled"
	REASSIGNED = "Appointment Reassigned"
	HOLD_LAPSED = "Hold Lapsed"
	REMINDER = "Appointment Reminder"
	NEW_JOB = "New Job"
	JOB_MOVED = "Job Moved"
	JOB_CANCELLED = "Job Cancelled"
	NEW_TIME_REQUESTED = "Please Choose a New Time"
	WAITLIST_OFFER = "A Time Is Free for You"


# What a calendar does with the message's invitation (RFC 5546 METHOD): None sends no invitation.
CALENDAR_METHOD = {
	News.CONFIRMED: "REQUEST",
	News.MOVED: "REQUEST",
	News.REASSIGNED: "REQUEST",
	News.REMINDER: None,
	News.CANCELLED: "CANCEL",
	News.HOLD_LAPSED: None,
	News.NEW_JOB: "REQUEST",
	News.JOB_MOVED: "REQUEST",
	News.JOB_CANCELLED: "CANCEL",
	News.NEW_TIME_REQUESTED: None,
	News.WAITLIST_OFFER: None,
}


@dataclass(frozen=True)
class Change:
	"""One saved change to an appointment. `old_status`/`old_provider` are None for a new one;
	`moved_from_provider` is the provider of the appointment this one replaces (the new half of a
	reschedule); `moving_away` marks the old half; `lapsed` a hold that ran out."""

	old_status: str | None
	new_status: str
	old_provider: str | None
	new_provider: str
	moved_from_provider: str | None = None
	moving_away: bool = False
	lapsed: bool = False
	offered: bool = False  # a hold placed for a wait-list customer


@dataclass(frozen=True)
class Notice:
	audience: Audience
	news: News
	provider: str | None = None  # the provider told, for Audience.PROVIDER


def notices_for(change: Change) -> list[Notice]:
	"""Everything one change tells the customer and the providers concerned.

	- A hold is not news, unless it is a wait-list offer; a hold that lapses tells its customer (they
	  may book again), not the provider.
	- A move is told once, from its new half: the old half's cancellation says nothing. The provider
	  hears "moved" if the job stays theirs, else the new one hears "new job" and the old "cancelled".
	- A reassignment tells the customer who they will now see, and both providers.
	"""
	c = change
	customer = lambda news: Notice(Audience.CUSTOMER, news)  # noqa: E731
	provider = lambda news, who: Notice(Audience.PROVIDER, news, who)  # noqa: E731
	if c.old_status is None and c.new_status == Status.OPEN and c.offered:
		return [customer(News.WAITLIST_OFFER)]
	if c.new_status == Status.CONFIRMED and c.old_status != Status.CONFIRMED:
		if c.moved_from_provider is None or c.old_status is not None:
			return [customer(News.CONFIRMED), provider(News.NEW_JOB, c.new_provider)]
		if c.moved_from_provider == c.new_provider:
			return [customer(News.MOVED), provider(News.JOB_MOVED, c.new_provider)]
		return [
			customer(News.MOVED),
			provider(News.NEW_JOB, c.new_provider),
			provider(News.JOB_CANCELLED, c.moved_from_provider),
		]
	if c.new_status == Status.CONFIRMED and c.old_provider and c.old_provider != c.new_provider:
		return [
			customer(News.REASSIGNED),
			provider(News.NEW_JOB, c.new_provider),
			provider(News.JOB_CANCELLED, c.old_provider),
		]
	if c.new_status == Status.CANCELLED and c.old_status == Status.CONFIRMED and not c.moving_away:
		return [customer(News.CANCELLED), provider(News.JOB_CANCELLED, c.new_provider)]
	if c.new_status == Status.CANCELLED and c.old_status == Status.OPEN and c.lapsed:
		return [customer(News.HOLD_LAPSED)]
	return []


def message_key(appointment: str, notice: Notice, detail: str = "") -> str:
	"""The one name a message may have: a second attempt at the same message finds it taken."""
	return appointment + message_key_suffix(notice, detail)


def message_key_suffix(notice: Notice, detail: str = "") -> str:
	"""What follows the appointment's name in its message key (for queries over many appointments)."""
	return "".join(
		":" + part for part in (notice.audience.value, notice.news.value, notice.provider, detail) if part
	)


# --- reminders ----------------------------------------------------------------------------------


def parse_reminder_hours(text: str | None) -> list[int]:
	""" "24, 1" -> [24, 1]: whole hours before the start, largest first, each once; empty is none."""
	hours = set()
	for part in (text or "").replace(";", ",").split(","):
		part = part.strip()
		if not part:
			continue
		if not part.isdigit() or not 1 <= int(part) <= 24 * 60:
			raise InvalidReminderHours(
				f"reminder hours must be whole numbers from 1 to 1440, got {part[:20]!r}"
			)
		hours.add(int(part))
	return sorted(hours, reverse=True)


def reminder_due(start: datetime, booked: datetime, now: datetime, hours: list[int]) -> int | None:
	"""The reminder (hours before `start`) to send at `now`, if any. Instants are aware, so "24 h
	before" is 24 elapsed hours whatever a DST change does to the wall clock.

	Only a reminder whose time came after the booking was made counts (booked 30 minutes ahead gets
	no "1 hour before"); when several have come at once (the scheduler was down), only the nearest
	to the start is sent: the others would arrive stale.
	"""
	# In UTC: aware arithmetic in a DST zone adds wall-clock hours, not elapsed ones.
	start, booked, now = (require_aware(t) for t in (start, booked, now))
	if now >= start:
		return None
	due = [h for h in hours if start - timedelta(hours=h) <= now and start - timedelta(hours=h) > booked]
	return min(due) if due else None


# --- calendars ----------------------------------------------------------------------------------


def calendar_sequence(moves: int, cancelled: bool) -> int:
	"""iCalendar SEQUENCE for an appointment `moves` reschedules from its first booking: every move
	and the cancellation supersede what a calendar holds, so the number only rises."""
	return 2 * moves + (1 if cancelled else 0)
