"""Availability answered from Redis: each provider's bookable windows per UTC day, computed once and
kept until something that decides them changes.

An entry is keyed by service, emergency tier, provider, day and version counters: the provider's
(bumped by any change to its appointments, slots or record), the site's booking configuration
(services, units, settings) and, for a service that needs rooms or machines, the units' (bumped by
every booking that uses one: a shared unit may be taken through any provider).
A change bumps its counters when it starts and again when its transaction commits or rolls back, so
an entry computed from a state that then changed is never read again; entries under old versions
simply expire. Holds lapse on their own: an entry is computed with the seats held then and is valid
until the first of those holds expires. The booking window (lead time, how far ahead) depends on the
moment of the request and is applied when reading, as are other apps' hooks (`extensions`).

All state is in Redis and MariaDB, shared by every web worker and host; a booking never trusts this
cache: it re-checks its time under its row locks.
"""

from array import array
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from itertools import repeat

import frappe

from frappoint.booking.clock import from_db
from frappoint.scheduling import Window
from frappoint.scheduling.compat import UTC

ENTRY_SECONDS = 6 * 3600  # entries of old versions and past days expire on their own
CONFIGURATION, UNITS = "configuration", "units"
NO_EXPIRY = 2**62


def _key(*parts) -> str:
	return frappe.cache.make_key("frappoint:windows:" + ":".join(str(p) for p in parts))


def _version_key(subject: str) -> str:
	return _key("version", subject)


def bump(providers=(), units: bool = False, configuration: bool = False) -> None:
	"""Invalidate the providers' entries (and those of services using units, or every entry) now and
	again when the current transaction ends, however it ends."""
	keys = [_version_key(p) for p in sorted(set(filter(None, providers)))]
	keys += [
		_version_key(subject)
		for subject, wanted in ((UNITS, units), (CONFIGURATION, configuration))
		if wanted
	]
	if not keys:
		return

	def increment():
		pipe = frappe.cache.pipeline(transaction=False)
		for key in keys:
			pipe.incr(key)
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
	"""The entries of one service (and tier) for some providers over some UTC days."""

	def __init__(
		self, service_name: str, emergency: bool, uses_units: bool, providers: list[str], days: list
	):
		shared = [CONFIGURATION, UNITS] if uses_units else [CONFIGURATION]
		versions = [int(v or 0) for v in frappe.cache.mget([_version_key(p) for p in [*providers, *shared]])]
		common = ":".join(str(v) for v in versions[len(providers) :])
		prefix = _key(service_name, int(emergency), "").decode()  # the site's prefix, made once
		dates = [(day, f"{day:%Y%m%d}") for day in days]
		self.keys = {
			(provider, day): f"{prefix}{provider}:{date}:{version}:{common}"
			for provider, version in zip(providers, versions, strict=True)
			for day, date in dates
		}

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

	def fill(self, missing: list, windows: list[Window], lapses: dict) -> dict:
		"""Store an entry for each missing (provider, day) from `windows` (computed for at least those
		days) and each provider's first lapse; returns the entries."""
		by_place = {place: [] for place in missing}
		for w in windows:
			place = (w.provider, day_of(w.start.astimezone(UTC)))
			if place in by_place:
				by_place[place].append(w)
		entries = {place: pack(ws, lapses.get(place[0])) for place, ws in by_place.items()}
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
	for day in days:  # the entries of a day hold the windows starting that day
		day_rows = []
		for index, provider in enumerate(providers):
			if (entry := found.get((provider, day))) is not None:
				day_rows.extend(zip(entry[1::3], repeat(index), entry[2::3], entry[3::3]))
		day_rows.sort()
		rows.extend(day_rows)
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
	before = doc.get_doc_before_save()
	providers = [doc.provider, before.provider if before else None]
	bump(providers, units=bool(doc.get("units") or (before and before.get("units"))))


def provider_changed(doc, method=None) -> None:
	bump([doc.get("provider") or doc.name])


def configuration_changed(doc, method=None) -> None:
	bump(configuration=True)
