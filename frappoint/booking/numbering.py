"""Appointment numbers from a MariaDB sequence instead of Frappe's naming-series counter.

The counter is one row of `tabSeries`, read `FOR UPDATE` when a booking is named and locked until it
commits: every booking on the site would wait for the one before it. A sequence hands out numbers
without a lock. The admin's naming series still gives the prefix (`APT-.YYYY.-`); the number runs on
across years, and a booking that rolls back leaves a gap (as Frappe's own autoincrement names do).
"""

import frappe
from frappe.model.naming import parse_naming_series

APPOINTMENT_NUMBERS = "frappoint_appointment_number"
DEFAULT_SERIES = "APT-.YYYY.-"


def appointment_name(appointment) -> str:
	series = appointment.naming_series or DEFAULT_SERIES
	if "#" not in series:
		series += ".#####"  # as Frappe completes a series without digits
	return parse_naming_series(series, doc=appointment, number_generator=_next_number)


def _next_number(prefix: str, digits: int) -> str:
	number = frappe.db.sql(f"select nextval(`{APPOINTMENT_NUMBERS}`)")[0][0]
	return f"{number:0{digits}d}"


def ensure_sequence(name: str, start_after: int) -> None:
	"""Create the sequence `name` counting from `start_after` + 1 unless it exists (DDL: commits)."""
	exists = frappe.db.sql(
		"""select 1 from information_schema.tables
		where table_schema = database() and table_name = %s and table_type = 'SEQUENCE'""",
		name,
	)
	if not exists:
		frappe.db.sql_ddl(f"create sequence if not exists `{name}` start with {int(start_after or 0) + 1}")


def ensure_appointment_numbers() -> None:
	"""Start after every number the naming-series counters or stored appointments have used."""
	counted = frappe.db.sql("select max(current) from `tabSeries` where name like 'APT-%%'")[0][0]
	stored = frappe.db.sql(
		"""select max(cast(substring_index(name, '-', -1) as unsigned)) from `tabService Appointment`"""
	)[0][0]
	ensure_sequence(APPOINTMENT_NUMBERS, max(int(counted or 0), int(stored or 0)))
