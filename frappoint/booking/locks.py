"""Locks of the booking path beyond the rows it changes.

There is no site-wide booking lock: a booking locks the rows it touches (its appointment, its
provider's slot rows, its unit rows), in one fixed order (see `ledger`), and MariaDB's unique seat
index refuses a second claim on a seat. Those locking reads must not take InnoDB gap locks (two
bookings of neighbouring providers would deadlock on the gaps between their ledger rows), so a
booking runs at READ COMMITTED (`read_committed`), where InnoDB locks only the rows it reads and
every plain read sees what has been committed, after the locks were granted.
"""

import hashlib
import random
import time
from contextlib import contextmanager
from functools import wraps

import frappe
from frappe import _

from frappoint.booking.errors import ServerBusy

# A request that lost a lock race is run again this often before its caller hears "busy" (503).
CONTENTION_ATTEMPTS = 4
RETRY_AFTER_SECONDS = 2


def read_committed() -> None:
	"""End the request's transaction so far and run the rest at READ COMMITTED. For web requests and
	jobs that book, move or free seats; a no-op in tests, which keep one rolled-back transaction."""
	if frappe.flags.in_test:
		return
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.commit()


def repeatable_read() -> None:
	"""Drop what the transaction read so far and run the rest at REPEATABLE READ (MariaDB's and
	ERPNext's default; a worker that ran a booking job is left at READ COMMITTED): for a job that makes
	ERPNext documents, which it takes its locks for first. A no-op in tests, as `read_committed`."""
	if frappe.flags.in_test:
		return
	frappe.db.sql("set session transaction isolation level repeatable read")
	frappe.db.rollback()


class TransactionLost(frappe.QueryDeadlockError):
	"""The transaction a change ran in ended under it: MariaDB rolled it back (a deadlock's victim)
	and some code on the way caught the error and went on, or something committed. Its row locks are
	gone, so nothing it did after can be trusted: it is undone and the change is run again, like any
	deadlock's victim (`retry_contention`, the accounting runner)."""


class StaleSnapshot(frappe.QueryDeadlockError):
	"""A REPEATABLE READ transaction found, after its locks were granted, that its snapshot misses what
	the lock's previous holder committed: it is rolled back and run again, like a deadlock's victim."""


def refuse_stale_snapshot(what: str) -> None:
	count_guard("stale_snapshot")
	raise StaleSnapshot(what)


GUARDS = ("stale_snapshot", "transaction_lost")


def count_guard(guard: str) -> None:
	"""How often a guard above caught a change about to go on without its locks' view (the storms
	print these): a count in the site's cache, never a reason for the change itself to fail."""
	try:
		frappe.cache.incrby(frappe.cache.make_key(f"frappoint:guard:{guard}"), 1)
	except Exception:
		pass


def guard_counts() -> dict[str, int]:
	return {g: int(frappe.cache.get(frappe.cache.make_key(f"frappoint:guard:{g}")) or 0) for g in GUARDS}


@contextmanager
def all_or_nothing(savepoint: str):
	"""One multi-step change (a reschedule, an expiry in a sweep, an ERPNext step) inside a savepoint:
	if a step raises, every step is undone and the error goes on. A deadlock has already made MariaDB
	roll back the whole transaction, savepoints with it: then the rollback starts afresh.

	The savepoint also proves the change ran in one transaction: a deadlock caught and swallowed by
	code the change called (a framework hook that logs and goes on), or a commit, drops it, and
	the change is then undone and raised as `TransactionLost`, never kept half under its locks."""
	savepoint = f"{savepoint}_{frappe.generate_hash(length=8)}"  # unique: a nested one of the same name would replace it
	frappe.db.savepoint(savepoint)
	try:
		yield
	except Exception as e:
		try:
			frappe.db.rollback(save_point=savepoint)
		except Exception:
			frappe.db.rollback()
			if not isinstance(e, frappe.QueryDeadlockError):
				raise TransactionLost(savepoint) from e
		raise
	try:
		frappe.db.release_savepoint(savepoint)
	except Exception as e:
		frappe.db.rollback()
		count_guard("transaction_lost")
		raise TransactionLost(savepoint) from e


def named_locks(keys: list[str], timeout: int = 10) -> None:
	"""MariaDB named locks on `keys` (in sorted order) until this transaction ends: for decisions on
	rows that do not exist yet (a visitor's next hold). Raises if one is not granted in `timeout` s."""
	# A lock name is global to the MariaDB server (at most 64 characters): hash it with the site's.
	names = sorted(
		{
			"frappoint:" + hashlib.sha256(f"{frappe.local.site}|{key}".encode()).hexdigest()[:40]
			for key in keys
		}
	)
	for name in names:
		if not frappe.db.sql("select get_lock(%s, %s)", (name, timeout))[0][0]:
			frappe.throw(frappe._("The server is busy. Please try again."), frappe.QueryTimeoutError)

	def release():
		for name in names:
			frappe.db.sql("select release_lock(%s)", name)

	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)


def retry_contention(fn):
	"""Run `fn` (a request's whole write) again when MariaDB refuses it a lock: a deadlock's victim
	or a lock-wait timeout. Each attempt starts from a rolled-back transaction (MariaDB has already
	undone the victim's), after a short random pause so that the racers do not meet again; after
	CONTENTION_ATTEMPTS the caller gets a translated 503 with a Retry-After hint, never a 500.

	Tests run in one transaction that must survive: there an attempt is undone to a savepoint."""

	@wraps(fn)
	def retried(*args, **kwargs):
		for attempt in range(1, CONTENTION_ATTEMPTS + 1):
			if frappe.flags.in_test:
				frappe.db.savepoint("frappoint_attempt")
			try:
				return fn(*args, **kwargs)
			except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
				undo_attempt()
				frappe.local.message_log = []  # the lost attempt's messages are not the answer
				if attempt < CONTENTION_ATTEMPTS:
					time.sleep(random.uniform(0.02, 0.1) * attempt)
		frappe.local.flags.frappoint_retry_after = RETRY_AFTER_SECONDS
		frappe.throw(_("The server is busy. Please try again in a moment."), ServerBusy, title=_("Busy"))

	retried.retries_contention = True  # carried up by the decorators above it (functools.wraps)
	return retried


def undo_attempt() -> None:
	if frappe.flags.in_test:
		frappe.db.rollback(save_point="frappoint_attempt")
	else:
		frappe.db.rollback()


def add_retry_after(response=None, request=None) -> None:
	"""after_request hook: a 503 of `retry_contention` tells the client when to come back."""
	seconds = frappe.local.flags.get("frappoint_retry_after") if hasattr(frappe.local, "flags") else None
	if seconds and response is not None:
		response.headers["Retry-After"] = str(seconds)


def commit_job_step() -> None:
	"""Jobs commit each unit of work; tests keep everything in their one rolled-back transaction."""
	if not frappe.flags.in_test:
		frappe.db.commit()
