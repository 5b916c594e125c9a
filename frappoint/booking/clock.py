"""Where Frappe's datetimes meet the core's aware UTC instants.

Every decision reads the `*_utc` columns (naive UTC, a lossless round trip: `to_db` / `from_db`). The
naive site-timezone fields beside them are what Frappe's desk shows (`to_site`); `from_site` reads
only what a person typed in the desk (a requested start, a leave period), where a repeated hour on a
fall-back night means its first occurrence, the core's DST rule, and an hour the clocks skip on a
spring-forward night is refused: it names no instant, and moving it would book a time nobody chose.
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import format_date, format_time, get_datetime, get_system_timezone

from frappoint.booking.errors import SkippedLocalTime
from frappoint.scheduling import (
	SkippedWallTime,
	from_stored_utc,
	skipped_wall_time,
	stored_utc,
	wall_time,
	zone,
)
from frappoint.scheduling.compat import UTC


def site_zone():
	return zone(get_system_timezone())


def to_site(instant: datetime | None) -> datetime | None:
	"""Aware instant -> naive datetime in the site's timezone, for Frappe's desk views."""
	return None if instant is None else wall_time(instant, site_zone())


def from_site(value, refuse_skipped: bool = True) -> datetime | None:
	"""Naive site-timezone datetime (or string) typed in the desk -> aware UTC instant. Aware input
	is only converted. A wall time the clocks skip is `SkippedLocalTime` (400); `refuse_skipped=False`
	moves it forward by the jump instead (the core's rule), for values stored before it was refused."""
	if not value:
		return None
	value = get_datetime(value)
	if value.tzinfo is None:
		tz = site_zone()
		if refuse_skipped and (gap := skipped_wall_time(value, tz)):
			refuse_skipped_time(gap, tz.key)
		value = value.replace(tzinfo=tz)
	return value.astimezone(UTC)


def from_stored_site(value) -> datetime | None:
	"""`from_site` for a naive site-timezone value read from a row, not typed now: one saved before
	skipped wall times were refused is still read (moved forward by the jump)."""
	return from_site(value, refuse_skipped=False)


def refuse_skipped_time(gap: SkippedWallTime, zone_name: str):
	def minute(wall: datetime) -> str:
		shown = format_time(wall.time(), "HH:mm")
		if wall.date() == gap.wall.date():
			return shown
		return _("{0} on {1}").format(shown, format_date(wall.date(), "d MMMM yyyy"))

	frappe.throw(
		_("{0} on {1} does not exist in {2} (the clocks go forward). Choose {3} or {4}.").format(
			format_time(gap.wall.time(), "HH:mm"),
			format_date(gap.wall.date(), "d MMMM yyyy"),
			zone_name,
			minute(gap.last_before),
			minute(gap.first_after),
		),
		exc=SkippedLocalTime,
		title=_("No such time"),
	)


to_db = stored_utc
from_db = from_stored_utc


def now() -> datetime:
	# Not from the site's naive clock: in the repeated hour it would read an hour early.
	return datetime.now(UTC)


def put(row, instant: datetime | None, utc_field: str, site_field: str | None = None) -> None:
	"""Store `instant` in `row`'s UTC column and, when it has one, in its desk-view twin."""
	row.set(utc_field, to_db(instant))
	if site_field:
		row.set(site_field, to_site(instant))
