"""Where Frappe's datetimes meet the core's aware UTC instants.

Every decision reads the `*_utc` columns (naive UTC, a lossless round trip: `to_db` / `from_db`). The
naive site-timezone fields beside them are what Frappe's desk shows (`to_site`); `from_site` reads
only what a person typed in the desk (a requested start, a leave period), where a repeated hour on a
fall-back night means its first occurrence, the core's DST rule.
"""

from datetime import datetime

from frappe.utils import get_datetime, get_system_timezone

from frappoint.scheduling import from_stored_utc, stored_utc, wall_time, zone
from frappoint.scheduling.compat import UTC


def site_zone():
	return zone(get_system_timezone())


def to_site(instant: datetime | None) -> datetime | None:
	"""Aware instant -> naive datetime in the site's timezone, for Frappe's desk views."""
	return None if instant is None else wall_time(instant, site_zone())


def from_site(value) -> datetime | None:
	"""Naive site-timezone datetime (or string) typed in the desk -> aware UTC instant. Aware input
	is only converted."""
	if not value:
		return None
	value = get_datetime(value)
	if value.tzinfo is None:
		value = value.replace(tzinfo=site_zone())
	return value.astimezone(UTC)


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
