"""The site's booking lock: one row (Service Appointment Settings' hidden `booking_lock`) that every
writer of seats and unit uses locks, never writes, before it locks slots or units.

The locking reads a booking needs take InnoDB gap locks; two bookings holding gap locks on
neighbouring ledger rows would deadlock on their inserts, so they take their seats one at a time.
The journal no longer needs this lock (each appointment has its own chain); the accounting job never
takes it.
"""

import frappe

SETTINGS = "Service Appointment Settings"
_LOCK = "select value from `tabSingles` where doctype = %s and field = 'booking_lock' for update"


def booking_lock() -> None:
	"""Lock the row until the transaction ends (made the first time it is needed)."""
	if not frappe.db.sql(_LOCK, SETTINGS):
		frappe.db.sql(
			"insert into `tabSingles` (doctype, field, value) values (%s, 'booking_lock', '0')", SETTINGS
		)
		frappe.db.sql(_LOCK, SETTINGS)
