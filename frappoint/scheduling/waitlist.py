"""The wait-list: who is offered a freed time, and which time.

A waiter asks for a service, a provider or any, and a range of days in their own timezone. When
seats free up, waiters are served first come, first served: each gets the earliest bookable window
in their range (with their provider, if they named one), as a hold they confirm within the offer
window. A waiter is offered one time at a time; letting it lapse ends their turn, and the time
freed again goes to the next waiter.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from frappoint.scheduling.clock import local_instant, require_aware, zone
from frappoint.scheduling.errors import InvalidRange
from frappoint.scheduling.windows import Window

LONGEST_WAIT_DAYS = 92  # how far a wait-list request may reach; more is a booking horizon question


@dataclass(frozen=True)
class WaitRequest:
	waiter: str  # the entry's name, for the caller
	joined: datetime  # first come, first served
	provider: str | None  # None: any provider
	earliest: datetime  # UTC instants: the start of their first day ...
	latest: datetime  # ... and the end of their last, in their timezone


def wait_range(first_day: date, last_day: date, timezone: str) -> tuple[datetime, datetime]:
	"""The instants a waiter's days cover, in their timezone (DST-safe)."""
	if last_day < first_day or (last_day - first_day).days > LONGEST_WAIT_DAYS:
		raise InvalidRange(f"a wait-list range runs forwards and spans at most {LONGEST_WAIT_DAYS} days")
	tz = zone(timezone)
	return local_instant(first_day, time(0), tz), local_instant(last_day + timedelta(days=1), time(0), tz)


def offer_for(request: WaitRequest, windows: list[Window], now: datetime) -> Window | None:
	"""The earliest window in the request's range (its provider's, if named) still ahead of `now`."""
	now = require_aware(now, "now")
	fits = [
		w
		for w in windows
		if request.earliest <= w.start < request.latest
		and w.start > now
		and w.free_seats > 0
		and (request.provider is None or w.provider == request.provider)
	]
	return min(fits, key=lambda w: (w.start, w.provider)) if fits else None


def serve(
	requests: list[WaitRequest], windows: list[Window], now: datetime
) -> list[tuple[WaitRequest, Window]]:
	"""Offers for waiters in the order they joined; a seat offered to one is not offered again."""
	left = {id(w): w.free_seats for w in windows}
	using = defaultdict(list)  # slot -> the windows that would consume it
	for w in windows:
		for slot in w.slots:
			using[slot].append(w)
	offers = []
	for request in sorted(requests, key=lambda r: (r.joined, r.waiter)):
		window = offer_for(request, [w for w in windows if left[id(w)] > 0], now)
		if window is not None:
			offers.append((request, window))
			# every window sharing a slot with the offer has one seat fewer (once, however many it shares)
			for other in {id(o): o for slot in window.slots for o in using[slot]}.values():
				left[id(other)] -= 1
	return offers
