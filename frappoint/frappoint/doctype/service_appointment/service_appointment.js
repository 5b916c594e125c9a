// Copyright (c) 2026, Frappoint and contributors
// Actions follow the lifecycle; the server decides whether each is allowed.

const ACTIONS = {
	Open: [
		["confirm", __("Confirm")],
		["cancel_appointment", __("Cancel")],
		["reschedule", __("Reschedule")],
		["reassign", __("Reassign")],
	],
	Confirmed: [
		["start", __("Start")],
		["complete", __("Complete")],
		["mark_no_show", __("No Show")],
		["cancel_appointment", __("Cancel")],
		["reschedule", __("Reschedule")],
		["reassign", __("Reassign")],
	],
};

frappe.ui.form.on("Service Appointment", {
	setup(frm) {
		frm.set_query("party_type", () => ({
			filters: { name: ["in", ["Customer", "Lead", "Contact"]] },
		}));
		frm.set_query("provider", () => ({
			query: "frappoint.api.desk.providers_for_service",
			filters: { service_type: frm.doc.service_type || "" },
		}));
		// With ERPNext: the customer's own open order (a package of sessions) to bill this visit from.
		frm.set_query("sales_order", () => ({
			filters: {
				docstatus: 1,
				status: ["not in", ["Closed", "Completed", "On Hold"]],
				...(frm.doc.party_type === "Customer" && frm.doc.party
					? { customer: frm.doc.party }
					: {}),
			},
		}));
	},
	service_type(frm) {
		offer_tiers(frm);
	},
	refresh(frm) {
		offer_tiers(frm);
		if (frm.is_new()) {
			frm.add_custom_button(__("Find a Time"), () => find_a_time(frm));
			return;
		}
		for (const [method, label] of ACTIONS[frm.doc.status] || []) {
			frm.add_custom_button(label, () => run_action(frm, method), __("Actions"));
		}
		if (frm.doc.accounting_status === "Failed") {
			frm.dashboard.set_headline_alert(
				`<div class="text-danger">${__("Accounting failed: {0}", [frappe.utils.escape_html(frm.doc.accounting_error || "")])}</div>`,
			);
			frm.add_custom_button(__("Retry Accounting"), () =>
				frm.call("retry_accounting").then(() => frm.reload_doc()),
			);
		}
		if (frm.doc.availability_conflict && ACTIONS[frm.doc.status]) show_conflict(frm);
		if (frm.doc.override_reason) {
			// It took the free seats and rooms; only what was not free is overbooked.
			const overbooked = frm.doc.overbooked
				? " " + __("Overbooked: {0}", [frappe.utils.escape_html(frm.doc.overbooked)])
				: " " + __("Nothing is overbooked: the seats and rooms were free.");
			frm.dashboard.add_comment(
				__("Booked outside the rules: {0}", [
					frappe.utils.escape_html(frm.doc.override_reason),
				]) + overbooked,
				"orange",
				true,
			);
		}
		for (const field of ["rescheduled_from", "rescheduled_to"]) {
			if (frm.doc[field]) {
				frm.add_custom_button(__(frappe.meta.get_label(frm.doctype, field)), () =>
					frappe.set_route("Form", frm.doctype, frm.doc[field]),
				);
			}
		}
	},
});

function run_action(frm, method) {
	if (method === "cancel_appointment") {
		frappe.prompt(
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
			({ reason }) => frm.call(method, { reason }).then(() => frm.reload_doc()),
			__("Cancel appointment"),
		);
	} else if (method === "reschedule") {
		frappe.prompt(
			[
				{ fieldname: "new_start", fieldtype: "Datetime", label: __("New start"), reqd: 1 },
				{
					fieldname: "provider",
					fieldtype: "Link",
					options: "Service Provider",
					label: __("Provider"),
					default: frm.doc.provider,
				},
			],
			(values) =>
				frm
					.call(method, values)
					.then((r) => frappe.set_route("Form", frm.doctype, r.message)),
			__("Reschedule"),
		);
	} else if (method === "reassign") {
		frappe.prompt(
			{
				fieldname: "provider",
				fieldtype: "Link",
				options: "Service Provider",
				label: __("New provider"),
				reqd: 1,
			},
			({ provider }) => frm.call(method, { provider }).then(() => frm.reload_doc()),
			__("Reassign to another provider"),
		);
	} else {
		frm.call(method).then(() => frm.reload_doc());
	}
}

// The provider's leave or shifts no longer cover this booking: say so, and offer the ways out.
function show_conflict(frm) {
	frm.dashboard.set_headline_alert(
		`<div class="text-warning">${frappe.utils.escape_html(frm.doc.availability_note || __("Outside the provider's availability."))}</div>`,
	);
	const group = __("Outside Availability");
	frm.add_custom_button(
		__("Suggest a Provider"),
		() =>
			frm.call("suggest_provider").then(({ message: provider }) => {
				if (!provider) {
					frappe.msgprint(
						__(
							"No other provider is free at this time. Reschedule, or ask the customer to choose a new time.",
						),
					);
					return;
				}
				frappe.confirm(
					__("{0} is free at this time. Reassign the appointment to them?", [
						provider.bold(),
					]),
					() => frm.call("reassign", { provider }).then(() => frm.reload_doc()),
				);
			}),
		group,
	);
	frm.add_custom_button(
		__("Ask Customer to Reschedule"),
		() =>
			frm
				.call("ask_customer_to_reschedule")
				.then(({ message: sent }) =>
					frappe.msgprint(
						sent
							? __("The customer is emailed a link to choose a new time.")
							: __("The customer was already asked to choose a new time."),
					),
				),
		group,
	);
}

// The pricing tier is chosen among the service's own tiers (the server checks it again).
function offer_tiers(frm) {
	if (!frm.doc.service_type) return;
	frappe.db.get_doc("Service Type", frm.doc.service_type).then((service) => {
		const tiers = (service.pricing_tiers || []).map((t) => t.tier);
		frm.set_df_property("pricing_tier", "options", ["", ...tiers]);
		if (frm.is_new() && !tiers.includes(frm.doc.pricing_tier))
			frm.set_value("pricing_tier", tiers[0] || "");
	});
}

// A walk-in: the free times of a day per provider, from the same availability the portal shows;
// clicking one fills the form, and saving books it.
function find_a_time(frm) {
	const zone = frappe.boot.time_zone?.system || "UTC";
	const dialog = new frappe.ui.Dialog({
		title: __("Find a Time"),
		size: "large",
		fields: [
			{
				fieldname: "service_type",
				fieldtype: "Link",
				options: "Service Type",
				label: __("Service"),
				reqd: 1,
				default: frm.doc.service_type,
				onchange: () => load(),
			},
			{
				fieldname: "provider",
				fieldtype: "Link",
				options: "Service Provider",
				label: __("Provider (empty: any)"),
				default: frm.doc.provider,
				onchange: () => load(),
			},
			{ fieldname: "column_break", fieldtype: "Column Break" },
			{
				fieldname: "day",
				fieldtype: "Date",
				label: __("Day"),
				reqd: 1,
				default: frappe.datetime.get_today(),
				onchange: () => load(),
			},
			{ fieldname: "section", fieldtype: "Section Break" },
			{ fieldname: "times", fieldtype: "HTML" },
		],
	});
	const area = dialog.fields_dict.times.$wrapper;
	// The day asked for, or the first day of the week from it with a free time.
	const load = () => {
		const { service_type, provider, day } = dialog.get_values(true) || {};
		if (!service_type || !day) return;
		area.html(`<p class="text-muted">${__("Loading free times…")}</p>`);
		const to_date = frappe.datetime.add_days(day, 6);
		frappe
			.xcall("frappoint.api.booking.availability", {
				service_type,
				provider: provider || null,
				from_date: day,
				to_date,
				timezone: zone,
			})
			.then(({ slots }) => {
				if (!slots.length) {
					area.html(
						`<p>${__("No free times from {0} to {1}.", [frappe.datetime.str_to_user(day), frappe.datetime.str_to_user(to_date)])}</p>`,
					);
					return;
				}
				const first = slots[0].start.slice(0, 10);
				const byProvider = {};
				for (const slot of slots.filter((s) => s.start.startsWith(first)))
					(byProvider[slot.provider] ||= []).push(slot);
				area.empty();
				$(`<p class="font-weight-bold"></p>`)
					.text(frappe.datetime.str_to_user(first))
					.appendTo(area);
				for (const [name, free] of Object.entries(byProvider)) {
					const row = $(
						`<div class="mb-3"><div class="text-muted small mb-1"></div><div></div></div>`,
					).appendTo(area);
					row.find(".small").text(name);
					for (const slot of free) {
						$(
							`<button type="button" class="btn btn-default btn-xs mr-1 mb-1"></button>`,
						)
							.text(slot.start.slice(11, 16))
							.attr("data-start", slot.start)
							.on("click", () => {
								frm.set_value({
									service_type,
									provider: slot.provider,
									requested_start: slot.start.slice(0, 19).replace("T", " "),
								});
								dialog.hide();
							})
							.appendTo(row.children().last());
					}
				}
			})
			.catch(() => area.html(""));
	};
	dialog.show();
	load();
}
