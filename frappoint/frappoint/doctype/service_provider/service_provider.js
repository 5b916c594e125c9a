// Copyright (c) 2026, Frappoint and contributors

frappe.ui.form.on("Service Provider", {
	setup(frm) {
		frm.set_df_property("timezone", "options", frappe.all_timezones || []);
	},
	refresh(frm) {
		if (frm.is_new()) return;
		const conflicts = {
			provider: frm.doc.name,
			availability_conflict: 1,
			status: ["in", ["Open", "Confirmed"]],
		};
		frappe.db.count("Service Appointment", { filters: conflicts }).then((count) => {
			if (!count) return;
			frm.dashboard.set_headline_alert(
				`<div class="text-warning">${__("{0} booked appointments fall outside this provider's availability.", [count])}
				<a href="#" data-action="show-conflicts">${__("Show them")}</a></div>`,
			);
			frm.dashboard.wrapper.find('[data-action="show-conflicts"]').on("click", (e) => {
				e.preventDefault();
				frappe.set_route("List", "Service Appointment", conflicts);
			});
		});
		frm.add_custom_button(__("Generate Slots"), () =>
			frm.call("generate_slots").then(({ message: r }) => {
				frappe.msgprint(
					__("{0} created, {1} removed, {2} unchanged.", [
						r.created,
						r.removed,
						r.kept,
					]) +
						(r.conflicts.length
							? "<br>" +
								__("Booked slots that no longer fit the shifts: {0}", [
									r.conflicts.join(", "),
								])
							: ""),
				);
			}),
		);
		frm.add_custom_button(__("Appointments"), () =>
			frappe.set_route("List", "Service Appointment", { provider: frm.doc.name }),
		);
		frm.add_custom_button(__("Calendar Link"), () =>
			frappe.confirm(
				__(
					"Make a new calendar subscription link for {0}? The previous link stops working.",
					[frm.doc.provider_name],
				),
				() =>
					frappe
						.xcall("frappoint.api.calendar.provider_feed", { provider: frm.doc.name })
						.then((url) =>
							frappe.msgprint({
								title: __("Calendar subscription link"),
								message:
									__(
										"Add this address to a calendar app (subscribe by URL). It is shown once; keep it private.",
									) +
									`<pre style="white-space: pre-wrap; word-break: break-all">${frappe.utils.escape_html(url)}</pre>`,
							}),
						),
			),
		);
	},
});
