# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt
"""Completed appointments and their revenue by service or provider: submitted Sales Invoices when ERPNext bills them, else the appointments' rates. The figures come from `frappoint.analytics`."""

from frappe import _

from frappoint import analytics


def execute(filters=None):
	filters = filters or {}
	rows = analytics.revenue(filters)
	columns = [
		{
			"fieldname": "name",
			"label": _(analytics.text_filter(filters, "group_by") or "Service"),
			"fieldtype": "Data",
			"width": 220,
		},
		{"fieldname": "appointments", "label": _("Completed"), "fieldtype": "Int", "width": 110},
		{"fieldname": "revenue", "label": _("Revenue"), "fieldtype": "Currency", "width": 140},
	]
	chart = {
		"data": {
			"labels": [r["name"] for r in rows[:20]],
			"datasets": [{"name": _("Revenue"), "values": [r["revenue"] or 0 for r in rows[:20]]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
