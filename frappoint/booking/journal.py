"""Writing and checking the appointment journal (Appointment Event rows).

One chain per appointment: each event is hashed with the core's canonical form (its place in the
chain, `creation` and `owner` included), chained to the appointment's previous event and signed with
the site's Ed25519 key (site config `frappoint_journal_key`). Appending needs only the appointment's
own row lock, which every action already holds, so bookings of different appointments never wait
for the journal. The chain head (count and last hash) is kept on the appointment row. A database
sequence gives the site-wide order, without a lock.

Checkpoints (Journal Checkpoint, every five minutes) seal the head of every chain that moved since
the one before, chained and signed like events; the newest checkpoint is also written to a file in
the site's private folder. `verify` then finds an edited, reordered, re-signed or deleted event, a
chain whose newest events were cut off (even with its head rewritten) and a whole deleted chain, as
far as the newest checkpoint reaches. Personal data never enters an event: the customer appears by
record name or as a salted hash.
"""

import base64
import json
import os
import time
from datetime import timedelta

import frappe
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from frappe.utils import now_datetime

from frappoint.booking import journal_verification
from frappoint.booking.journal_verification import STAMP, stored_checkpoints, stored_events
from frappoint.booking.numbering import ensure_sequence
from frappoint.scheduling import GENESIS, Verdict, canonical, event_hash
from frappoint.scheduling.journal import pseudonym

__all__ = ["stored_checkpoints", "stored_events"]  # read here by callers from before the split

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


APPOINTMENT = "Service Appointment"
ORDER = "frappoint_journal_order"  # the MariaDB sequence behind `sequence`
EVENT_INSERT = """insert into `tabAppointment Event` (name, creation, modified, owner, modified_by, docstatus,
	idx, sequence, appointment, stream_seq, event_type, actor, timestamp_ns, party, changes, prev_hash,
	hash, signature) values (%s, %s, %s, %s, %s, 0, 0, nextval(`frappoint_journal_order`), %s, %s, %s, %s,
	%s, %s, %s, %s, %s, %s)"""


def ensure_order_sequence() -> None:
	"""The sequence that numbers events site-wide, starting after any event already stored (DDL)."""
	ensure_sequence(ORDER, frappe.db.sql("select max(sequence) from `tabAppointment Event`")[0][0])


def record(
	appointment,
	event_type: str,
	changes: dict | None = None,
	head_loaded: bool = False,
	caller_saves: bool = False,
) -> str:
	"""Append one event to `appointment`'s chain in the current transaction; returns its name.

	The caller holds the appointment's row lock (an action, the accounting job) or has just inserted
	it. The head is read with a locking read unless `head_loaded` (the document was loaded under that
	lock in this transaction, or was just inserted), and written here unless `caller_saves` (the
	caller saves the document, new head included, right after)."""
	if head_loaded:
		last, prev_hash = appointment.journal_seq or 0, appointment.journal_hash or GENESIS
	else:
		head = frappe.db.sql(
			f"select journal_seq, journal_hash from `tab{APPOINTMENT}` where name = %s for update",
			appointment.name,
		)
		last, prev_hash = (head[0][0] or 0, head[0][1] or GENESIS) if head else (0, GENESIS)
	stream_seq = last + 1
	created = now_datetime().strftime(STAMP)
	owner = frappe.session.user
	payload = {
		"appointment": appointment.name,
		"stream_seq": stream_seq,
		"event_type": event_type,
		"actor": actor(),
		"timestamp_ns": str(time.time_ns()),
		"party": customer_ref(appointment),
		"changes": json.loads(canonical(changes or {})),
		"creation": created,
		"owner": owner,
	}
	digest = event_hash(prev_hash, payload)
	name = frappe.generate_hash(length=10)
	frappe.db.sql(
		EVENT_INSERT,
		(
			name, created, created, owner, owner, appointment.name, stream_seq, event_type,
			payload["actor"], payload["timestamp_ns"], payload["party"], canonical(payload["changes"]).decode(),
			prev_hash, digest, _sign(digest),
		),
	)  # fmt: skip
	if not caller_saves:
		frappe.db.sql(
			f"update `tab{APPOINTMENT}` set journal_seq = %s, journal_hash = %s where name = %s",
			(stream_seq, digest, appointment.name),
		)
	appointment.journal_seq, appointment.journal_hash = stream_seq, digest
	return name


def _sign(digest: str) -> str:
	return base64.b64encode(_private_key().sign(digest.encode())).decode()


# --- checkpoints ---------------------------------------------------------------------------------

CHECKPOINT = "Journal Checkpoint"
# Chains that moved since a little before the previous checkpoint: a booking that committed late is
# sealed by the next one.
CHECKPOINT_OVERLAP_MINUTES = 10


def checkpoint() -> str | None:
	"""Seal the heads of the chains that moved since the previous checkpoint (all of them, the first
	time); None when nothing moved. The newest checkpoint row is locked: one writer at a time."""
	last = frappe.db.sql(
		f"select number, hash, creation from `tab{CHECKPOINT}` order by number desc limit 1 for update",
		as_dict=True,
	)
	number, prev_hash = (last[0].number + 1, last[0].hash) if last else (1, GENESIS)
	since = last[0].creation - timedelta(minutes=CHECKPOINT_OVERLAP_MINUTES) if last else None
	covers = [
		[name, seq, digest]
		for name, seq, digest in frappe.db.sql(
			f"""select name, journal_seq, journal_hash from `tab{APPOINTMENT}`
			where journal_seq > 0 {"and name in (select distinct appointment from `tabAppointment Event` where creation >= %(since)s)" if since else ""}
			order by name""",
			{"since": since},
		)
	]
	legacy = legacy_head() if number == 1 else None
	if not covers and last:
		return None
	created = now_datetime().strftime(STAMP)
	payload = {"number": number, "creation": created, "covers": covers, "legacy_head": legacy}
	digest = event_hash(prev_hash, payload)
	name = frappe.generate_hash(length=10)
	frappe.db.sql(
		f"""insert into `tab{CHECKPOINT}` (name, creation, modified, owner, modified_by, docstatus, idx,
		number, legacy_head, covered, covers, prev_hash, hash, signature)
		values (%s, %s, %s, %s, %s, 0, 0, %s, %s, %s, %s, %s, %s, %s)""",
		(
			name, created, created, frappe.session.user, frappe.session.user, number,
			json.dumps(legacy) if legacy else None, len(covers), json.dumps(covers), prev_hash, digest,
			_sign(digest),
		),
	)  # fmt: skip
	frappe.db.after_commit.add(lambda: write_anchor(number, digest))
	return name


def legacy_head() -> list | None:
	"""[count, last hash] of the site-wide chain of events written before per-appointment chains, as
	that chain's head recorded it (the old Settings values), or None when there are none."""
	if not frappe.db.sql("select 1 from `tabAppointment Event` where stream_seq = 0 limit 1"):
		return None
	rows = dict(
		frappe.db.sql(
			"""select field, value from `tabSingles` where doctype = %s
			and field in ('journal_sequence', 'journal_head_hash')""",
			SETTINGS,
		)
	)
	return [int(rows.get("journal_sequence") or 0), rows.get("journal_head_hash") or GENESIS]


def anchor_path() -> str:
	return frappe.get_site_path("private", "frappoint-journal-anchor.json")


def write_anchor(number: int, digest: str) -> None:
	"""Outside the database: a database administrator alone cannot cut the checkpoints' tail."""
	path = anchor_path()
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path + ".tmp", "w") as out:
		json.dump({"number": number, "hash": digest}, out)
	os.replace(path + ".tmp", path)


def read_anchor() -> tuple[int, str] | None:
	try:
		with open(anchor_path()) as source:
			data = json.load(source)
		return int(data["number"]), str(data["hash"])
	except (OSError, ValueError, KeyError, TypeError):
		return None


# --- reading and verifying: journal_verification.py ------------------------------------------------


def verify(full: bool = True, every_signature: bool = False) -> Verdict:
	"""See `journal_verification.verify`: this site's key and anchor."""
	return journal_verification.verify(
		public_key(), read_anchor(), full=full, every_signature=every_signature
	)


# --- guards and views ---------------------------------------------------------------------------

# MariaDB refuses UPDATE and DELETE on the journal tables, whoever asks.
TRIGGERS = {
	f"frappoint_{prefix}_no_{action.lower()}": (table, f"BEFORE {action}")
	for prefix, table in (("journal", "Appointment Event"), ("checkpoint", "Journal Checkpoint"))
	for action in ("UPDATE", "DELETE")
}


def ensure_triggers() -> None:
	"""(DDL: commits first.)"""
	frappe.db.commit()
	for name, (table, timing) in TRIGGERS.items():
		frappe.db.sql_ddl(
			f"""create trigger if not exists `{name}` {timing} on `tab{table}` for each row
			signal sqlstate '45000' set message_text = '{table} rows are append-only'"""
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
		fields=["name", "stream_seq", "event_type", "actor", "creation", "hash"],
		order_by="sequence asc",
	)
	return [
		{
			"icon": "lock",
			"creation": e.creation,
			"content": frappe._('Journal #{0}: {1} by {2} <span class="text-muted">{3}</span>').format(
				e.stream_seq or position,
				f'<a href="/app/appointment-event/{e.name}"><b>{escape_html(e.event_type)}</b></a>',
				escape_html(e.actor or ""),
				escape_html(e.hash[:12]),
			),
		}
		for position, e in enumerate(events, start=1)
	]
