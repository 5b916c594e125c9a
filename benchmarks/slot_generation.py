"""Slot generation, 100 providers x 90 days x 8 h at 15 minutes = 288,000 slots, against the code it
replaced, in one run.

Inside one transaction (rolled back at the end) it makes 100 providers and times, with the module as
it was before issue 26 (`git show BASELINE:frappoint/booking/slot_generation.py`, its one call into
the core spelled with keywords as the core now requires) and then with the current one: the first
generation, and a pass in which nothing changed. It checks that both leave exactly the same slot rows
(every column but the timestamps), then changes one provider's Monday shift and counts the rows the
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


def make_providers(count: int) -> list[str]:
	frappe.db.set_single_value("Service Appointment Settings", "max_advance_days", 89)  # today + 89 = 90 days
	service = frappe.get_doc({"doctype": "Service Type", "service_name": f"Slot bench {frappe.generate_hash(length=6)}",
		"duration_minutes": 30, "pricing_tiers": [{"tier": "Standard", "rate": 50}]}).insert()  # fmt: skip
	names = []
	for n in range(count):
		doc = frappe.get_doc({
			"doctype": "Service Provider", "provider_name": f"Slot bench {n:03d} {frappe.generate_hash(length=4)}",
			"timezone": frappe.utils.get_system_timezone(), "slot_minutes": 15,
			"services": [{"service_type": service.name}],
			"shifts": [{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"} for d in WEEK],
		}).insert()  # fmt: skip
		names.append(doc.name)
	return names


def stored(names: list[str]) -> set[tuple]:
	return set(
		frappe.db.sql(
			f"select {COLUMNS} from `tabService Provider Slot` where provider in %(n)s", {"n": names}
		)
	)


def forget(names: list[str]) -> None:
	frappe.db.sql("delete from `tabService Provider Slot` where provider in %(n)s", {"n": names})
	frappe.db.sql(
		"update `tabService Provider` set slot_fingerprint = null where name in %(n)s", {"n": names}
	)


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
		names = make_providers(args.small)
		print(f"{len(names)} providers x 90 days, 09:00-17:00 every day in quarters", flush=True)
		print("before (the module at " + BASELINE + "):")
		old_first, _ = timed("first generation", lambda: old.regenerate_all(names))
		old_again, _ = timed("a pass with no change", lambda: old.regenerate_all(names))
		before = stored(names)
		forget(names)
		print("after:")
		first, _ = timed("first generation", lambda: slot_generation.regenerate_all(names))
		again, _ = timed("a pass with no change", lambda: slot_generation.regenerate_all(names))
		after = stored(names)
		same = before == after
		print(f"  the same {len(after):,} slot rows as before: {same}")
		print(f"=> first generation {first:.1f} s (target <= 15 s), {old_first / first:.1f}x faster; "
			f"no change {again * 1000:.0f} ms (target <= 1 s), {old_again / again:.0f}x faster")  # fmt: skip

		changed = frappe.get_doc("Service Provider", names[0])
		for row in changed.shifts:
			if row.weekday == "Monday":
				row.end_time = "12:00:00"
		changed.save()
		print(f"\n{names[0]}'s Monday now ends at 12:00:")
		_took, reports = timed("pass", lambda: slot_generation.regenerate_all(names))
		now = stored(names)
		mine = reports[0]
		untouched = len(before & now)
		print(f"  rows inserted {len(now - before):,}, deleted {len(before - now):,}, untouched {untouched:,} "
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
