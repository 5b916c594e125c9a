"""bench commands: `bench --site SITE frappoint make-demo | generate-slots | verify-journal [--checkpoint] [--strict]`."""

import json
from contextlib import contextmanager

import click
from frappe.commands import get_site, pass_context


@contextmanager
def connected(context):
	"""The command's site, connected; the caller commits what it wants kept."""
	import frappe

	with frappe.init_site(get_site(context)):
		frappe.connect()
		yield frappe


@click.group("frappoint")
def frappoint():
	"""Frappoint appointment booking."""


@frappoint.command("make-demo")
@pass_context
def make_demo(context):
	"""Create a small demo business: services, providers with shifts, units, slots, appointments."""
	from frappoint.demo import make_demo as build

	with connected(context) as frappe:
		summary = build()
		frappe.db.commit()
		click.echo(json.dumps(summary, indent=1, default=str))


@frappoint.command("generate-slots")
@click.option("--provider", multiple=True, help="Only these providers (default: every active one)")
@pass_context
def generate_slots(context, provider):
	"""Generate slots over the booking horizon now, reporting conflicts."""
	from frappoint.booking.slot_generation import regenerate_all

	with connected(context):
		for report in regenerate_all(list(provider) or None, commit=True):
			click.echo(
				f"{report['provider']}: {report['created']} created, {report['removed']} removed, "
				f"{report['kept']} kept, {len(report['conflicts'])} conflicts"
			)
			for conflict in report["conflicts"]:
				click.echo(f"  conflict: booked slot {conflict} no longer fits the shifts")


@frappoint.command("verify-journal")
@click.option("--checkpoint", is_flag=True, help="Seal the chains that moved first, as the scheduler does.")
@click.option("--strict", is_flag=True, help="Fail while any event is not yet sealed by a checkpoint.")
@pass_context
def verify_journal(context, checkpoint=False, strict=False):
	"""Check the whole appointment journal: every chain, the heads, the checkpoints and signatures.
	It says OK only when every event is also sealed by a checkpoint: until then the newest events could
	be cut together with their heads unseen (the scheduler seals every five minutes)."""
	from frappoint.booking import journal

	with connected(context) as frappe:
		if checkpoint:
			journal.checkpoint()
			frappe.db.commit()
		verdict = journal.verify()
		if verdict.ok and not verdict.unsealed:
			click.echo(f"OK: {verdict.count} events verified")
			return
		if verdict.ok:
			from frappe.utils import now_datetime, time_diff_in_seconds

			oldest = frappe.db.get_value("Appointment Event", verdict.oldest_unsealed, "creation")
			age = time_diff_in_seconds(now_datetime(), oldest) if oldest else 0
			click.echo(
				f"NOT SEALED: {verdict.count} events verified, but {verdict.unsealed} of them (the oldest written "
				f"{int(age // 60)} minutes ago) are not sealed by a checkpoint yet. Is the scheduler on? "
				"`verify-journal --checkpoint` seals them now.",
				err=True,
			)
			raise SystemExit(1 if strict else 0)
		click.echo(
			f"BROKEN at event #{verdict.broken_at + 1} ({verdict.ref or 'end of journal'}): "
			f"{verdict.reason.value} - {verdict.detail}",
			err=True,
		)
		raise SystemExit(1)


commands = [frappoint]
