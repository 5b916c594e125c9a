"""Availability answered from Redis: each provider's bookable windows per UTC day, computed once and
kept until something that decides them changes.

An entry is keyed by service, emergency tier, provider, day and versions: the provider's (bumped by
a change to its slots or record), the provider's days' (an appointment bumps the UTC days its seats
start on; an entry reads the versions of every day its windows' slots may start on), the site's
booking configuration (services, units, settings) and, for a service that needs rooms or machines,
the units' (bumped by every booking that uses one: a shared unit may be taken through any provider).
So a booking invalidates its provider's few days, not the provider's month nor anyone else's.
A change bumps its versions when it starts and again when its transaction commits or rolls back, so
an entry computed from a state that then changed is never read again; entries under old versions
simply expire. Holds lapse on their own: an entry is computed with the seats held then and is valid
until the first of those holds near its day expires. The booking window (lead time, how far ahead)
depends on the moment of the request and is applied when reading, as are other apps' hooks
(`extensions`).

All state is in Redis and MariaDB, shared by every web worker and host; a booking never trusts this
cache: it re-checks its time under its row locks.
"""

import secrets
from array import array
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from itertools import repeat
from operator import itemgetter

import frappe

from frappoint.booking.clock import from_db
from frappoint.booking.records import service_rule
from frappoint.scheduling import Window
from frappoint.scheduling.compat import UTC

ENTRY_SECONDS = 6 * 3600  # entries of old versions and past days expire on their own
# A day's version is a random token (never repeats) that outlives every entry made under it, so an
# expired version reads as "0" only once no entry made before its first bump is left.
DAY_VERSION_SECONDS = ENTRY_SECONDS + 3600
CONFIGURATION, UNITS = "configuration", "units"
NO_EXPIRY = 2**62
DAY_SECONDS = 86400


def _key(*parts) -> str:
	return frappe.cache.make_key("frappoint:windows:" + ":".join(str(p) for p in parts))


def _version_key(subject: str) -> str:
	return _key("version", subject)


def _day_version_prefix() -> str:
	return _key("day-version", "").decode()


def bump(providers=(), units: bool = False, configuration: bool = False, days=()) -> None:
	"""Invalidate the providers' entries (`days`: only those of these (provider, UTC day) pairs and
	of the days whose windows reach them; `units`: those of services using units; `configuration`:
	every entry) now and again when the current transaction ends, however it ends."""
	keys = [_version_key(p) for p in sorted(set(filter(None, providers)))]
	keys += [
		_version_key(subject)
		for subject, wanted in ((UNITS, units), (CONFIGURATION, configuration))
		if wanted
	]
	prefix = _day_version_prefix()
	day_keys = sorted({f"{prefix}{p}:{day:%Y%m%d}" for p, day in days if p})
	if not keys and not day_keys:
		return

	def increment():
		pipe = frappe.cache.pipeline(transaction=False)
		for key in keys:
			pipe.incr(key)
		for key in day_keys:
			pipe.set(key, secrets.token_hex(6), ex=DAY_VERSION_SECONDS)
		pipe.execute()

	increment()
	frappe.db.after_commit.add(increment)
	frappe.db.after_rollback.add(increment)


def day_of(instant: datetime) -> datetime:
	return datetime(instant.year, instant.month, instant.day, tzinfo=UTC)


def days_between(first: datetime, last: datetime) -> list[datetime]:
	day, days = day_of(first.astimezone(UTC)), []
	while day <= last:
		days.append(day)
		day += timedelta(days=1)
	return days


class WindowCache:
	"""The entries of one service (and tier) for some providers over some UTC days, each valid under
	its provider's version, the versions of the days from `reach[0]` days before its own to
	`reach[1]` days after (where its windows' slots may start: `reach_of` the service's rule, by
	default) and the shared ones."""

	def __init__(
		self,
		service_name: str,
		emergency: bool,
		uses_units: bool,
		providers: list[str],
		days: list,
		reach: tuple[int, int] | None = None,
	):
		shared = [CONFIGURATION, UNITS] if uses_units else [CONFIGURATION]
		before, after = reach or reach_of(service_rule(frappe.get_cached_doc("Service Type", service_name)))
		span = (
			days_between(days[0] - timedelta(days=before), days[-1] + timedelta(days=after)) if days else []
		)
		dated = [f"{day:%Y%m%d}" for day in span]
		day_prefix = _day_version_prefix()
		subjects = [_version_key(p) for p in [*providers, *shared]]
		subjects += [f"{day_prefix}{p}:{date}" for p in providers for date in dated]
		values = frappe.cache.mget(subjects)
		versions = [int(v or 0) for v in values[: len(providers) + len(shared)]]
		tokens = [(v or b"0").decode() for v in values[len(providers) + len(shared) :]]
		common = ":".join(str(v) for v in versions[len(providers) :])
		prefix = _key(service_name, int(emergency), "").decode()  # the site's prefix, made once
		width = before + 1 + after
		self.keys = {}
		for n, provider in enumerate(providers):
			version, own = versions[n], tokens[n * len(span) : (n + 1) * len(span)]
			for i, day in enumerate(days):
				near = ",".join(own[i : i + width])  # day i is span[i + before]
				self.keys[provider, day] = f"{prefix}{provider}:{dated[i + before]}:{version}:{near}:{common}"

	def read(self, now: datetime) -> tuple[dict, list[tuple[str, datetime]]]:
		"""Entries still valid at `now` as {(provider, day): packed}, and the (provider, day) missing."""
		found, missing = {}, []
		stamp = int(now.timestamp())
		for place, packed in zip(self.keys, frappe.cache.mget(list(self.keys.values())), strict=True):
			if packed is None:
				missing.append(place)
				continue
			entry = array("q")
			entry.frombytes(packed)
			if entry[0] <= stamp:  # a hold counted as taking a seat has lapsed since
				missing.append(place)
			else:
				found[place] = entry
		return found, missing

	def fill(self, missing: list, windows: list[Window], lapses: dict, everywhere=None) -> dict:
		"""Store an entry for each missing (provider, day) from `windows` (computed for at least those
		days), each valid until its place's first lapse in `lapses` ({(provider, day): instant}) or
		`everywhere`'s; returns the entries."""
		days = {int(day.timestamp()) // DAY_SECONDS: day for _, day in missing}
		packed = {place: [] for place in missing}
		for w in windows:
			start = int(w.start.timestamp())
			rows = packed.get((w.provider, days.get(start // DAY_SECONDS)))
			if rows is not None:
				rows.extend((start, int(w.end.timestamp()), w.free_seats))
		entries = {}
		for place, rows in packed.items():
			until = min(filter(None, (lapses.get(place), everywhere)), default=None)
			entries[place] = array("q", [int(until.timestamp()) if until else NO_EXPIRY, *rows])
		pipe = frappe.cache.pipeline(transaction=False)
		for place, entry in entries.items():
			pipe.set(self.keys[place], entry.tobytes(), ex=ENTRY_SECONDS)
		pipe.execute()
		return entries


def pack(windows: list[Window], valid_until: datetime | None) -> array:
	entry = array("q", [int(valid_until.timestamp()) if valid_until else NO_EXPIRY])
	for w in windows:
		entry.extend((int(w.start.timestamp()), int(w.end.timestamp()), w.free_seats))
	return entry


# A window as integers: (start, provider index, end, free seats), instants in epoch seconds.
Row = tuple[int, int, int, int]


def merged(found: dict, providers: list[str], days: list, intervals: list[tuple[float, float]]) -> list[Row]:
	"""The windows of the entries `found` as rows, ordered by start then provider, whose start lies in
	one of `intervals` (epoch seconds, ordered)."""
	rows = []
	for index, provider in enumerate(providers):
		for day in days:  # the entries of a day hold the windows starting that day, in start order
			if (entry := found.get((provider, day))) is not None:
				rows.extend(zip(entry[1::3], repeat(index), entry[2::3], entry[3::3]))
	rows.sort(key=itemgetter(0))  # stable: at each start, providers stay in index order
	if not rows or (len(intervals) == 1 and intervals[0][0] <= rows[0][0] and rows[-1][0] <= intervals[0][1]):
		return rows  # the booking window takes nothing away (often: a range from tomorrow on)
	starts = [row[0] for row in rows]
	return [row for lo, hi in intervals for row in rows[bisect_left(starts, lo) : bisect_right(starts, hi)]]


def as_windows(rows: list[Row], providers: list[str]) -> list[Window]:
	"""Rows as Windows (without their slot rows: listing needs none), one datetime per instant."""
	at = {stamp: datetime.fromtimestamp(stamp, UTC) for row in rows for stamp in (row[0], row[2])}
	return [Window(providers[index], at[start], at[end], (), free) for start, index, end, free in rows]


def as_rows(windows: list[Window], providers: list[str] | None = None) -> tuple[list[str], list[Row]]:
	"""Windows as rows, indexing `providers` (by default, theirs in name order)."""
	providers = providers if providers is not None else sorted({w.provider for w in windows})
	index = {name: i for i, name in enumerate(providers)}
	rows = [
		(int(w.start.timestamp()), index[w.provider], int(w.end.timestamp()), w.free_seats) for w in windows
	]
	return providers, rows


def reach_of(rule) -> tuple[int, int]:
	"""How many UTC days before and after its own a window's slots may start on (its buffer before
	reaches back, its whole block forward)."""
	return -(-rule.buffer_before_minutes // 1440), -(-rule.block_minutes // 1440)


def lapses_by_day(rows, now: datetime, reach: tuple[int, int]) -> dict:
	"""Per (provider, UTC day), the earliest expiry of a hold still taking a seat at `now` on a slot
	that day's windows may use (a seat on day D is used by windows starting `reach[1]` days before
	to `reach[0]` days after it)."""
	lapses: dict = {}
	before, after = reach
	for row in rows:
		until = from_db(row.hold_until_utc) if row.hold_until_utc else None
		if until and until > now:
			day = day_of(from_db(row.slot_start_utc))
			for shift in range(-after, before + 1):
				place = (row.provider, day + timedelta(days=shift))
				if place not in lapses or until < lapses[place]:
					lapses[place] = until
	return lapses


def first_lapse(rows, now: datetime, by=lambda row: row.provider) -> dict:
	"""Per `by` (a seat's provider, say), the earliest expiry of a hold still taking its seat or unit
	at `now`: when an entry counting these rows stops being true."""
	lapses: dict = {}
	for row in rows:
		until = from_db(row.hold_until_utc) if row.hold_until_utc else None
		if until and until > now:
			key = by(row)
			if key not in lapses or until < lapses[key]:
				lapses[key] = until
	return lapses


# --- what invalidates (doc_events in hooks.py; slot generation calls `bump` itself) -----------------


def appointment_changed(doc, method=None) -> None:
	"""An appointment decides its seats' days only: those (before and after the change) are bumped;
	a provider whose seat days are unknown has all its entries bumped."""
	before = doc.get_doc_before_save()
	days, providers = set(), set()
	for version in filter(None, (doc, before)):
		rows = version.get("slots") or []
		if not rows:
			providers.add(version.provider)
		for row in rows:
			start = from_db(row.get("slot_start_utc"))
			if start:
				days.add((row.get("provider") or version.provider, day_of(start)))
			else:
				providers.add(row.get("provider") or version.provider)
	bump(providers, units=bool(doc.get("units") or (before and before.get("units"))), days=days)


def provider_changed(doc, method=None) -> None:
	bump([doc.get("provider") or doc.name])


def configuration_changed(doc, method=None) -> None:
	bump(configuration=True)
