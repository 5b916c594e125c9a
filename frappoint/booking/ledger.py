"""The booking ledger: seats claimed on slots and units in use, read plainly for availability or
with locks for a booking, and the row locks every action takes.

Every row lock of a booking is taken by a function here, in one order, the same in every action and
job: the row of the appointment acted on (when it exists: `lock_appointment`, `lock_appointment_row`)
-> that appointment's ledger rows -> the Payment Request being paid for it (`lock_payment_request`,
the payment callback only) -> slot rows of one provider, in start order (`lock_slots`) -> service unit
rows by name (`lock_units`). Seat and unit rows already claimed are then read with a shared "current"
read (`seat_claims`, `unit_uses` with `current`). Nothing else is locked: bookings of different
providers and units never wait for each other, across any number of web workers and hosts. Other
appointments are only ever locked with SKIP LOCKED (`lock_lapsed_hold`: an expired hold found on the
way), so no cycle can form. The appointment comes first because the accounting job holds it through
its ERPNext step; the journal appends under it.
Two locks are taken outside this module, in the same order: the journal reads the head of the
appointment already locked (`journal.record`) and its checkpoint job locks only the newest checkpoint
row; slot generation locks one provider's slot rows in start order and takes no appointment lock.
Writers run at READ COMMITTED (`locks.read_committed`): their locking reads take no gap locks, and
what they read after a lock is granted is what the holder before them committed.
A seat is a `seat_key` ("slot#seat") on a consumed-slot row; a unique index makes MariaDB refuse a
second claim on it even if this code were wrong. Releasing a seat clears its key.
"""

import copy

import frappe

from frappoint.booking import records
from frappoint.booking.clock import from_db, to_db
from frappoint.scheduling import SeatClaim, ServiceUnit, Status, UnitUse, holds_resources

APPOINTMENT = "Service Appointment"

# The ledger rows (consumed slots, used units) carry everything availability needs, so a booking can
# read them with a locking ("current") read after taking its row locks: a plain read would use the
# transaction's snapshot, which may predate the claim another booking committed while we waited.

CURRENT_READ = " lock in share mode"


def seat_claims(slot_names: list[str], current: bool = False) -> list:
	"""Rows (slot, seat_no, appointment, hold_until) of every seat still keyed on these slots."""
	if not slot_names:
		return []
	return frappe.db.sql(
		"""select slot, seat_no, parent as appointment, hold_until_utc
		from `tabService Appointment Slot`
		where parenttype = 'Service Appointment' and seat_key is not null and slot in %(slots)s"""
		+ (CURRENT_READ if current else ""),
		{"slots": slot_names},
		as_dict=True,
	)


def seat_claims_between(providers: list[str], first_start, last_start) -> list:
	"""Rows (slot, provider, slot_start_utc, seat_no, appointment, hold_until_utc) of every seat still
	keyed on a slot of these providers starting in [first_start, last_start]: one index range (provider, start) per provider,
	so that a month of twenty providers reads their seats and nobody else's."""
	if not providers:
		return []
	return frappe.db.sql(
		"""select slot, provider, slot_start_utc, seat_no, parent as appointment, hold_until_utc
		from `tabService Appointment Slot`
		where parenttype = 'Service Appointment' and seat_key is not null and provider in %(providers)s
			and slot_start_utc >= %(first)s and slot_start_utc <= %(last)s""",
		{"providers": providers, "first": to_db(first_start), "last": to_db(last_start)},
		as_dict=True,
	)


def ledger_status(hold_until) -> str:
	"""A keyed ledger row belongs to an Open hold while `hold_until_utc` is set, else to a booking."""
	return Status.OPEN.value if hold_until else Status.CONFIRMED.value


def unit_rows(unit_names: list[str], start, end, current: bool = False) -> list:
	"""Live ledger rows (service_unit, block_start_utc, block_end_utc, hold_until_utc) of these units
	overlapping [start, end)."""
	if not unit_names:
		return []
	return frappe.db.sql(
		"""select service_unit, block_start_utc, block_end_utc, hold_until_utc
		from `tabService Appointment Unit`
		where parenttype = 'Service Appointment' and live = 1
			and service_unit in %(units)s and block_start_utc < %(end)s and block_end_utc > %(start)s"""
		+ (CURRENT_READ if current else ""),
		{"units": unit_names, "start": to_db(start), "end": to_db(end)},
		as_dict=True,
	)


def uses_of(rows, now) -> list[UnitUse]:
	"""The unit rows whose appointment still holds resources at `now`, as the core's UnitUse."""
	return [
		UnitUse(r.service_unit, from_db(r.block_start_utc), from_db(r.block_end_utc))
		for r in rows
		if holds_resources(ledger_status(r.hold_until_utc), from_db(r.hold_until_utc), now)
	]


def unit_uses(unit_names: list[str], start, end, now, current: bool = False) -> list[UnitUse]:
	"""Uses of these units overlapping [start, end) by appointments that still hold resources."""
	return uses_of(unit_rows(unit_names, start, end, current), now)


def claims_as_core(rows, slot_keys: dict) -> list[SeatClaim]:
	return [
		SeatClaim(slot_keys[r.slot], ledger_status(r.hold_until_utc), from_db(r.hold_until_utc))
		for r in rows
		if r.slot in slot_keys
	]


def lock_slots(provider: str, block_start, block_end) -> list:
	"""Lock the provider's slots starting inside the block, in start order (see module lock order)."""
	return frappe.db.sql(
		"""select name, provider, slot_start_utc, slot_end_utc, shift_start_utc, capacity
		from `tabService Provider Slot`
		where provider = %(provider)s and slot_start_utc >= %(start)s and slot_start_utc < %(end)s
		order by slot_start_utc
		for update""",
		{"provider": provider, "start": to_db(block_start), "end": to_db(block_end)},
		as_dict=True,
	)


def lock_appointment(name: str):
	"""The appointment with its ledger rows, all read FOR UPDATE (its own row first): the module's
	lock order. The copy kept is what saving compares against (see the controller)."""
	doc = frappe.get_doc(APPOINTMENT, name, for_update=True)
	doc.flags.stored_copy = copy.deepcopy(doc)
	return doc


def lock_appointment_row(name: str):
	"""The appointment's own row only, for a job that decides before it loads the document: a locking
	read, so it takes no snapshot (a REPEATABLE READ transaction's first plain read after it does, and
	sees what the lock's previous holder committed). Returns the columns a job decides its locks on."""
	rows = frappe.db.sql(
		f"""select name, customer, party, customer_email, customer_name, modified, journal_seq, journal_hash
		from `tab{APPOINTMENT}` where name = %s for update""",
		name,
		as_dict=True,
	)
	return rows[0] if rows else None


def lock_payment_request(name: str):
	"""The Payment Request, read FOR UPDATE: taken under its appointment's lock, by the payment callback."""
	return frappe.get_doc("Payment Request", name, for_update=True)


def lock_units(required: dict[str, int]) -> list[ServiceUnit]:
	"""Enabled units of the required types, their rows locked in name order (last in the lock order)."""
	if not required:
		return []
	return records.units_as_core(records.unit_query(required).for_update().run(as_dict=True), required)


def lock_lapsed_hold(name: str) -> bool:
	"""Lock an Open appointment's row unless another transaction holds it (SKIP LOCKED: waiting here
	could deadlock with an action that waits for our slot locks); True when locked."""
	return bool(
		frappe.db.sql(
			f"select name from `tab{APPOINTMENT}` where name = %s and status = 'Open' for update skip locked",
			name,
		)
	)
