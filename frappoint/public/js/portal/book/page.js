// /book: the page's state and its controls. Choosing a service and a time is in times.js, holding and
// confirming it in hold.js, the customer's details in details.js; each works on the `page` made here.

import { DATA, DAYS_PER_VIEW, maxDay } from "frappoint/shared.js";
import { el, ref } from "frappoint/dom.js";
import { addDays, allZones, detectedZone, today, zoneName } from "frappoint/time.js";
import { prefill } from "frappoint/book/details.js";
import {
	confirm,
	move,
	releaseHold,
	releaseHoldOnExit,
	showDetails,
} from "frappoint/book/hold.js";
import { chooseService, fillProviders, foldServices, loadTimes } from "frappoint/book/times.js";
import { bindWaitlist } from "frappoint/book/waitlist.js";

export function bookPage(root) {
	const moving = DATA.reschedule;
	const page = {
		root,
		moving,
		services: new Map((DATA.services || []).map((s) => [s.name, s])),
		form: ref(root, "details-form"),
		providerSelect: ref(root, "provider"),
		serviceList: ref(root, "services"),
		state: {
			service: null,
			tier: null,
			provider: moving ? moving.appointment.provider : "",
			location: "",
			zone: detectedZone(),
			from: null,
			day: null,
			slots: [],
			slot: null,
			hold: null,
			clockSkew: 0,
			timer: null,
			request: 0,
		},
	};
	const { state, form, providerSelect, serviceList } = page;

	// timezone picker: the detected zone first, changeable to any zone the browser knows
	const zoneSelect = ref(root, "timezone");
	for (const zone of allZones(state.zone)) {
		zoneSelect.append(
			el("option", { value: zone, selected: zone === state.zone }, zoneName(zone)),
		);
	}
	zoneSelect.addEventListener("change", () => {
		state.zone = zoneSelect.value;
		state.from = today(state.zone);
		loadTimes(page);
	});

	// service and option: a click on a service folds the list away; arrow keys only move the choice
	// (folding on every arrow press would trap keyboard users), Enter folds it.
	let byPointer = false;
	serviceList?.addEventListener("pointerdown", () => (byPointer = true));
	serviceList?.addEventListener("keydown", (event) => {
		byPointer = false;
		if (event.key === "Enter" && event.target.name === "service") {
			event.preventDefault();
			foldServices(page, true);
		}
	});
	root.querySelectorAll('input[name="service"]').forEach((input) =>
		input.addEventListener("change", () => {
			chooseService(page, input.value);
			if (byPointer) foldServices(page, false);
		}),
	);
	ref(root, "change-service")?.addEventListener("click", () => {
		serviceList.hidden = false;
		ref(root, "chosen").hidden = true;
		serviceList.querySelector("input:checked, input")?.focus();
	});
	providerSelect.addEventListener("change", () => {
		state.provider = providerSelect.value;
		loadTimes(page);
	});
	// location (only when the site has several): narrows the providers, and "any" to those there
	const locationSelect = ref(root, "location");
	locationSelect?.addEventListener("change", () => {
		state.location = locationSelect.value;
		const place = DATA.locations.find((l) => l.name === state.location);
		ref(root, "location-address").textContent = place ? place.address : "";
		if (!state.service) return;
		fillProviders(page);
		loadTimes(page);
	});
	ref(root, "earlier").addEventListener("click", () => {
		state.from = maxDay(addDays(state.from, -DAYS_PER_VIEW), today(state.zone));
		loadTimes(page);
	});
	ref(root, "later").addEventListener("click", () => {
		state.from = addDays(state.from, DAYS_PER_VIEW);
		loadTimes(page);
	});
	ref(root, "other-time").addEventListener("click", async () => {
		await releaseHold(page);
		showDetails(page, false);
		loadTimes(page, { focusTimes: true });
	});
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		moving ? move(page) : confirm(page);
	});
	// Leaving the page lets go of an unconfirmed hold at once instead of in ten minutes.
	page.onExit = () => releaseHoldOnExit(page);
	window.addEventListener("pagehide", page.onExit);

	prefill(page);
	bindWaitlist(page);

	const first = moving
		? moving.appointment.service_type
		: DATA.preselect && page.services.has(DATA.preselect)
			? DATA.preselect
			: page.services.size === 1
				? [...page.services.keys()][0]
				: null;
	if (first) {
		const input = [...root.querySelectorAll('input[name="service"]')].find(
			(i) => i.value === first,
		);
		if (input) input.checked = true;
		chooseService(page, first);
		foldServices(page, false);
	}
}
