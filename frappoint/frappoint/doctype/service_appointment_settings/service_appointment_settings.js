// Copyright (c) 2026, Frappoint and contributors

frappe.ui.form.on("Service Appointment Settings", {
	generate_slots_button(frm) {
		frappe
			.call({ method: "frappoint.api.desk.generate_all_slots", freeze: true })
			.then(() =>
				frappe.show_alert({ message: __("Slot generation started"), indicator: "blue" }),
			);
	},
});
