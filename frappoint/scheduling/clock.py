"""Time conversions the rules rely on: aware datetimes only, IANA zones, one DST rule.

DST rule (applies everywhere a local wall time becomes an instant):
- a local time that does not exist (spring-forward gap) moves forward by the gap: 02:30 on the
  night London springs forward becomes 03:30 BST (PEP 495 `fold=0` behaviour);
- a local time that occurs twice (fall-back overlap) means its first occurrence (`fold=0`).
Every instant the core returns is in UTC; callers convert with `astimezone` for display.
Where a person types a wall time (the desk), a skipped one is not moved but refused: `skipped_wall_time`
names the valid wall times either side of the jump, for the message.

Storage: an instant is stored as its naive UTC wall time (`stored_utc`) and read back with
`from_stored_utc`, a lossless round trip. A naive wall time in a DST zone is not one: the repeated
hour of a fall-back night names two instants, so it is kept for display only.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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


@dataclass(frozen=True)
class SkippedWallTime:
	"""A wall time the clocks jump over, and the nearest wall times that exist: the last whole minute
	before the jump and the first minute after it (all naive, in the zone)."""

	wall: datetime
	last_before: datetime
	first_after: datetime


def skipped_wall_time(wall: datetime, tz: ZoneInfo) -> SkippedWallTime | None:
	"""None when naive `wall` exists in `tz`; else the gap it falls in (a spring-forward night)."""
	if wall.tzinfo is not None:
		raise NaiveDatetime(f"{wall.isoformat()} is not a wall time: it has a timezone")
	# PEP 495: in a gap, fold=1 reads the wall time with the offset after the jump and fold=0 with the
	# one before, so fold=1 names the earlier instant; a wall time that exists reads the same either
	# way, and a repeated one reads later with fold=1.
	early = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
	late = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
	if late <= early:
		return None
	offset_before, offset_after = early.astimezone(tz).utcoffset(), late.astimezone(tz).utcoffset()
	# The jump lies between the two readings (hours apart at most): find its second.
	low, high = 0, int((late - early).total_seconds())
	while high - low > 1:
		middle = (low + high) // 2
		if (early + timedelta(seconds=middle)).astimezone(tz).utcoffset() == offset_before:
			low = middle
		else:
			high = middle
	jump = (early + timedelta(seconds=high)).replace(tzinfo=None)
	gap_start, gap_end = jump + offset_before, jump + offset_after
	last_before = (gap_start - timedelta(seconds=1)).replace(second=0, microsecond=0)
	first_after = gap_end.replace(second=0, microsecond=0)
	if first_after < gap_end:  # a jump off the minute (old local mean times): the next whole minute
		first_after += timedelta(minutes=1)
	return SkippedWallTime(wall, last_before, first_after)
