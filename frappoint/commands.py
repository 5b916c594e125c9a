"""bench commands: `bench --site SITE frappoint make-demo | generate-slots | verify-journal [--checkpoint]`."""

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
@pass_context
def verify_journal(context, checkpoint=False):
	"""Check the whole appointment journal: every chain, the heads, the checkpoints and signatures."""
	from frappoint.booking import journal

	with connected(context) as frappe:
		if checkpoint:
			journal.checkpoint()
			frappe.db.commit()
		verdict = journal.verify()
		if verdict.ok:
			click.echo(f"OK: {verdict.count} events verified")
			return
		click.echo(
			f"BROKEN at event #{verdict.broken_at + 1} ({verdict.ref or 'end of journal'}): "
			f"{verdict.reason.value} - {verdict.detail}",
			err=True,
		)
		raise SystemExit(1)


commands = [frappoint]
