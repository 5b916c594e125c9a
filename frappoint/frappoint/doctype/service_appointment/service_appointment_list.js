const STATUS_COLOURS = {
	Open: "orange",
	Confirmed: "blue",
	Completed: "green",
	Cancelled: "red",
	"No Show": "gray",
};

frappe.listview_settings["Service Appointment"] = {
	add_fields: ["status", "start_time", "provider"],
	get_indicator(doc) {
		return [__(doc.status), STATUS_COLOURS[doc.status] || "gray", "status,=," + doc.status];
	},
};
