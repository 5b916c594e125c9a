"""Time conversions the rules rely on: aware datetimes only, IANA zones, one DST rule.

DST rule (applies everywhere a local wall time becomes an instant):
- a local time that does not exist (spring-forward gap) moves forward by the gap: 02:30 on the
  night London springs forward becomes 03:30 BST (PEP 495 `fold=0` behaviour);
- a local time that occurs twice (fall-back overlap) means its first occurrence (`fold=0`).
Every instant the core returns is in UTC; callers convert with `astimezone` for display.

Storage: an instant is stored as its naive UTC wall time (`stored_utc`) and read back with
`from_stored_utc`, a lossless round trip. A naive wall time in a DST zone is not one: the repeated
hour of a fall-back night names two instants, so it is kept for display only.
"""

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frappoint.scheduling.compat import UTC
from frappoint.scheduling.errors import InvalidDuration, InvalidRange, NaiveDatetime, UnknownTimezone


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
	"""The IANA zone called `name`, or `UnknownTimezone`."""
	if not name or not isinstance(name, str) or len(name) > 64 or "\x00" in name:
		raise UnknownTimezone(f"timezone {str(name)[:64]!r} is not an IANA timezone name")
	try:
		return ZoneInfo(name)
	# OSError: a tzdata folder ("Europe") or an unreadable name is not a zone either.
	except (ZoneInfoNotFoundError, ValueError, OSError) as e:
		raise UnknownTimezone(f"timezone {name!r} is not an IANA timezone name") from e


def require_aware(value: datetime, what: str = "datetime") -> datetime:
	"""Return `value` in UTC, refusing naive datetimes (their meaning depends on a server setting)."""
	if not isinstance(value, datetime):
		raise NaiveDatetime(f"{what} must be a timezone-aware datetime, got {type(value).__name__}")
	if value.tzinfo is None or value.utcoffset() is None:
		raise NaiveDatetime(f"{what} {value.isoformat()} has no timezone")
	return value.astimezone(UTC)


def require_period(start: datetime, end: datetime, what: str = "period") -> tuple[datetime, datetime]:
	"""Both ends aware, end after start; returned in UTC."""
	start, end = require_aware(start, f"{what} start"), require_aware(end, f"{what} end")
	if end <= start:
		raise InvalidRange(f"{what} ends ({end.isoformat()}) before or when it starts ({start.isoformat()})")
	return start, end


def require_date_range(first_day: date, last_day: date) -> None:
	if isinstance(first_day, datetime) or isinstance(last_day, datetime):
		raise InvalidRange("a date range takes dates, not datetimes")
	if last_day < first_day:
		raise InvalidRange(f"date range ends ({last_day}) before it starts ({first_day})")


def require_minutes(value: int, what: str, allow_zero: bool = False) -> int:
	if isinstance(value, bool) or not isinstance(value, int):
		raise InvalidDuration(f"{what} must be a whole number of minutes, got {value!r}")
	if value < 0 or (value == 0 and not allow_zero):
		raise InvalidDuration(
			f"{what} must be {'zero or more' if allow_zero else 'more than zero'}, got {value}"
		)
	return value


def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
	"""The UTC instant of wall time `wall` on `day` in `tz`, following the module's DST rule."""
	return datetime.combine(day, wall, tzinfo=tz).replace(fold=0).astimezone(UTC)


def stored_utc(instant: datetime | None) -> datetime | None:
	"""An aware instant as a database keeps it: its naive UTC wall time."""
	return None if instant is None else require_aware(instant, "stored instant").replace(tzinfo=None)


def from_stored_utc(value: datetime | str | None) -> datetime | None:
	"""A naive UTC wall time (or its ISO text) read from the database -> the aware instant."""
	if value is None or value == "":
		return None
	if isinstance(value, str):
		value = datetime.fromisoformat(value)
	elif not isinstance(value, datetime):
		raise NaiveDatetime(f"stored instant must be a datetime, got {type(value).__name__}")
	if value.tzinfo is not None:
		return value.astimezone(UTC)
	return value.replace(tzinfo=UTC)


def wall_time(instant: datetime, tz: ZoneInfo) -> datetime:
	"""The naive wall-clock time of `instant` in `tz`: for display, never to decide on."""
	return require_aware(instant).astimezone(tz).replace(tzinfo=None)
