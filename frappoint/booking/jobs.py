"""Background work queued by the booking path and the notifications."""

import frappe
from frappe.utils.background_jobs import get_job
from rq.job import JobStatus


def enqueue_once(method: str, key: str, **kwargs) -> None:
	"""Run `method(**kwargs)` on a worker once this transaction commits; while a job with the same
	`key` waits in the queue, asking again adds nothing. Tests run it at once, inside their
	transaction (which never commits)."""
	if not frappe.flags.in_test:
		job = get_job(key)
		if job and job.get_status() == JobStatus.STARTED:
			# Frappe's deduplication would drop this one too, yet the running job may have read before
			# this change: one more run after it (e.g. a wait-list offer for a time freed just now).
			key = f"{key}:again"
	frappe.enqueue(
		method,
		queue="short",
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		job_id=key,  # Frappe adds the site
		deduplicate=True,
		**kwargs,
	)
