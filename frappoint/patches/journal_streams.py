"""Carry a site's journal over from one site-wide chain to one chain per appointment.

The events already written stay as they are (they cannot be changed, and their signatures cover
them): they remain one chain, checked against the head the site recorded for it, which checkpoint 1
now seals and signs. Each appointment's head is set from its own events, so its next event chains to
its last old one, and a database sequence takes over the site-wide numbering.
"""

import frappe

from frappoint.booking.journal import checkpoint, ensure_order_sequence


def execute():
	ensure_order_sequence()  # DDL: commits
	# Each appointment's head: how many old events it has, and the hash of its last.
	frappe.db.sql(
		"""update `tabService Appointment` a
		join (select appointment, count(*) as events, max(sequence) as last
			from `tabAppointment Event` where stream_seq = 0 group by appointment) n on n.appointment = a.name
		join `tabAppointment Event` e on e.appointment = n.appointment and e.sequence = n.last
		set a.journal_seq = n.events, a.journal_hash = e.hash
		where ifnull(a.journal_seq, 0) = 0"""
	)
	legacy = frappe.db.sql("select 1 from `tabAppointment Event` where stream_seq = 0 limit 1")
	if legacy and not frappe.db.exists("Journal Checkpoint", {"number": 1}):
		checkpoint()  # seals every head and the old chain's head
	frappe.db.commit()
