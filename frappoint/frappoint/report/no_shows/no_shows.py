# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt
"""Appointments that took place or were missed, and the no-shows among them, by service, provider or customer. The figures come from `frappoint.analytics`."""

from frappe import _

from frappoint import analytics


def execute(filters=None):
	filters = filters or {}
	rows = analytics.no_shows(filters)
	columns = [
		{
			"fieldname": "name",
			"label": _(analytics.text_filter(filters, "group_by") or "Service"),
			"fieldtype": "Data",
			"width": 220,
		},
		{"fieldname": "ended", "label": _("Took Place or Missed"), "fieldtype": "Int", "width": 160},
		{"fieldname": "no_shows", "label": _("No-shows"), "fieldtype": "Int", "width": 110},
		{"fieldname": "no_show_rate", "label": _("No-show Rate %"), "fieldtype": "Percent", "width": 130},
	]
	chart = {
		"data": {
			"labels": [r["name"] for r in rows[:20]],
			"datasets": [{"name": _("No-shows"), "values": [r["no_shows"] for r in rows[:20]]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
