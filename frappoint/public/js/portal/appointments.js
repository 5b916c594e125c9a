// /appointments and /appointments/<name>: times in the visitor's zone, and cancelling with a reason.

import { DATA, __ } from "frappoint/shared.js";
import { ref, showAlert } from "frappoint/dom.js";
import { call } from "frappoint/server.js";
import { detectedZone, localiseTimes } from "frappoint/time.js";

export function appointmentsPage(root) {
	localiseTimes(root);
	offerCalendarLink(root);
	for (const card of root.querySelectorAll("[data-appointment]")) {
		offerConfirm(root, card);
		const askButton = card.querySelector('[data-action="ask-cancel"]');
		const cancelForm = ref(card, "cancel-form");
		if (!askButton || !cancelForm) continue;
		askButton.addEventListener("click", () => {
			cancelForm.hidden = false;
			askButton.setAttribute("aria-expanded", "true");
			cancelForm.querySelector("textarea").focus();
		});
		cancelForm.querySelector('[data-action="keep"]').addEventListener("click", () => {
			cancelForm.hidden = true;
			askButton.setAttribute("aria-expanded", "false");
			askButton.focus();
		});
		cancelForm.addEventListener("submit", async (event) => {
			event.preventDefault();
			const submit = cancelForm.querySelector('button[type="submit"]');
			submit.disabled = true;
			try {
				const { data } = await call(
					"cancel",
					{
						appointment: card.dataset.appointment,
						token: DATA.token,
						reason: cancelForm.reason.value.trim(),
						timezone: detectedZone(),
					},
					{ post: true },
				);
				cancelForm.hidden = true;
				ref(card, "actions")?.remove();
				card.querySelector(".fp-rule")?.remove();
				announce(
					card,
					"cancelled",
					__("Cancelled"),
					data.emailed
						? __("Your appointment is cancelled. We have emailed you a confirmation.")
						: __("Your appointment is cancelled."),
				);
			} catch (e) {
				showAlert(root, e.message);
				submit.disabled = false;
			}
		});
	}
}

function offerCalendarLink(root) {
	const button = root.querySelector('[data-action="calendar-link"]');
	if (!button) return;
	button.addEventListener("click", async () => {
		button.disabled = true;
		try {
			const { data: url } = await call("frappoint.api.calendar.my_feed", {}, { post: true });
			const shown = ref(root, "calendar-link");
			shown.hidden = false;
			const input = shown.querySelector("input");
			input.value = url;
			input.focus();
			input.select();
		} catch (e) {
			showAlert(root, e.message);
		} finally {
			button.disabled = false;
		}
	});
}

// A held time (a wait-list offer) is confirmed from its own page, with the details already given.
function offerConfirm(root, card) {
	const button = card.querySelector('[data-action="confirm"]');
	if (!button) return;
	button.addEventListener("click", async () => {
		button.disabled = true;
		try {
			const { data } = await call(
				"confirm",
				{
					appointment: card.dataset.appointment,
					token: DATA.token,
					timezone: detectedZone(),
				},
				{ post: true },
			);
			if (data.payment_url) {
				// The service asks a payment at booking: the gateway's confirmation confirms it.
				window.location.assign(data.payment_url);
				return;
			}
			ref(card, "confirm-actions")?.remove();
			announce(
				card,
				"confirmed",
				__("Confirmed"),
				data.emailed
					? __("Your appointment is confirmed. We have emailed you the details.")
					: __("Your appointment is confirmed."),
			);
		} catch (e) {
			showAlert(root, e.message);
			button.disabled = false;
		}
	});
}

// The card's new status, and a note that takes focus so screen readers say what happened.
function announce(card, status, label, message) {
	const badge = ref(card, "status");
	badge.textContent = label;
	badge.className = `fp-badge fp-badge-${status}`;
	const note = ref(card, "note");
	note.textContent = message;
	note.setAttribute("tabindex", "-1");
	note.focus();
}
