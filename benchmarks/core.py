"""Scheduling-core figures: slot generation and bookable windows at the sizes the issue names.

Run from the repo root:  python benchmarks/core.py
Prints the best of several runs (seconds are wall time on this machine) and peak memory.
"""

import random
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from frappoint.scheduling import (
	BookingPolicy,
	ServiceRule,
	Shift,
	ShiftPattern,
	bookable_windows,
	generate_slots,
)

FIRST = date(2027, 1, 4)
WEEK_9_TO_5 = ShiftPattern("Europe/London", tuple(Shift(d, clock(9), clock(17)) for d in range(7)))


def best_of(runs, fn):
	timings = []
	for _ in range(runs):
		started = time.perf_counter()
		result = fn()
		timings.append(time.perf_counter() - started)
	return min(timings), result


def generate_all(providers, days):
	last = date.fromordinal(FIRST.toordinal() + days - 1)
	slots = []
	for p in range(providers):
		slots.extend(
			generate_slots(f"P{p:03d}", WEEK_9_TO_5, [], first_day=FIRST, last_day=last, slot_minutes=15)
		)
	return slots


def main():
	seconds, slots = best_of(5, lambda: generate_all(100, 90))
	tracemalloc.start()
	generate_all(100, 90)
	peak = tracemalloc.get_traced_memory()[1]
	tracemalloc.stop()
	print(
		f"generate_slots  100 providers x 90 days x 8 h @ 15 min: {len(slots):,} slots in {seconds * 1000:.0f} ms"
		f" (target <= 1000 ms), peak {peak / 2**20:.0f} MiB"
	)

	window_slots = generate_all(20, 30)
	rng = random.Random(7)
	taken = {s.key: 1 for s in window_slots if rng.random() < 0.30}
	service = ServiceRule("Consultation", 30, buffer_after_minutes=15)
	now = datetime(2027, 1, 1, tzinfo=UTC)
	policy = BookingPolicy(max_advance_days=90)
	seconds, windows = best_of(
		20, lambda: bookable_windows(window_slots, service, taken, now=now, policy=policy)
	)
	print(
		f"bookable_windows 20 providers x 30 days, 30% seats taken: {len(window_slots):,} slots -> "
		f"{len(windows):,} windows in {seconds * 1000:.1f} ms (target <= 20 ms)"
	)


if __name__ == "__main__":
	main()
