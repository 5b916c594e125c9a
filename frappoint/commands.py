"""bench commands: `bench --site SITE frappoint make-demo | generate-slots | verify-journal [--checkpoint] [--strict] [--full]`."""

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
@click.option("--force", is_flag=True, help="Regenerate every horizon whole, even where nothing changed.")
@pass_context
def generate_slots(context, provider, force=False):
	"""Generate slots over the booking horizon now, reporting conflicts. A provider whose shifts,
	exceptions, sizes and horizon did not change since the last pass is skipped (said as unchanged)."""
	from frappoint.booking.slot_generation import regenerate_all

	with connected(context):
		for report in regenerate_all(list(provider) or None, commit=True, force=force):
			if report["unchanged"]:
				click.echo(f"{report['provider']}: unchanged")
				continue
			click.echo(
				f"{report['provider']}: {report['created']} created, {report['removed']} removed, "
				f"{report['kept']} kept, {len(report['conflicts'])} conflicts"
			)
			for conflict in report["conflicts"]:
				click.echo(f"  conflict: booked slot {conflict} no longer fits the shifts")


@frappoint.command("verify-journal")
@click.option("--checkpoint", is_flag=True, help="Seal the chains that moved first, as the scheduler does.")
@click.option("--strict", is_flag=True, help="Fail while any event is not yet sealed by a checkpoint.")
@click.option(
	"--full", is_flag=True, help="Re-hash every event and walk every chain, not only what is unsealed."
)
@click.option(
	"--signatures",
	is_flag=True,
	help="With --full: also each sealed event's own signature (about 0.2 ms each).",
)
@pass_context
def verify_journal(context, checkpoint=False, strict=False, full=False, signatures=False):
	"""Check the appointment journal against its signed checkpoints.

	By default it checks what the newest checkpoint has not sealed: the checkpoint chain and the
	newest one's signature, that every sealed chain still reaches its sealed position (and its
	appointment's head still names the sealed hash), the heads the newest checkpoint sealed re-hashed,
	and every event after a seal (hash, chain and signature): seconds at any size. An edit to an older,
	sealed event is found by --full, which re-hashes the whole history. It says OK
	only when every event is also sealed by a checkpoint: until then the newest events could be cut
	together with their heads unseen (the scheduler seals every five minutes)."""
	from frappoint.booking import journal

	with connected(context) as frappe:
		if checkpoint:
			journal.checkpoint()
			frappe.db.commit()
		verdict = journal.verify(full=full, every_signature=signatures)
		if verdict.ok and not verdict.unsealed:
			click.echo(f"OK: {verdict.count} events verified" + _how(verdict))
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


def _how(verdict) -> str:
	if verdict.checked is None:
		return ""
	return f" ({verdict.checked} re-hashed after the checkpoints' seals; --full re-hashes all)"


commands = [frappoint]
