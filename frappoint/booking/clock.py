"""The one place where Frappe's naive site-timezone datetimes meet the core's aware UTC instants."""

from datetime import datetime

from frappe.utils import get_datetime, get_system_timezone, now_datetime

from frappoint.scheduling import zone
from frappoint.scheduling.compat import UTC


def site_zone():
	return zone(get_system_timezone())


def to_site(instant: datetime) -> datetime:
	"""Aware instant -> naive datetime in the site's timezone, as Frappe stores it."""
	return instant.astimezone(site_zone()).replace(tzinfo=None)


def from_site(value) -> datetime | None:
	"""Stored naive datetime (or string) -> aware UTC instant. Aware input is only converted."""
	if not value:
		return None
	value = get_datetime(value)
	if value.tzinfo is None:
		value = value.replace(tzinfo=site_zone())
	return value.astimezone(UTC)


def now() -> datetime:
	return from_site(now_datetime())
