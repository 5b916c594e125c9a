// /book, holding and confirming: a chosen time is held at once (with a countdown) while the customer
// types; confirming, moving an existing appointment, letting go of the hold, and the final page.

import { API, DATA, __ } from "frappoint/shared.js";
import { el, ref, showAlert } from "frappoint/dom.js";
import { call, csrfToken } from "frappoint/server.js";
import { dateTimeOf, zoneName } from "frappoint/time.js";
import { knownDetails, showFieldError, validate } from "frappoint/book/details.js";
import { loadTimes, tierInfo } from "frappoint/book/times.js";

export async function chooseTime(page, slot) {
	const { root, state } = page;
	state.slot = slot;
	if (page.moving) {
		showDetails(page, true);
		return;
	}
	await releaseHold(page);
	const details = knownDetails(page);
	setBusy(root, true);
	try {
		const { data, serverDate } = await call(
			"hold",
			{
				service_type: state.service.name,
				start: slot.start,
				provider: state.provider || null,
				location: state.location || null,
				tier: state.tier,
				timezone: state.zone,
				...details,
			},
			{ post: true },
		);
		state.hold = data;
		state.clockSkew = Number.isFinite(serverDate) ? serverDate - Date.now() : 0;
		showDetails(page, true);
		announce(
			root,
			__("We are holding {0} for you for {1} minutes.", [
				dateTimeOf(data.start, state.zone),
				DATA.rules.hold_minutes,
			]),
		);
		startCountdown(page);
	} catch (e) {
		// The time was taken meanwhile, or cannot be held: say so and show the times free now.
		showAlert(root, e.message);
		loadTimes(page, { keepAlert: true });
	} finally {
		setBusy(root, false);
	}
}

export function showDetails(page, show) {
	const { root, state, moving } = page;
	ref(root, "details-step").hidden = !show;
	ref(root, "chooser").hidden = show;
	if (!show) {
		stopCountdown(state);
		return;
	}
	renderSummary(page, ref(root, "summary"), {
		service: state.service.name,
		provider: state.hold?.provider || state.provider || state.slot.provider,
		start: state.hold?.start || state.slot.start,
		price: moving ? null : tierInfo(page).price,
		due: moving ? null : state.hold?.due_label,
		tier: moving || state.service.tiers.length < 2 ? null : state.tier,
		from: moving ? moving.appointment.start : null,
	});
	if (!moving) {
		// A deposit or prepayment: the payment, not this button, confirms the booking.
		ref(root, "submit").textContent = state.hold?.due_label
			? __("Continue to payment")
			: __("Confirm booking");
	}
	document.getElementById("fp-details-title").focus();
}

function renderSummary(page, box, s) {
	const { zone } = page.state;
	const rows = [
		[__("Service"), s.service + (s.tier ? ` (${s.tier})` : "")],
		s.from ? [__("Moving from"), `${dateTimeOf(s.from, zone)}`] : null,
		[s.from ? __("To") : __("When"), `${dateTimeOf(s.start, zone)} (${zoneName(zone)})`],
		[__("With"), s.provider],
		s.price ? [__("Price"), s.price] : null,
		s.due ? [__("To pay now"), s.due] : null,
	].filter(Boolean);
	box.replaceChildren(
		el(
			"dl",
			{ class: "fp-facts" },
			rows.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value))),
		),
	);
}

function startCountdown(page) {
	const { root, state } = page;
	stopCountdown(state);
	const expires = Date.parse(state.hold.hold_expires_at);
	let warned = false;
	const tick = () => {
		const left = Math.max(0, expires - (Date.now() + state.clockSkew));
		const minutes = Math.floor(left / 60000);
		const seconds = Math.floor((left % 60000) / 1000);
		ref(root, "countdown").textContent = `${minutes}:${String(seconds).padStart(2, "0")}`;
		if (!warned && left <= 120000 && left > 0) {
			warned = true;
			announce(root, __("Two minutes left to confirm your booking."));
		}
		if (left <= 0) holdLapsed(page);
	};
	tick();
	state.timer = setInterval(tick, 1000);
}

function stopCountdown(state) {
	clearInterval(state.timer);
	state.timer = null;
}

function holdLapsed(page, message) {
	stopCountdown(page.state);
	page.state.hold = null;
	showDetails(page, false);
	showAlert(
		page.root,
		message ||
			__(
				"Your hold on that time has expired. Here are the times that are free now; please choose again.",
			),
	);
	loadTimes(page, { keepAlert: true });
}

export async function confirm(page) {
	const { root, state, form } = page;
	if (!validate(page)) return;
	if (!state.hold) return holdLapsed(page);
	setBusy(root, true);
	try {
		const { data } = await call(
			"confirm",
			{
				appointment: state.hold.name,
				token: state.hold.token,
				timezone: state.zone,
				customer_name: form.customer_name.value.trim(),
				customer_email: form.customer_email.value.trim(),
				customer_phone: form.customer_phone.value.trim(),
			},
			{ post: true },
		);
		stopCountdown(state);
		if (data.payment_url) {
			// Off to the gateway; the hold is kept for the payment, so leaving must not release it.
			window.removeEventListener("pagehide", page.onExit);
			announce(root, __("Taking you to the payment page."));
			window.location.assign(data.payment_url);
			return;
		}
		const token = state.hold.token;
		state.hold = null;
		done(page, data, token);
	} catch (e) {
		if (e.status === 409) {
			// The hold ran out (or the time went) before the confirmation arrived.
			holdLapsed(page, `${e.message} ${__("Here are the times that are free now.")}`);
		} else if (e.status === 417) {
			showFieldError(page, e.message);
		} else {
			showAlert(root, e.message);
		}
	} finally {
		setBusy(root, false);
	}
}

export async function move(page) {
	const { root, state, moving } = page;
	setBusy(root, true);
	try {
		const { data } = await call(
			"reschedule",
			{
				appointment: moving.appointment.name,
				token: moving.token,
				start: state.slot.start,
				provider: state.provider || state.slot.provider,
				timezone: state.zone,
			},
			{ post: true },
		);
		done(page, data, data.token || null);
	} catch (e) {
		showDetails(page, false);
		showAlert(root, e.message);
		if (e.status === 409) loadTimes(page, { keepAlert: true });
	} finally {
		setBusy(root, false);
	}
}

function done(page, appointment, token) {
	const { root, form, moving } = page;
	window.removeEventListener("pagehide", page.onExit);
	ref(root, "details-step").hidden = true;
	ref(root, "chooser").hidden = true;
	showAlert(root, "", { focus: false });
	ref(root, "done-step").hidden = false;
	renderSummary(page, ref(root, "done-summary"), {
		service: appointment.service_type,
		provider: appointment.provider,
		start: appointment.start,
		price: moving ? null : tierInfo(page).price,
		tier: null,
	});
	const path = token
		? `/appointments/${encodeURIComponent(appointment.name)}?token=${encodeURIComponent(token)}`
		: `/appointments/${encodeURIComponent(appointment.name)}`;
	const link = ref(root, "manage-link");
	link.href = path;
	link.textContent = new URL(path, window.location.origin).href;
	ref(root, "manage-button").href = path;
	ref(root, "emailed").textContent = appointment.emailed
		? __("We have emailed the details and this link to {0}.", [
				form.customer_email?.value.trim() || __("your email address"),
			])
		: __("Please keep this link: we could not send an email just now.");
	document.getElementById("fp-done-title").focus();
}

export async function releaseHold(page) {
	const { state } = page;
	const hold = state.hold;
	state.hold = null;
	stopCountdown(state);
	if (!hold) return;
	try {
		await call(
			"cancel",
			{ appointment: hold.name, token: hold.token, reason: "Released" },
			{ post: true },
		);
	} catch (e) {
		// It expires by itself in a few minutes; nothing to tell the customer.
	}
}

export function releaseHoldOnExit(page) {
	const { state } = page;
	if (!state.hold || !navigator.sendBeacon) return;
	const body = new FormData();
	body.append("appointment", state.hold.name);
	body.append("token", state.hold.token);
	body.append("reason", "Released");
	if (csrfToken()) body.append("csrf_token", csrfToken());
	navigator.sendBeacon(`${API}cancel`, body);
	state.hold = null;
}

function setBusy(root, busy) {
	root.setAttribute("aria-busy", String(busy));
	root.querySelectorAll(".fp-time, [data-ref='submit']").forEach((b) => (b.disabled = busy));
}

function announce(root, text) {
	const live = ref(root, "announce");
	live.textContent = "";
	setTimeout(() => (live.textContent = text), 50);
}
