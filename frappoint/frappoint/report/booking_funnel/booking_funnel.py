# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt
"""Holds, confirmations, completions, no-shows, lapsed holds and cancellations in the period, from the journal. The figures come from `frappoint.analytics`."""

from frappe import _

from frappoint import analytics


def execute(filters=None):
	filters = filters or {}
	rows = analytics.funnel(filters)
	columns = [
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 180},
		{"fieldname": "count", "label": _("Count"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "share_of_bookings",
			"label": _("Share of Bookings Started %"),
			"fieldtype": "Percent",
			"width": 200,
		},
		{
			"fieldname": "average_notice_hours",
			"label": _("Average Notice (Hours)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 180,
		},
	]
	chart = {
		"data": {
			"labels": [r["stage"] for r in rows],
			"datasets": [{"name": _("Count"), "values": [r["count"] for r in rows]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
