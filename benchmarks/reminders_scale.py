"""The reminder sweep on a site with 1,000 and with 100,000 confirmed appointments (issue 15): it must
read only what is due.

Inside one transaction it adds N confirmed appointments in the year before and a year or two ahead
(with three sent messages each in Appointment Notification, as a busy site would have), plus 50 that start within the next day (due for their 24-hour reminder); then it times the sweep's
due-row query and counts the index and table entries MariaDB read for it (`Handler_read_*`), runs
the whole sweep (50 reminders rendered and queued), queries again (nothing left to send), adds to
N = 100,000 and repeats a week later (50 more due then); then rolls everything back.

  cd ~/frappe-bench && ./env/bin/python /path/to/frappoint/benchmarks/reminders_scale.py --site frappoint-bench.test
"""

import statistics
import time
from datetime import timedelta

import frappe
from in_process import options, rolled_back

APPOINTMENT = "Service Appointment"
DUE = 50


def add_appointments(count: int, offset: int, service: str, provider: str, now, due: bool = False) -> None:
	from frappoint.booking.clock import to_db, to_site

	stamp = frappe.utils.now_datetime() - timedelta(days=3)  # booked days ago
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "status", "service_type",
		"provider", "start_time", "end_time", "start_utc", "end_utc", "customer_name", "customer_email", "title"]  # fmt: skip
	for chunk in range(offset, offset + count, 20_000):
		rows = []
		for n in range(chunk, min(chunk + 20_000, offset + count)):
			if due:  # within the next day
				start = now + timedelta(minutes=30 + 20 * (n - offset))
			else:  # in the year before, or a year or two ahead: never in either round's window
				minutes = (n * 37) % (365 * 24 * 60)
				start = (
					now - timedelta(minutes=minutes + 60)
					if n % 2
					else now + timedelta(days=400, minutes=minutes)
				)
			end = start + timedelta(minutes=30)
			rows.append((f"APT-REMIND-{n}", stamp, stamp, "Administrator", "Administrator", 0, "Confirmed", service,
				provider, to_site(start), to_site(end), to_db(start), to_db(end), "Reminder Bench",
				f"remind-{n}@example.com", "Reminder Bench"))  # fmt: skip
		frappe.db.bulk_insert(APPOINTMENT, fields, rows)
		if not due:  # and the messages a site that busy has sent about them (confirmations, reminders)
			frappe.db.bulk_insert("Appointment Notification", ["name", "creation", "modified", "owner", "modified_by",
				"appointment", "audience", "news", "status"],
				[(f"{r[0]}:Customer:{news}", stamp, stamp, "Administrator", "Administrator", r[0], "Customer", news, "Sent")
					for r in rows for news in ("Appointment Confirmed", "Appointment Reminder:24", "Appointment Reminder:1")])  # fmt: skip


def handler_reads() -> int:
	rows = frappe.db.sql("show session status like 'Handler_read%'")
	return sum(int(value) for name, value in rows if name != "Handler_read_rnd_deleted")


def time_due_query(now, repeats: int = 7) -> tuple[float, int, int]:
	"""p50 of the 24-hour reminder's due-row query, the rows it returned and the index/table entries
	MariaDB read for it."""
	from frappoint.notifications.reminders import due_rows
	from frappoint.scheduling import Audience, News, Notice, message_key_suffix

	suffix = message_key_suffix(Notice(Audience.CUSTOMER, News.REMINDER), "24")
	times = []
	for _ in range(repeats):
		before = handler_reads()
		began = time.perf_counter()
		rows = due_rows(now, 24, suffix)
		times.append((time.perf_counter() - began) * 1000)
		read = handler_reads() - before
	return statistics.median(times), len(rows), read


def main():
	args = options(__doc__, small=1_000, large=100_000)
	with rolled_back(args):
		from frappoint.booking.clock import now as clock_now
		from frappoint.notifications.reminders import send_due_reminders
		from frappoint.tests.fixtures import ensure_outgoing_email, use_booking_settings

		use_booking_settings(notify_customers=1, reminder_hours="24, 1")
		ensure_outgoing_email()
		service, provider = frappe.db.sql(
			"select service_type, parent from `tabService Provider Service` limit 1"
		)[0]
		# far from today, so the site's own appointments are not in the window
		now = clock_now() + timedelta(days=3650)
		stored = frappe.db.count(APPOINTMENT)
		for size, offset in ((args.small, 0), (args.large - args.small, args.small)):
			add_appointments(size, offset, service, provider, now)
			add_appointments(DUE, 10_000_000 + offset, service, provider, now, due=True)
			total = frappe.db.count(APPOINTMENT) - stored
			p50, rows, read = time_due_query(now)
			began = time.perf_counter()
			sent = send_due_reminders(now=now)
			sweep = (time.perf_counter() - began) * 1000
			after, left, read_after = time_due_query(now)
			now += timedelta(days=7)  # the next round's window holds only its own 50
			print(f"{total:>8,} confirmed appointments ({rows} due): due query p50 {p50:.1f} ms, {read} rows read; "
				f"sweep sent {sent} in {sweep:.0f} ms ({sweep / max(sent, 1):.1f} ms each); "
				f"then {left} due, query p50 {after:.1f} ms, {read_after} rows read")  # fmt: skip


if __name__ == "__main__":
	main()
