// Copyright (c) 2026, Frappoint and contributors

frappe.ui.form.on("Service Provider", {
	setup(frm) {
		frm.set_df_property("timezone", "options", frappe.all_timezones || []);
	},
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Generate Slots"), () =>
			frm.call("generate_slots").then(({ message: r }) => {
				frappe.msgprint(
					__("{0} created, {1} removed, {2} unchanged.", [r.created, r.removed, r.kept]) +
						(r.conflicts.length
							? "<br>" + __("Booked slots that no longer fit the shifts: {0}", [r.conflicts.join(", ")])
							: "")
				);
			})
		);
		frm.add_custom_button(__("Appointments"), () =>
			frappe.set_route("List", "Service Appointment", { provider: frm.doc.name })
		);
	},
});
