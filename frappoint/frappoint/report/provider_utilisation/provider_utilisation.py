# Copyright (c) 2026, Frappoint and contributors
# For license information, please see license.txt
"""Booked minutes against the minutes each provider was bookable (their slots), per provider. The figures come from `frappoint.analytics`."""

from frappe import _

from frappoint import analytics


def execute(filters=None):
	filters = filters or {}
	rows = analytics.utilisation(filters)
	columns = [
		{
			"fieldname": "provider",
			"label": _("Provider"),
			"fieldtype": "Link",
			"options": "Service Provider",
			"width": 200,
		},
		{
			"fieldname": "available_minutes",
			"label": _("Available (min)"),
			"fieldtype": "Float",
			"precision": 0,
			"width": 130,
		},
		{
			"fieldname": "booked_minutes",
			"label": _("Booked (min)"),
			"fieldtype": "Float",
			"precision": 0,
			"width": 120,
		},
		{"fieldname": "appointments", "label": _("Appointments"), "fieldtype": "Int", "width": 120},
		{"fieldname": "utilisation", "label": _("Utilisation %"), "fieldtype": "Percent", "width": 120},
	]
	chart = {
		"data": {
			"labels": [r["provider"] for r in rows],
			"datasets": [{"name": _("Utilisation %"), "values": [r["utilisation"] or 0 for r in rows]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
