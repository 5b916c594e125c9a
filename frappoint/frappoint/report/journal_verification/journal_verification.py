# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt

from frappe import _

from frappoint.booking.journal import verify


def execute(filters=None):
	verdict = verify()
	columns = [
		{"fieldname": "result", "label": _("Result"), "fieldtype": "Data", "width": 120},
		{"fieldname": "count", "label": _("Events Checked"), "fieldtype": "Int", "width": 130},
		{"fieldname": "position", "label": _("Broken At (#)"), "fieldtype": "Int", "width": 120},
		{
			"fieldname": "event",
			"label": _("Event"),
			"fieldtype": "Link",
			"options": "Appointment Event",
			"width": 140,
		},
		{"fieldname": "reason", "label": _("Why"), "fieldtype": "Data", "width": 140},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 360},
	]
	row = {
		"result": _("OK") if verdict.ok else _("BROKEN"),
		"count": verdict.count,
		"position": None if verdict.ok else verdict.broken_at + 1,
		"event": verdict.ref or None,
		"reason": verdict.reason.value if verdict.reason else None,
		"detail": verdict.detail,
	}
	return columns, [row]
