// /book, choosing: the service and its option, where (when there are several locations) and with
// whom, then a day of the two weeks shown and a free time. All two weeks come in one availability request.

import { DATA, DAYS_PER_VIEW, __, minDay } from "frappoint/shared.js";
import { el, ref, showAlert } from "frappoint/dom.js";
import { call } from "frappoint/server.js";
import { addDays, dayLabel, timeOf, today } from "frappoint/time.js";
import { chooseTime } from "frappoint/book/hold.js";
import { offerWaitlist } from "frappoint/book/waitlist.js";

export function foldServices(page, focusNext) {
	const { root, state, serviceList } = page;
	if (!state.service || !serviceList) return;
	serviceList.hidden = true;
	ref(root, "chosen-name").textContent = state.service.name;
	ref(root, "chosen-meta").textContent = __("{0} min", [state.service.duration]);
	ref(root, "chosen").hidden = false;
	if (focusNext) ref(root, "change-service").focus();
}

export function chooseService(page, name) {
	const { root, state } = page;
	const service = page.services.get(name);
	if (!service) return;
	state.service = service;
	state.tier = service.tiers[0].tier;
	renderTiers(page, service);
	fillProviders(page);
	ref(root, "provider-step").hidden = false;
	ref(root, "time-step").hidden = false;
	state.from = today(state.zone);
	loadTimes(page);
}

// The service's providers, only those working at the chosen location when there is one.
export function fillProviders(page) {
	const { state, providerSelect } = page;
	const place = (DATA.locations || []).find((l) => l.name === state.location);
	const providers = state.service.providers.filter((p) => !place || place.providers.includes(p));
	providerSelect.replaceChildren(
		el("option", { value: "" }, __("Any available provider")),
		...providers.map((p) => el("option", { value: p }, p)),
	);
	if (!providers.includes(state.provider)) state.provider = "";
	providerSelect.value = state.provider;
}

function renderTiers(page, service) {
	const { root, state } = page;
	const box = ref(root, "tiers");
	const list = ref(root, "tier-list");
	if (page.moving || service.tiers.length < 2) {
		box.hidden = true;
		list.replaceChildren();
		return;
	}
	list.replaceChildren(
		...service.tiers.map((t, i) =>
			el(
				"label",
				{ class: "fp-option fp-option-compact" },
				el("input", {
					type: "radio",
					name: "tier",
					value: t.tier,
					checked: i === 0,
					onchange: () => {
						state.tier = t.tier;
						loadTimes(page);
					},
				}),
				el(
					"span",
					{ class: "fp-option-body" },
					el("span", { class: "fp-option-title" }, t.tier),
					el("span", { class: "fp-option-meta" }, t.price),
				),
			),
		),
	);
	box.hidden = false;
}

export function tierInfo(page) {
	const { state } = page;
	return state.service.tiers.find((t) => t.tier === state.tier) || state.service.tiers[0];
}

export async function loadTimes(page, { focusTimes = false, keepAlert = false } = {}) {
	const { root, state } = page;
	if (!state.service) return;
	const request = ++state.request;
	const from = state.from || today(state.zone);
	const lastDay = addDays(today(state.zone), DATA.rules.max_advance_days);
	const to = minDay(addDays(from, DAYS_PER_VIEW - 1), lastDay);
	ref(root, "earlier").disabled = from <= today(state.zone);
	ref(root, "later").disabled = to >= lastDay;
	ref(root, "range-label").textContent =
		`${dayLabel(from, { day: "numeric", month: "short" })} – ${dayLabel(to, {
			day: "numeric",
			month: "short",
		})}`;
	ref(root, "loading").hidden = false;
	if (!keepAlert) showAlert(root, "", { focus: false });
	try {
		// One request for the whole two weeks, in the compact shape: each time and provider named once.
		const { data } = await call("availability", {
			service_type: state.service.name,
			from_date: from,
			to_date: to,
			provider: state.provider,
			location: state.location,
			timezone: state.zone,
			tier: page.moving ? null : state.tier,
			format: "compact",
		});
		if (request !== state.request) return; // a newer choice is loading
		state.slots = data.free.map(([time, provider, seats]) => ({
			start: data.times[time],
			provider: data.providers[provider],
			free_seats: seats,
		}));
		renderDays(page, from, to);
		if (focusTimes) (ref(root, "times").querySelector("button") || ref(root, "days")).focus();
	} catch (e) {
		if (request === state.request) showAlert(root, e.message);
	} finally {
		if (request === state.request) ref(root, "loading").hidden = true;
	}
}

function startsByDay(state) {
	// With "any provider" a time several providers share is offered once; dispatch picks who.
	const days = new Map();
	for (const slot of state.slots) {
		const day = slot.start.slice(0, 10);
		if (!days.has(day)) days.set(day, new Map());
		const starts = days.get(day);
		if (!starts.has(slot.start)) starts.set(slot.start, slot);
	}
	return days;
}

function renderDays(page, from, to) {
	const { root, state } = page;
	const byDay = startsByDay(state);
	const days = [];
	for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
	if (!byDay.has(state.day) || state.day < from || state.day > to) {
		state.day = days.find((d) => byDay.has(d)) || null;
	}
	ref(root, "days").replaceChildren(
		...days.map((day) => {
			const count = byDay.get(day)?.size || 0;
			// The visible text is the whole accessible name (no aria-label to drift from it).
			return el(
				"button",
				{
					type: "button",
					class: "fp-day",
					"data-day": day,
					"aria-pressed": String(day === state.day),
					disabled: !count,
					onclick: () => {
						state.day = day;
						renderDays(page, from, to);
						ref(root, "times").querySelector("button")?.focus();
					},
				},
				el("span", { class: "fp-day-name" }, dayLabel(day, { weekday: "short" })),
				el(
					"span",
					{ class: "fp-day-date" },
					dayLabel(day, { day: "numeric", month: "short" }),
				),
				el(
					"span",
					{ class: "fp-day-count" },
					count ? __("{0} free", [count]) : __("Full"),
				),
			);
		}),
	);
	// Every day full: no button to reach the scrolling strip by keyboard, so the strip takes focus.
	if (byDay.size) ref(root, "days").removeAttribute("tabindex");
	else ref(root, "days").setAttribute("tabindex", "0");
	renderTimes(page, byDay);
	offerWaitlist(page, from, to);
}

function renderTimes(page, byDay) {
	const { root, state } = page;
	const title = ref(root, "times-title");
	const times = ref(root, "times");
	if (!state.day) {
		title.textContent = __(
			"No free times in these two weeks. Try later dates or another provider.",
		);
		times.replaceChildren();
		return;
	}
	title.textContent = __("Free times on {0}", [
		dayLabel(state.day, { weekday: "long", day: "numeric", month: "long" }),
	]);
	times.replaceChildren(
		...[...byDay.get(state.day).values()].map((slot) =>
			el(
				"button",
				{
					type: "button",
					class: "fp-time",
					"data-start": slot.start,
					onclick: () => chooseTime(page, slot),
				},
				timeOf(slot.start, state.zone),
				state.provider
					? null
					: el("span", { class: "sr-only" }, `, ${__("any provider")}`),
			),
		),
	);
}
