"""Background work queued by the booking path and the notifications."""

import frappe


def enqueue_once(method: str, key: str, **kwargs) -> None:
	"""Run `method(**kwargs)` on a worker once this transaction commits; while a job with the same
	`key` waits in the queue, asking again adds nothing. Tests run it at once, inside their
	transaction (which never commits)."""
	frappe.enqueue(
		method,
		queue="short",
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		job_id=key,  # Frappe adds the site
		deduplicate=True,
		**kwargs,
	)
