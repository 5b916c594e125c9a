"""Locks of the booking path beyond the rows it changes.

There is no site-wide booking lock: a booking locks the rows it touches (its appointment, its
provider's slot rows, its unit rows), in one fixed order (see `service`), and MariaDB's unique seat
index refuses a second claim on a seat. Those locking reads must not take InnoDB gap locks (two
bookings of neighbouring providers would deadlock on the gaps between their ledger rows), so a
booking runs at READ COMMITTED (`read_committed`), where InnoDB locks only the rows it reads and
every plain read sees what has been committed, after the locks were granted.
"""

import hashlib
from contextlib import contextmanager

import frappe


def read_committed() -> None:
	"""End the request's transaction so far and run the rest at READ COMMITTED. For web requests and
	jobs that book, move or free seats; a no-op in tests, which keep one rolled-back transaction."""
	if frappe.flags.in_test:
		return
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.commit()


@contextmanager
def all_or_nothing(savepoint: str):
	"""One multi-step change (a reschedule, an expiry in a sweep, an ERPNext step) inside a savepoint:
	if a step raises, every step is undone and the error goes on. A deadlock has already made MariaDB
	roll back the whole transaction, savepoints with it: then the rollback starts afresh."""
	frappe.db.savepoint(savepoint)
	try:
		yield
	except Exception:
		try:
			frappe.db.rollback(save_point=savepoint)
		except Exception:
			frappe.db.rollback()
		raise


def named_locks(keys: list[str], timeout: int = 10) -> None:
	"""MariaDB named locks on `keys` (in sorted order) until this transaction ends: for decisions on
	rows that do not exist yet (a visitor's next hold). Raises if one is not granted in `timeout` s."""
	# A lock name is global to the MariaDB server (at most 64 characters): hash it with the site's.
	names = sorted({"frappoint:" + hashlib.sha256(f"{frappe.local.site}|{key}".encode()).hexdigest()[:40] for key in keys})
	for name in names:
		if not frappe.db.sql("select get_lock(%s, %s)", (name, timeout))[0][0]:
			frappe.throw(frappe._("The server is busy. Please try again."), frappe.QueryTimeoutError)

	def release():
		for name in names:
			frappe.db.sql("select release_lock(%s)", name)

	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)
