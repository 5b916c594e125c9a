// Copyright (c) 2026, Frappoint and contributors

frappe.query_reports["Demand by Weekday and Hour"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -29),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "service_type",
			label: __("Service"),
			fieldtype: "Link",
			options: "Service Type",
		},
	],
};
