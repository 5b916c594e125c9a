# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt
"""Booked appointments by weekday and hour of their start (site time): when demand peaks. The figures come from `frappoint.analytics`."""

from frappe import _

from frappoint import analytics


def execute(filters=None):
	filters = filters or {}
	rows = analytics.demand(filters)
	columns = [
		{"fieldname": "weekday", "label": _("Weekday"), "fieldtype": "Data", "width": 110},
		*[
			{"fieldname": f"h{h:02d}", "label": f"{h:02d}", "fieldtype": "Int", "width": 52}
			for h in range(24)
		],
		{"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 80},
	]
	chart = {
		"data": {
			"labels": [f"{h:02d}" for h in range(24)],
			"datasets": [{"name": r["weekday"], "values": [r[f"h{h:02d}"] for h in range(24)]} for r in rows],
		},
		"type": "line",
	}
	return columns, rows, None, chart
