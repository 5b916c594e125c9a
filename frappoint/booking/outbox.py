"""The outbox: the follow-up work a booking change asks for (a message, an accounting step, a
wait-list offer) is a `Booking Outbox` row written in the change's own transaction, so it exists
exactly when the change does: a refused or rolled-back change asks for nothing, a committed one
cannot lose its follow-up.

After the commit a job runs the row at once. Whatever is still pending afterwards (the process died
between the commit and the queue, a worker was killed mid-job, the work failed) is run again by the
dispatcher until it is done or has failed MAX_ATTEMPTS times. Any web request starts the dispatcher
at most every KICK_SECONDS when something is due, and the scheduler every minute, so pending work is
picked up within about a minute whether or not the scheduler runs. The work itself is idempotent
(each handler decides from what is stored, under its own locks: a message by its key, an accounting
step by the appointment's status, an offer by the seats' unique index), so a second run of a row
finds its work done. Rows never hold a lock while their work runs: a run claims its row by moving
`not_before_utc` past the work's expected length (a lease) and committing.
"""

import json
import random
import time
from datetime import timedelta

import frappe

from frappoint.booking.clock import now as clock_now
from frappoint.booking.clock import to_db
from frappoint.booking.locks import commit_job_step, read_committed

OUTBOX = "Booking Outbox"
# A run claims its row for this long; a run killed mid-way is retried once it has passed.
LEASE = timedelta(seconds=30)
# The dispatcher leaves a new row this long to the job queued after its commit.
GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 8
KICK_SECONDS = 15


class RetryLater(Exception):
	"""Raised by a handler that did part of its work and wants the rest tried again (a lock race)."""


def add(method: str, key: str, **kwargs) -> None:
	"""Run `method(**kwargs)` once this transaction commits, and again until it succeeds. Rows with the
	same `key` not yet started when one of them starts are done by that run (they were committed
	before it, so it sees their changes). Tests run it at once, inside their transaction."""
	name = record(method, key, **kwargs)
	if frappe.flags.in_test:
		run(name, first=True, raise_errors=True)
		return
	frappe.enqueue(
		"frappoint.booking.outbox.run",
		queue="short",
		enqueue_after_commit=True,
		job_id=f"frappoint-outbox::{name}",
		name=name,
		first=True,
	)


def record(method: str, key: str, **kwargs) -> str:
	"""The row alone, pending (the dispatcher's after GRACE); its name."""
	if not method.startswith("frappoint."):
		raise ValueError(f"the outbox runs Frappoint's own methods, not {method}")
	name = frappe.generate_hash(length=12)
	now = clock_now()
	frappe.db.sql(
		"""insert into `tabBooking Outbox` (name, creation, modified, owner, modified_by, job_key, method,
			arguments, run_as, status, attempts, not_before_utc)
		values (%(name)s, %(stamp)s, %(stamp)s, %(user)s, %(user)s, %(key)s, %(method)s, %(arguments)s,
			%(user)s, 'Pending', 0, %(not_before)s)""",
		{
			"name": name,
			"stamp": frappe.utils.now(),
			"user": frappe.session.user,
			"key": key[:240],
			"method": method,
			"arguments": json.dumps(kwargs, sort_keys=True, default=str),
			"not_before": to_db(now + GRACE),
		},
	)
	return name


def run(name: str, first: bool = False, raise_errors: bool = False) -> bool:
	"""Run one row if it is due (or, `first`, not yet started) and nobody else runs it; True if it
	ran to the end."""
	row = _claim(name, first)
	if row is None:
		return False
	user, run_as = frappe.session.user, row.run_as or "Administrator"
	if frappe.flags.in_test:
		frappe.db.savepoint("frappoint_outbox_run")
	try:
		if run_as != user:  # the dispatcher runs rows queued by anyone as their own user
			frappe.set_user(run_as)
		frappe.get_attr(row.method)(**json.loads(row.arguments or "{}"))
	except Exception as e:
		if raise_errors:
			raise
		_failed(row, e)
		return False
	finally:
		if frappe.session.user != user:
			frappe.set_user(user)
	commit_job_step()  # the work's own last step, before the row says it is done
	frappe.db.sql(
		"update `tabBooking Outbox` set status = 'Done', done_utc = %s, last_error = null where name = %s",
		(to_db(clock_now()), name),
	)
	commit_job_step()
	return True


def dispatch(limit: int = 500) -> int:
	"""Run every pending row that is due, oldest first; how many ran to the end."""
	read_committed()
	return sum(run(name) for name in _due(limit))


def _due(limit: int) -> list[str]:
	"""Pending rows whose grace, lease or back-off has passed, oldest first."""
	return frappe.db.sql_list(
		"""select name from `tabBooking Outbox` where status = 'Pending' and not_before_utc <= %s
		order by not_before_utc limit %s""",
		(to_db(clock_now()), limit),
	)


def kick(response=None, request=None) -> None:
	"""after_request hook: at most every KICK_SECONDS per site, queue the dispatcher when something is
	due, so that pending work does not wait for the scheduler (which may not run at all). Never lets
	the request fail."""
	try:
		if frappe.flags.in_test or not frappe.cache.set(
			frappe.cache.make_key("frappoint:outbox:kick"), 1, ex=KICK_SECONDS, nx=True
		):
			return
		if _due(1):
			frappe.enqueue(
				"frappoint.booking.outbox.dispatch",
				queue="short",
				# One per period: a dispatcher killed mid-run (its job left "started") blocks only its own.
				job_id=f"frappoint-outbox-dispatch:{int(time.time()) // KICK_SECONDS}",
				deduplicate=True,
			)
	except Exception:
		frappe.logger("frappoint").warning("could not kick the outbox dispatcher", exc_info=True)


def forget_done(days: int = 7) -> int:
	"""Daily: done rows older than `days` go (failed ones stay for an admin to read)."""
	cutoff = to_db(clock_now() - timedelta(days=days))
	frappe.db.sql("delete from `tabBooking Outbox` where status = 'Done' and done_utc < %s", cutoff)
	count = frappe.db._cursor.rowcount
	commit_job_step()
	return count


def _claim(name: str, first: bool):
	"""Lease the row (and mark done the unstarted rows of its key, which this run covers); the row, or
	None when it is done, failed or in another run's hands."""
	if not frappe.flags.in_test:
		read_committed()  # see the latest state of the row and of what the work decides on
	now = clock_now()
	frappe.db.sql(
		"""update `tabBooking Outbox` set attempts = attempts + 1, not_before_utc = %(until)s
		where name = %(name)s and status = 'Pending'
			and (not_before_utc <= %(now)s or (%(first)s and attempts = 0))""",
		{"name": name, "until": to_db(now + LEASE), "now": to_db(now), "first": int(first)},
	)
	if frappe.db._cursor.rowcount != 1:
		commit_job_step()
		return None
	row = frappe.db.get_value(
		OUTBOX, name, ["name", "job_key", "method", "arguments", "run_as", "attempts"], as_dict=True
	)
	frappe.db.sql(
		"""update `tabBooking Outbox` set status = 'Done', done_utc = %s, last_error = %s
		where job_key = %s and status = 'Pending' and attempts = 0 and name != %s""",
		(to_db(now), f"Covered by {name}", row.job_key, name),
	)
	commit_job_step()
	return row


def _failed(row, error: Exception) -> None:
	"""Undo the failed run's work; try again later (sooner for a lock race), or give up and log."""
	if frappe.flags.in_test:
		frappe.db.rollback(save_point="frappoint_outbox_run")
	else:
		frappe.db.rollback()
	frappe.clear_last_message()
	text = (frappe.utils.strip_html(str(error)) or error.__class__.__name__)[:1000]
	if row.attempts >= MAX_ATTEMPTS:
		frappe.log_error(title=f"Frappoint: {row.method} failed {row.attempts} times ({row.name})")
		frappe.db.sql(
			"update `tabBooking Outbox` set status = 'Failed', last_error = %s where name = %s",
			(text, row.name),
		)
	else:
		# A lost race is tried again soon; anything else backs off (5 s, 10 s, ... up to 10 minutes).
		base = 2 * row.attempts if isinstance(error, RetryLater) else min(5 * 2 ** (row.attempts - 1), 600)
		wait = base * random.uniform(0.8, 1.2)
		frappe.db.sql(
			"update `tabBooking Outbox` set not_before_utc = %s, last_error = %s where name = %s",
			(to_db(clock_now() + timedelta(seconds=wait)), text, row.name),
		)
	commit_job_step()
