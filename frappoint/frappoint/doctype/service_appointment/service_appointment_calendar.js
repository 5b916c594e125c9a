// Appointments on the calendar, coloured by their provider's calendar colour.
frappe.views.calendar["Service Appointment"] = {
	field_map: {
		start: "start_time",
		end: "end_time",
		id: "name",
		title: "title",
		color: "color",
	},
	filters: [
		{
			fieldtype: "Link",
			fieldname: "provider",
			options: "Service Provider",
			label: __("Provider"),
		},
		{
			fieldtype: "Link",
			fieldname: "service_type",
			options: "Service Type",
			label: __("Service Type"),
		},
	],
	get_events_method: "frappe.desk.calendar.get_events",
};
