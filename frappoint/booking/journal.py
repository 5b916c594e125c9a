"""Writing and checking the appointment journal (Appointment Event rows).

Each event is hashed with the core's canonical form, chained to the previous one and signed with the
site's Ed25519 key (site config `frappoint_journal_key`). The chain head (sequence and last hash) lives
in Service Appointment Settings; its row is locked last in every booking transaction, which gives the
per-site sequence without gaps. Personal data never enters an event: the customer appears by record
name or as a salted hash.
"""

import base64
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import frappe
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frappoint.scheduling import GENESIS, StoredEvent, Verdict, canonical, event_hash, verify_chain
from frappoint.scheduling.journal import pseudonym

SETTINGS = "Service Appointment Settings"
KEY_CONFIG, SALT_CONFIG = "frappoint_journal_key", "frappoint_journal_salt"


def ensure_site_keys() -> None:
	"""Create the signing key and the pseudonym salt once per site (install and migrate)."""
	from frappe.installer import update_site_config

	if not frappe.conf.get(KEY_CONFIG):
		raw = Ed25519PrivateKey.generate().private_bytes_raw()
		update_site_config(KEY_CONFIG, base64.b64encode(raw).decode())
	if not frappe.conf.get(SALT_CONFIG):
		update_site_config(SALT_CONFIG, frappe.generate_hash(length=32))


def _private_key() -> Ed25519PrivateKey:
	key = frappe.conf.get(KEY_CONFIG) or frappe.get_site_config().get(KEY_CONFIG)
	if not key:
		ensure_site_keys()
		key = frappe.get_site_config().get(KEY_CONFIG)
	return Ed25519PrivateKey.from_private_bytes(base64.b64decode(key))


def public_key() -> Ed25519PublicKey:
	return _private_key().public_key()


def _salt() -> str:
	return frappe.conf.get(SALT_CONFIG) or frappe.get_site_config().get(SALT_CONFIG) or ""


def actor() -> str:
	"""Staff by user id; a customer (website user or guest) only by pseudonym."""
	user = frappe.session.user
	if user in ("Administrator", "Guest") or frappe.db.get_value("User", user, "user_type") == "System User":
		return user
	return "customer:" + pseudonym(user, _salt())


def customer_ref(appointment) -> str:
	"""The customer's record name, or a salted hash of the guest's email: never the person's data."""
	if appointment.party_type and appointment.party:
		return f"{appointment.party_type}:{appointment.party}"
	return "guest:" + pseudonym(appointment.customer_email or appointment.name, _salt())


def lock() -> None:
	"""Take the site's booking lock: the journal head row, locked FOR UPDATE until the transaction ends.

	Every booking action takes it first. Serialising the writers this way is what makes concurrent
	bookings deadlock-free: the locking reads a booking needs take InnoDB gap locks, and two bookings
	holding gap locks on neighbouring ledger rows would otherwise deadlock on their inserts.
	"""
	_lock_head()


def record(appointment, event_type: str, changes: dict | None = None) -> str:
	"""Append one event for `appointment` in the current transaction; returns the event's name."""
	sequence, prev_hash = _lock_head()
	payload = {
		"appointment": appointment.name,
		"event_type": event_type,
		"actor": actor(),
		"timestamp_ns": str(time.time_ns()),
		"party": customer_ref(appointment),
		"changes": json.loads(canonical(changes or {})),
	}
	digest = event_hash(prev_hash, payload)
	signature = base64.b64encode(_private_key().sign(digest.encode())).decode()
	event = frappe.get_doc(
		{
			"doctype": "Appointment Event",
			"sequence": sequence,
			**{k: v for k, v in payload.items() if k != "changes"},
			"changes": canonical(payload["changes"]).decode(),
			"prev_hash": prev_hash,
			"hash": digest,
			"signature": signature,
		}
	)
	event.flags.from_journal = True
	event.insert(ignore_permissions=True)
	frappe.db.set_single_value(SETTINGS, {"journal_sequence": sequence, "journal_head_hash": digest})
	return event.name


def _lock_head() -> tuple[int, str]:
	"""Lock the head rows (always the last lock a booking takes) and return the next sequence and the
	hash to chain to. Both values come from the locking read: a plain read could return the snapshot
	taken before another booking moved the head."""
	rows = dict(
		frappe.db.sql(
			"""select field, value from `tabSingles`
			where doctype = %s and field in ('journal_sequence', 'journal_head_hash') for update""",
			SETTINGS,
		)
	)
	if "journal_sequence" not in rows:
		frappe.db.set_single_value(SETTINGS, {"journal_sequence": 0, "journal_head_hash": GENESIS})
		return _lock_head()
	last = int(rows["journal_sequence"] or 0)
	return last + 1, (rows.get("journal_head_hash") or GENESIS) if last else GENESIS


EVENT_COLUMNS = (
	"name", "sequence", "appointment", "event_type", "actor", "timestamp_ns", "party", "changes",
	"prev_hash", "hash", "signature",
)  # fmt: skip
# One separated string per row: pymysql parses columns in Python, so 1 column reads ~5x faster than 11.
# \x1f cannot occur in any of them (JSON escapes control characters; names and hashes have none).
_ROW = "concat_ws(char(31), " + ", ".join(f"ifnull(`{c}`, '')" for c in EVENT_COLUMNS) + ")"


def stored_events(batch: int = 20_000):
	"""Every event as the core's StoredEvent, in sequence order, read in batches."""
	last = 0
	while True:
		rows = frappe.db.sql(
			f"select {_ROW}, sequence from `tabAppointment Event` where sequence > %s order by sequence limit %s",
			(last, batch),
		)
		if not rows:
			return
		for row, _sequence in rows:
			(
				name,
				sequence,
				appointment,
				event_type,
				actor_,
				timestamp_ns,
				party,
				changes,
				prev,
				digest,
				sig,
			) = row.split("\x1f")
			payload = {
				"appointment": appointment or None,
				"event_type": event_type or None,
				"actor": actor_ or None,
				"timestamp_ns": timestamp_ns or None,
				"party": party or None,
				"changes": json.loads(changes or "{}"),
			}
			yield StoredEvent(int(sequence), payload, prev, digest, sig, name)
		last = rows[-1][1]


def verify() -> Verdict:
	"""Check the whole journal: chain, order, completeness (against the head) and every signature.

	Signatures are the slow part (about 0.15 ms each), so they are checked on every CPU core while
	the chain is read and checked here."""
	events = []
	pending = []
	public = public_key().public_bytes_raw()
	with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
		chunk = []
		for event in stored_events():
			events.append(event)
			chunk.append((event.ref, event.hash, event.signature))
			if len(chunk) == SIGNATURE_CHUNK:
				pending.append(pool.submit(_forged_refs, public, chunk))
				chunk = []
		if chunk:
			pending.append(pool.submit(_forged_refs, public, chunk))
		forged = set().union(*(job.result() for job in pending))
	head = (
		int(frappe.db.get_single_value(SETTINGS, "journal_sequence") or 0),
		frappe.db.get_single_value(SETTINGS, "journal_head_hash") or GENESIS,
	)
	return verify_chain(events, head=head, signature_ok=lambda event: event.ref not in forged)


SIGNATURE_CHUNK = 5_000


def _forged_refs(public: bytes, chunk: list[tuple[str, str, str]]) -> set[str]:
	"""Runs in a worker process: the names of events whose signature does not verify."""
	key = Ed25519PublicKey.from_public_bytes(public)
	forged = set()
	for ref, digest, signature in chunk:
		try:
			key.verify(base64.b64decode(signature), digest.encode())
		except (InvalidSignature, ValueError):
			forged.add(ref)
	return forged


# --- guards and views ---------------------------------------------------------------------------

TRIGGERS = {
	"frappoint_journal_no_update": "BEFORE UPDATE",
	"frappoint_journal_no_delete": "BEFORE DELETE",
}


def ensure_triggers() -> None:
	"""MariaDB refuses UPDATE and DELETE on the journal table, whoever asks (DDL: commits first)."""
	frappe.db.commit()
	for name, timing in TRIGGERS.items():
		frappe.db.sql_ddl(
			f"""create trigger if not exists `{name}` {timing} on `tabAppointment Event` for each row
			signal sqlstate '45000' set message_text = 'Appointment Event rows are append-only'"""
		)


def drop_triggers() -> None:
	"""For tests that tamper with rows on purpose, and for uninstall."""
	frappe.db.commit()
	for name in TRIGGERS:
		frappe.db.sql_ddl(f"drop trigger if exists `{name}`")


def timeline(doctype: str, docname: str) -> list[dict]:
	"""The appointment's journal events as items of the desk form's timeline."""
	from frappe.utils import escape_html

	events = frappe.get_all(
		"Appointment Event",
		filters={"appointment": docname},
		fields=["name", "sequence", "event_type", "actor", "creation", "hash"],
		order_by="sequence asc",
	)
	return [
		{
			"icon": "lock",
			"creation": e.creation,
			"content": frappe._('Journal #{0}: {1} by {2} <span class="text-muted">{3}</span>').format(
				e.sequence,
				f'<a href="/app/appointment-event/{e.name}"><b>{escape_html(e.event_type)}</b></a>',
				escape_html(e.actor or ""),
				escape_html(e.hash[:12]),
			),
		}
		for e in events
	]
