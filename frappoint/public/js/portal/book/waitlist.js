// /book: when no time fits the days shown, the customer can wait for one (frappoint.api.waitlist).

import { DATA, __ } from "frappoint/shared.js";
import { ref, showAlert } from "frappoint/dom.js";
import { call } from "frappoint/server.js";
import { dayLabel } from "frappoint/time.js";

export function offerWaitlist(page, from, to) {
	const { root, state } = page;
	const form = ref(root, "waitlist-form");
	if (!form) return; // moving an appointment: nothing to wait for
	form.hidden = !(DATA.rules.waitlist && !state.day && state.service);
	if (form.hidden) return;
	form.dataset.from = from;
	form.dataset.to = to;
	ref(root, "waitlist-days").textContent = __(
		"We will hold the first {0} time that frees up from {1} to {2} for you, and email you to confirm it.",
		[
			state.service.name,
			dayLabel(from, { day: "numeric", month: "short" }),
			dayLabel(to, { day: "numeric", month: "short" }),
		],
	);
	ref(root, "waitlist-note").textContent = "";
}

export function bindWaitlist(page) {
	const { root, state } = page;
	const form = ref(root, "waitlist-form");
	if (!form) return;
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const submit = ref(root, "waitlist-submit");
		submit.disabled = true;
		try {
			await call(
				"frappoint.api.waitlist.join",
				{
					service_type: state.service.name,
					provider: state.provider || null,
					from_date: form.dataset.from,
					to_date: form.dataset.to,
					timezone: state.zone,
					customer_name: form.customer_name.value.trim(),
					customer_email: form.customer_email.value.trim(),
					customer_phone: form.customer_phone.value.trim() || null,
				},
				{ post: true },
			);
			const note = ref(root, "waitlist-note");
			note.textContent = __(
				"You are on the wait-list. We will email you as soon as a time frees up.",
			);
			note.focus();
		} catch (e) {
			showAlert(root, e.message);
		} finally {
			submit.disabled = false;
		}
	});
}
