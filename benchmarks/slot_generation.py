"""Slot generation, 100 providers x 90 days x 8 h at 15 minutes = 288,000 slots, against the code it
replaced, in one run.

On its own site (restored at its start: the passes commit provider by provider, as the hourly job
does) it makes 2 x 100 providers and times, on the first 100 the module as it was before issue 26 (`git show BASELINE:frappoint/booking/slot_generation.py`, its one call into
the core spelled with keywords as the core now requires) and on the other 100 the current one: the
first generation, and a pass in which nothing changed. It checks that both leave exactly the same slot
rows (every column but the timestamps, provider for provider), then changes one provider's Monday shift and counts the rows the
next pass inserts, deletes and leaves alone (the old module, run after it, finds nothing left to do).

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/slot_generation.py --site frappoint-bench.test
"""

import subprocess
import sys
import time
import types

import frappe
import own_site
from in_process import options, rolled_back

BASELINE = "be3ac81"  # main before issue 26's slot work
WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COLUMNS = "name, provider, slot_start, slot_end, shift_start, slot_start_utc, slot_end_utc, shift_start_utc, capacity"


def old_module() -> types.ModuleType:
	source = subprocess.run(
		["git", "-C", own_site.REPO, "show", f"{BASELINE}:frappoint/booking/slot_generation.py"],
		check=True,
		capture_output=True,
		text=True,
	).stdout
	positional = """			exceptions,
			first_day,
			last_day,
			records.slot_minutes(provider),
			max(cint(provider.slot_capacity), 1),"""
	assert positional in source
	source = source.replace(positional, """			exceptions,
			first_day=first_day,
			last_day=last_day,
			slot_minutes=records.slot_minutes(provider),
			capacity=max(cint(provider.slot_capacity), 1),""")  # fmt: skip
	module = types.ModuleType("old_slot_generation")
	exec(compile(source, "old_slot_generation.py", "exec"), module.__dict__)
	return module


def make_providers(count: int, tag: str) -> list[str]:
	frappe.db.set_single_value("Service Appointment Settings", "max_advance_days", 89)  # today + 89 = 90 days
	service = frappe.get_all("Service Type", pluck="name", order_by="creation", limit=1)[0]  # the demo's
	names = []
	for n in range(count):
		doc = frappe.get_doc({
			"doctype": "Service Provider", "provider_name": f"Slot bench {tag} {n:03d} {frappe.generate_hash(length=4)}",
			"timezone": frappe.utils.get_system_timezone(), "slot_minutes": 15,
			"services": [{"service_type": service}],
			"shifts": [{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"} for d in WEEK],
		}).insert()  # fmt: skip
		names.append(doc.name)
	return names


def stored(names: list[str]) -> set[tuple]:
	"""Every slot row of `names`, each provider standing as its place in the list (two sets of
	providers compare), every column but the timestamps."""
	place = {name: str(n) for n, name in enumerate(names)}
	rows = frappe.db.sql(
		f"select {COLUMNS} from `tabService Provider Slot` where provider in %(n)s", {"n": names}
	)
	return {(row[0].replace(row[1], place[row[1]]), place[row[1]], *row[2:]) for row in rows}


def timed(label: str, run) -> tuple[float, list[dict]]:
	started = time.perf_counter()
	reports = run()
	seconds = time.perf_counter() - started
	created, removed = sum(r["created"] for r in reports), sum(r["removed"] for r in reports)
	skipped = sum(bool(r.get("unchanged")) for r in reports)
	print(f"  {label}: {seconds:.2f} s ({created:,} created, {removed:,} removed, {skipped} providers skipped)",
		flush=True)  # fmt: skip
	return seconds, reports


def main():
	args = options(__doc__, small=100, large=100)
	with rolled_back(args):
		from frappoint.booking import slot_generation

		old = old_module()
		frappe.flags.in_test = (
			False  # commit provider by provider, as the job does (the site is the benchmark's)
		)
		before_names, names = make_providers(args.small, "old"), make_providers(args.small, "new")
		print(f"2 x {len(names)} providers x 90 days, 09:00-17:00 every day in quarters; each pass commits "
			"provider by provider, as the hourly job does", flush=True)  # fmt: skip
		print("before (the module at " + BASELINE + "), on the first 100 providers:")
		old_first, _ = timed("first generation", lambda: old.regenerate_all(before_names, commit=True))
		old_again, _ = timed("a pass with no change", lambda: old.regenerate_all(before_names, commit=True))
		print("after, on the other 100 (into a table already holding the first 288,000):")
		first, _ = timed("first generation", lambda: slot_generation.regenerate_all(names, commit=True))
		again, _ = timed("a pass with no change", lambda: slot_generation.regenerate_all(names, commit=True))
		before, after = stored(before_names), stored(names)
		same = before == after
		print(f"  the same {len(after):,} slot rows as the old module's (provider for provider): {same}")
		print(f"=> first generation {first:.1f} s (target <= 15 s), {old_first / first:.1f}x faster; "
			f"no change {again * 1000:.0f} ms (target <= 1 s), {old_again / again:.0f}x faster")  # fmt: skip

		changed = frappe.get_doc("Service Provider", names[0])
		for row in changed.shifts:
			if row.weekday == "Monday":
				row.end_time = "12:00:00"
		changed.save()
		print(f"\n{names[0]}'s Monday now ends at 12:00:")
		_took, reports = timed("pass", lambda: slot_generation.regenerate_all(names, commit=True))
		now = stored(names)
		mine = reports[0]
		untouched = len(after & now)
		print(f"  rows inserted {len(now - after):,}, deleted {len(after - now):,}, untouched {untouched:,} "
			f"(its report: {mine['created']} created, {mine['removed']} removed, {mine['kept']} kept; "
			f"{sum(bool(r['unchanged']) for r in reports[1:])} other providers skipped)")  # fmt: skip
		left = old.regenerate(names[0], *slot_generation.horizon_days(changed))
		print(
			f"  the old module after it: {left.created} created, {left.removed} removed (nothing left to do)"
		)
		if not same:
			sys.exit(1)


if __name__ == "__main__":
	main()
