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
		frm.set_query("party_type", () => ({ filters: { name: ["in", ["Customer", "Lead", "Contact"]] } }));
		frm.set_query("provider", () => ({
			query: "frappoint.api.desk.providers_for_service",
			filters: { service_type: frm.doc.service_type || "" },
		}));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		for (const [method, label] of ACTIONS[frm.doc.status] || []) {
			frm.add_custom_button(label, () => run_action(frm, method), __("Actions"));
		}
		if (frm.doc.accounting_status === "Failed") {
			frm.dashboard.set_headline_alert(
				`<div class="text-danger">${__("Accounting failed: {0}", [frappe.utils.escape_html(frm.doc.accounting_error || "")])}</div>`
			);
			frm.add_custom_button(__("Retry Accounting"), () =>
				frm.call("retry_accounting").then(() => frm.reload_doc())
			);
		}
		if (frm.doc.availability_conflict && ACTIONS[frm.doc.status]) show_conflict(frm);
		for (const field of ["rescheduled_from", "rescheduled_to"]) {
			if (frm.doc[field]) {
				frm.add_custom_button(__(frappe.meta.get_label(frm.doctype, field)), () =>
					frappe.set_route("Form", frm.doctype, frm.doc[field])
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
			__("Cancel appointment")
		);
	} else if (method === "reschedule") {
		frappe.prompt(
			[
				{ fieldname: "new_start", fieldtype: "Datetime", label: __("New start"), reqd: 1 },
				{ fieldname: "provider", fieldtype: "Link", options: "Service Provider", label: __("Provider"), default: frm.doc.provider },
			],
			(values) =>
				frm.call(method, values).then((r) => frappe.set_route("Form", frm.doctype, r.message)),
			__("Reschedule")
		);
	} else if (method === "reassign") {
		frappe.prompt(
			{ fieldname: "provider", fieldtype: "Link", options: "Service Provider", label: __("New provider"), reqd: 1 },
			({ provider }) => frm.call(method, { provider }).then(() => frm.reload_doc()),
			__("Reassign to another provider")
		);
	} else {
		frm.call(method).then(() => frm.reload_doc());
	}
}

// The provider's leave or shifts no longer cover this booking: say so, and offer the ways out.
function show_conflict(frm) {
	frm.dashboard.set_headline_alert(
		`<div class="text-warning">${frappe.utils.escape_html(frm.doc.availability_note || __("Outside the provider's availability."))}</div>`
	);
	const group = __("Outside Availability");
	frm.add_custom_button(
		__("Suggest a Provider"),
		() =>
			frm.call("suggest_provider").then(({ message: provider }) => {
				if (!provider) {
					frappe.msgprint(__("No other provider is free at this time. Reschedule, or ask the customer to choose a new time."));
					return;
				}
				frappe.confirm(__("{0} is free at this time. Reassign the appointment to them?", [provider.bold()]), () =>
					frm.call("reassign", { provider }).then(() => frm.reload_doc())
				);
			}),
		group
	);
	frm.add_custom_button(
		__("Ask Customer to Reschedule"),
		() =>
			frm.call("ask_customer_to_reschedule").then(({ message: sent }) =>
				frappe.msgprint(
					sent
						? __("The customer is emailed a link to choose a new time.")
						: __("The customer was already asked to choose a new time.")
				)
			),
		group
	);
}
