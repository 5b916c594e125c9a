"""Scheduler entry points: thin functions that enqueue or run one booking-service job."""

import frappe


def expire_stale_holds():
	from frappoint.booking.actions import expire_all_stale_holds

	expire_all_stale_holds()


def checkpoint_journal():
	"""Seal the journal chains that moved (see `journal.checkpoint`)."""
	from frappoint.booking.journal import checkpoint

	checkpoint()
	frappe.db.commit()


def send_reminders():
	from frappoint.notifications.reminders import send_due_reminders

	send_due_reminders()


def offer_waitlist():
	from frappoint.booking.waitlist import sweep

	sweep()


def dispatch_outbox():
	from frappoint.booking.outbox import dispatch

	dispatch()


def forget_done_outbox():
	from frappoint.booking.outbox import forget_done

	forget_done()


def reconcile_accounting():
	from frappoint.integrations.erpnext import erpnext_installed, reconcile

	if erpnext_installed():
		reconcile()


def keep_slots_generated():
	frappe.enqueue(
		"frappoint.tasks.regenerate_all_slots",
		queue="long",
		job_id="frappoint:slots:all",
		deduplicate=True,
	)


def regenerate_all_slots(publish: bool = False):
	from frappoint.booking.slot_generation import regenerate_all

	return regenerate_all(publish=publish, commit=True)


def regenerate_provider_slots(provider: str):
	from frappoint.booking.slot_generation import regenerate_all

	if frappe.db.exists("Service Provider", provider):
		return regenerate_all([provider], commit=True)
