// Frappoint customer portal: /book, /appointments and /appointments/<name>.
// Plain DOM, no framework: the pages are rendered by Frappe and this module only adds behaviour.
// Every text that came from a customer or the server is set with textContent, never as HTML.
// All rules are decided by frappoint.api.booking; this module shows their answers.

const DATA = JSON.parse(document.getElementById("frappoint-data")?.textContent || "{}");
const API = "/api/method/frappoint.api.booking.";
const DAYS_PER_VIEW = 14;

// Frappe's web pages do not load translations for scripts; the page sends ours.
if (window.frappe) {
	frappe._messages = Object.assign(frappe._messages || {}, DATA.messages || {});
}
function __(text, args) {
	const translated = (window.frappe && frappe._messages && frappe._messages[text]) || text;
	return args ? translated.replace(/\{(\d+)\}/g, (m, i) => (args[i] ?? m)) : translated;
}

// --- server calls --------------------------------------------------------------------------------

class ApiError extends Error {
	constructor(status, message, type) {
		super(message);
		this.status = status;
		this.type = type || "";
	}
}

function csrfToken() {
	// Logged-in sessions carry a CSRF token that Frappe checks on every POST; guests have none
	// (Frappe v15 keeps no per-guest session), and the page then says "None".
	const token = window.frappe && frappe.csrf_token;
	return token && token !== "None" ? token : "";
}

async function call(method, args = {}, { post = false } = {}) {
	const headers = { Accept: "application/json" };
	let response;
	try {
		if (post) {
			headers["Content-Type"] = "application/json";
			const csrf = csrfToken();
			if (csrf) headers["X-Frappe-CSRF-Token"] = csrf;
			response = await fetch(API + method, {
				method: "POST",
				headers,
				body: JSON.stringify(args),
				credentials: "same-origin",
			});
		} else {
			const query = new URLSearchParams(
				Object.entries(args).filter(([, v]) => v !== null && v !== undefined && v !== "")
			);
			response = await fetch(`${API}${method}?${query}`, { headers, credentials: "same-origin" });
		}
	} catch (e) {
		throw new ApiError(0, __("We could not reach the server. Please check your connection and try again."));
	}
	let body = {};
	try {
		body = await response.json();
	} catch (e) {
		body = {};
	}
	if (!response.ok) {
		throw new ApiError(response.status, serverMessage(body, response.status), body.exc_type);
	}
	return { data: body.message, serverDate: Date.parse(response.headers.get("Date") || "") };
}

function serverMessage(body, status) {
	try {
		const messages = JSON.parse(body._server_messages || "[]")
			.map((m) => JSON.parse(m).message)
			.filter(Boolean);
		if (messages.length) return plainText(messages[messages.length - 1]);
	} catch (e) {
		// fall through to the generic message
	}
	if (status === 429) return __("Too many requests. Please wait a minute and try again.");
	if (status === 403) return __("This link is not valid for that appointment, or it has expired.");
	return __("Something went wrong. Please try again.");
}

function plainText(html) {
	const div = document.createElement("div");
	div.innerHTML = String(html);
	return div.textContent || "";
}

// --- small DOM helpers ---------------------------------------------------------------------------

function ref(root, name) {
	return root.querySelector(`[data-ref="${name}"]`);
}

function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs)) {
		if (value === null || value === undefined || value === false) continue;
		if (key === "class") node.className = value;
		else if (key === "text") node.textContent = value;
		else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
		else node.setAttribute(key, value === true ? "" : value);
	}
	for (const child of children.flat()) {
		if (child !== null && child !== undefined) {
			node.append(child instanceof Node ? child : document.createTextNode(String(child)));
		}
	}
	return node;
}

function showAlert(root, message, { focus = true } = {}) {
	const alert = ref(root, "alert");
	if (!alert) return;
	alert.textContent = message;
	alert.hidden = !message;
	if (message && focus) alert.focus();
}

// --- time in the customer's zone -----------------------------------------------------------------

function detectedZone() {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || DATA.site_timezone || "UTC";
	} catch (e) {
		return DATA.site_timezone || "UTC";
	}
}

function allZones(current) {
	let zones = [];
	try {
		zones = Intl.supportedValuesOf("timeZone");
	} catch (e) {
		zones = [];
	}
	return [...new Set([current, DATA.site_timezone, ...zones].filter(Boolean))].sort();
}

const zoneName = (zone) => zone.replace(/_/g, " ");

const formats = new Map();
function format(zone, options) {
	const key = zone + JSON.stringify(options);
	if (!formats.has(key)) {
		formats.set(key, new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options }));
	}
	return formats.get(key);
}
const timeOf = (iso, zone) => format(zone, { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
const dateOf = (iso, zone) =>
	format(zone, { weekday: "long", day: "numeric", month: "long" }).format(new Date(iso));
const dateTimeOf = (iso, zone) =>
	format(zone, {
		weekday: "short",
		day: "numeric",
		month: "short",
		year: "numeric",
		hour: "numeric",
		minute: "2-digit",
	}).format(new Date(iso));

// A calendar day (YYYY-MM-DD) is handled as noon UTC so that adding days never crosses a DST edge.
const dayDate = (day) => new Date(`${day}T12:00:00Z`);
const addDays = (day, n) => new Date(dayDate(day).getTime() + n * 86400000).toISOString().slice(0, 10);
const todayIn = (zone) =>
	format(zone, { year: "numeric", month: "2-digit", day: "2-digit" })
		.formatToParts(new Date())
		.reduce((parts, p) => ({ ...parts, [p.type]: p.value }), {});
function today(zone) {
	const p = todayIn(zone);
	return `${p.year}-${p.month}-${p.day}`;
}
const dayLabel = (day, options) => format("UTC", options).format(dayDate(day));

function localiseTimes(root) {
	// Server-rendered times carry an ISO instant; show them in the visitor's own zone.
	const zone = detectedZone();
	for (const node of root.querySelectorAll("time[data-fp-time]")) {
		const iso = node.getAttribute("datetime");
		if (iso) node.textContent = `${dateTimeOf(iso, zone)} (${zoneName(zone)})`;
	}
}

// --- /book ---------------------------------------------------------------------------------------

function bookPage(root) {
	const services = new Map((DATA.services || []).map((s) => [s.name, s]));
	const moving = DATA.reschedule;
	const state = {
		service: null,
		tier: null,
		provider: moving ? moving.appointment.provider : "",
		zone: detectedZone(),
		from: null,
		day: null,
		slots: [],
		slot: null,
		hold: null,
		clockSkew: 0,
		timer: null,
		request: 0,
	};
	const form = ref(root, "details-form");
	const zoneSelect = ref(root, "timezone");
	const providerSelect = ref(root, "provider");

	// timezone picker: the detected zone first, changeable to any zone the browser knows
	for (const zone of allZones(state.zone)) {
		zoneSelect.append(el("option", { value: zone, selected: zone === state.zone }, zoneName(zone)));
	}
	zoneSelect.addEventListener("change", () => {
		state.zone = zoneSelect.value;
		state.from = today(state.zone);
		loadTimes();
	});

	// service and option: a click on a service folds the list away; arrow keys only move the choice
	// (folding on every arrow press would trap keyboard users), Enter folds it.
	const serviceList = ref(root, "services");
	let byPointer = false;
	serviceList?.addEventListener("pointerdown", () => (byPointer = true));
	serviceList?.addEventListener("keydown", (event) => {
		byPointer = false;
		if (event.key === "Enter" && event.target.name === "service") {
			event.preventDefault();
			foldServices(true);
		}
	});
	root.querySelectorAll('input[name="service"]').forEach((input) =>
		input.addEventListener("change", () => {
			chooseService(input.value);
			if (byPointer) foldServices(false);
		})
	);
	ref(root, "change-service")?.addEventListener("click", () => {
		serviceList.hidden = false;
		ref(root, "chosen").hidden = true;
		serviceList.querySelector("input:checked, input")?.focus();
	});
	providerSelect.addEventListener("change", () => {
		state.provider = providerSelect.value;
		loadTimes();
	});
	ref(root, "earlier").addEventListener("click", () => {
		state.from = maxDay(addDays(state.from, -DAYS_PER_VIEW), today(state.zone));
		loadTimes();
	});
	ref(root, "later").addEventListener("click", () => {
		state.from = addDays(state.from, DAYS_PER_VIEW);
		loadTimes();
	});
	ref(root, "other-time").addEventListener("click", async () => {
		await releaseHold();
		showDetails(false);
		loadTimes({ focusTimes: true });
	});
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		moving ? move() : confirm();
	});
	// Leaving the page lets go of an unconfirmed hold at once instead of in ten minutes.
	window.addEventListener("pagehide", releaseHoldOnExit);

	prefill();

	const first = moving
		? moving.appointment.service_type
		: DATA.preselect && services.has(DATA.preselect)
		? DATA.preselect
		: services.size === 1
		? [...services.keys()][0]
		: null;
	if (first) {
		const input = [...root.querySelectorAll('input[name="service"]')].find((i) => i.value === first);
		if (input) input.checked = true;
		chooseService(first);
		foldServices(false);
	}

	function prefill() {
		if (moving || !form) return;
		const p = DATA.prefill || {};
		form.customer_name.value = p.name || "";
		form.customer_email.value = p.email || "";
		form.customer_phone.value = p.phone || "";
		if (p.logged_in) {
			form.customer_email.readOnly = true;
			ref(root, "email-hint").textContent = __(
				"You are logged in, so this booking is made under your account's email."
			);
		}
	}

	function foldServices(focusNext) {
		if (!state.service || !serviceList) return;
		serviceList.hidden = true;
		ref(root, "chosen-name").textContent = state.service.name;
		ref(root, "chosen-meta").textContent = __("{0} min", [state.service.duration]);
		ref(root, "chosen").hidden = false;
		if (focusNext) ref(root, "change-service").focus();
	}

	function chooseService(name) {
		const service = services.get(name);
		if (!service) return;
		state.service = service;
		state.tier = service.tiers[0].tier;
		renderTiers(service);
		providerSelect.replaceChildren(
			el("option", { value: "" }, __("Any available provider")),
			...service.providers.map((p) => el("option", { value: p }, p))
		);
		if (!service.providers.includes(state.provider)) state.provider = "";
		providerSelect.value = state.provider;
		ref(root, "provider-step").hidden = false;
		ref(root, "time-step").hidden = false;
		state.from = today(state.zone);
		loadTimes();
	}

	function renderTiers(service) {
		const box = ref(root, "tiers");
		const list = ref(root, "tier-list");
		if (moving || service.tiers.length < 2) {
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
							loadTimes();
						},
					}),
					el(
						"span",
						{ class: "fp-option-body" },
						el("span", { class: "fp-option-title" }, t.tier),
						el("span", { class: "fp-option-meta" }, t.price)
					)
				)
			)
		);
		box.hidden = false;
	}

	function tierInfo() {
		return state.service.tiers.find((t) => t.tier === state.tier) || state.service.tiers[0];
	}

	async function loadTimes({ focusTimes = false, keepAlert = false } = {}) {
		if (!state.service) return;
		const request = ++state.request;
		const from = state.from || today(state.zone);
		const lastDay = addDays(today(state.zone), DATA.rules.max_advance_days);
		const to = minDay(addDays(from, DAYS_PER_VIEW - 1), lastDay);
		ref(root, "earlier").disabled = from <= today(state.zone);
		ref(root, "later").disabled = to >= lastDay;
		ref(root, "range-label").textContent = `${dayLabel(from, { day: "numeric", month: "short" })} – ${dayLabel(to, {
			day: "numeric",
			month: "short",
		})}`;
		ref(root, "loading").hidden = false;
		if (!keepAlert) showAlert(root, "", { focus: false });
		try {
			// One request for the whole two weeks.
			const { data } = await call("availability", {
				service_type: state.service.name,
				from_date: from,
				to_date: to,
				provider: state.provider,
				timezone: state.zone,
				tier: moving ? null : state.tier,
			});
			if (request !== state.request) return; // a newer choice is loading
			state.slots = data.slots;
			renderDays(from, to);
			if (focusTimes) (ref(root, "times").querySelector("button") || ref(root, "days")).focus();
		} catch (e) {
			if (request === state.request) showAlert(root, e.message);
		} finally {
			if (request === state.request) ref(root, "loading").hidden = true;
		}
	}

	function startsByDay() {
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

	function renderDays(from, to) {
		const byDay = startsByDay();
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
							renderDays(from, to);
							ref(root, "times").querySelector("button")?.focus();
						},
					},
					el("span", { class: "fp-day-name" }, dayLabel(day, { weekday: "short" })),
					el("span", { class: "fp-day-date" }, dayLabel(day, { day: "numeric", month: "short" })),
					el("span", { class: "fp-day-count" }, count ? __("{0} free", [count]) : __("Full"))
				);
			})
		);
		renderTimes(byDay);
	}

	function renderTimes(byDay) {
		const title = ref(root, "times-title");
		const times = ref(root, "times");
		if (!state.day) {
			title.textContent = __("No free times in these two weeks. Try later dates or another provider.");
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
						onclick: () => chooseTime(slot),
					},
					timeOf(slot.start, state.zone),
					state.provider ? null : el("span", { class: "sr-only" }, `, ${__("any provider")}`)
				)
			)
		);
	}

	async function chooseTime(slot) {
		state.slot = slot;
		if (moving) {
			showDetails(true);
			return;
		}
		await releaseHold();
		const details = knownDetails();
		setBusy(true);
		try {
			const { data, serverDate } = await call(
				"hold",
				{
					service_type: state.service.name,
					start: slot.start,
					provider: state.provider || null,
					tier: state.tier,
					timezone: state.zone,
					...details,
				},
				{ post: true }
			);
			state.hold = data;
			state.clockSkew = Number.isFinite(serverDate) ? serverDate - Date.now() : 0;
			showDetails(true);
			announce(
				__("We are holding {0} for you for {1} minutes.", [
					dateTimeOf(data.start, state.zone),
					DATA.rules.hold_minutes,
				])
			);
			startCountdown();
		} catch (e) {
			// The time was taken meanwhile, or cannot be held: say so and show the times free now.
			showAlert(root, e.message);
			loadTimes({ keepAlert: true });
		} finally {
			setBusy(false);
		}
	}

	function knownDetails() {
		// Details already typed (or prefilled) go with the hold; the rest follow with the confirmation.
		const name = form.customer_name.value.trim();
		const email = form.customer_email.value.trim();
		if (name && email && form.customer_email.checkValidity()) {
			return { customer_name: name, customer_email: email };
		}
		return {};
	}

	function showDetails(show) {
		const step = ref(root, "details-step");
		step.hidden = !show;
		ref(root, "chooser").hidden = show;
		if (!show) {
			stopCountdown();
			return;
		}
		renderSummary(ref(root, "summary"), {
			service: state.service.name,
			provider: state.hold?.provider || (state.provider || state.slot.provider),
			start: state.hold?.start || state.slot.start,
			price: moving ? null : tierInfo().price,
			tier: moving || state.service.tiers.length < 2 ? null : state.tier,
			from: moving ? moving.appointment.start : null,
		});
		document.getElementById("fp-details-title").focus();
	}

	function renderSummary(box, s) {
		const rows = [
			[__("Service"), s.service + (s.tier ? ` (${s.tier})` : "")],
			s.from ? [__("Moving from"), `${dateTimeOf(s.from, state.zone)}`] : null,
			[s.from ? __("To") : __("When"), `${dateTimeOf(s.start, state.zone)} (${zoneName(state.zone)})`],
			[__("With"), s.provider],
			s.price ? [__("Price"), s.price] : null,
		].filter(Boolean);
		box.replaceChildren(
			el(
				"dl",
				{ class: "fp-facts" },
				rows.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value)))
			)
		);
	}

	function startCountdown() {
		stopCountdown();
		const expires = Date.parse(state.hold.hold_expires_at);
		let warned = false;
		const tick = () => {
			const left = Math.max(0, expires - (Date.now() + state.clockSkew));
			const minutes = Math.floor(left / 60000);
			const seconds = Math.floor((left % 60000) / 1000);
			ref(root, "countdown").textContent = `${minutes}:${String(seconds).padStart(2, "0")}`;
			if (!warned && left <= 120000 && left > 0) {
				warned = true;
				announce(__("Two minutes left to confirm your booking."));
			}
			if (left <= 0) holdLapsed();
		};
		tick();
		state.timer = setInterval(tick, 1000);
	}

	function stopCountdown() {
		clearInterval(state.timer);
		state.timer = null;
	}

	function holdLapsed(message) {
		stopCountdown();
		state.hold = null;
		showDetails(false);
		showAlert(
			root,
			message || __("Your hold on that time has expired. Here are the times that are free now; please choose again.")
		);
		loadTimes({ keepAlert: true });
	}

	async function confirm() {
		if (!validate()) return;
		if (!state.hold) return holdLapsed();
		setBusy(true);
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
				{ post: true }
			);
			const token = state.hold.token;
			state.hold = null;
			stopCountdown();
			done(data, token);
		} catch (e) {
			if (e.status === 409) {
				// The hold ran out (or the time went) before the confirmation arrived.
				holdLapsed(`${e.message} ${__("Here are the times that are free now.")}`);
			} else if (e.status === 417) {
				showFieldError(e.message);
			} else {
				showAlert(root, e.message);
			}
		} finally {
			setBusy(false);
		}
	}

	async function move() {
		setBusy(true);
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
				{ post: true }
			);
			done(data, data.token || null);
		} catch (e) {
			showDetails(false);
			showAlert(root, e.message);
			if (e.status === 409) loadTimes({ keepAlert: true });
		} finally {
			setBusy(false);
		}
	}

	function done(appointment, token) {
		window.removeEventListener("pagehide", releaseHoldOnExit);
		ref(root, "details-step").hidden = true;
		ref(root, "chooser").hidden = true;
		showAlert(root, "", { focus: false });
		const step = ref(root, "done-step");
		step.hidden = false;
		renderSummary(ref(root, "done-summary"), {
			service: appointment.service_type,
			provider: appointment.provider,
			start: appointment.start,
			price: moving ? null : tierInfo().price,
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

	function validate() {
		let firstBad = null;
		const checks = [
			["customer_name", (v) => (v ? "" : __("Please give your name."))],
			[
				"customer_email",
				(v, input) =>
					!v
						? __("Please give your email address.")
						: input.checkValidity()
						? ""
						: __("Please give a valid email address, like name@example.com."),
			],
			[
				"customer_phone",
				(v) => (!v || /^[+()\d][\d\s().\-/]{5,38}$/.test(v) ? "" : __("Please give a valid phone number, or leave it empty.")),
			],
		];
		for (const [field, check] of checks) {
			const input = form[field];
			const message = check(input.value.trim(), input);
			setFieldError(input, message);
			if (message && !firstBad) firstBad = input;
		}
		if (firstBad) firstBad.focus();
		return !firstBad;
	}

	function setFieldError(input, message) {
		const error = form.querySelector(`[data-error-for="${input.name}"]`);
		error.textContent = message;
		if (message) input.setAttribute("aria-invalid", "true");
		else input.removeAttribute("aria-invalid");
	}

	function showFieldError(message) {
		// The server names the problem in words; put it by the field it is about when we can tell.
		const lower = message.toLowerCase();
		const field = lower.includes("email") ? "customer_email" : lower.includes("phone") ? "customer_phone" : lower.includes("name") ? "customer_name" : null;
		if (field) {
			setFieldError(form[field], message);
			form[field].focus();
		} else {
			showAlert(root, message);
		}
	}

	async function releaseHold() {
		const hold = state.hold;
		state.hold = null;
		stopCountdown();
		if (!hold) return;
		try {
			await call(
				"cancel",
				{ appointment: hold.name, token: hold.token, reason: "Released" },
				{ post: true }
			);
		} catch (e) {
			// It expires by itself in a few minutes; nothing to tell the customer.
		}
	}

	function releaseHoldOnExit() {
		if (!state.hold || !navigator.sendBeacon) return;
		const body = new FormData();
		body.append("appointment", state.hold.name);
		body.append("token", state.hold.token);
		body.append("reason", "Released");
		if (csrfToken()) body.append("csrf_token", csrfToken());
		navigator.sendBeacon(`${API}cancel`, body);
		state.hold = null;
	}

	function setBusy(busy) {
		root.setAttribute("aria-busy", String(busy));
		root.querySelectorAll(".fp-time, [data-ref='submit']").forEach((b) => (b.disabled = busy));
	}

	function announce(text) {
		const live = ref(root, "announce");
		live.textContent = "";
		setTimeout(() => (live.textContent = text), 50);
	}
}

const minDay = (a, b) => (a < b ? a : b);
const maxDay = (a, b) => (a > b ? a : b);

// --- /appointments and /appointments/<name> ------------------------------------------------------

function appointmentsPage(root) {
	localiseTimes(root);
	for (const card of root.querySelectorAll("[data-appointment]")) {
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
					{ post: true }
				);
				cancelForm.hidden = true;
				ref(card, "actions")?.remove();
				card.querySelector(".fp-rule")?.remove();
				const badge = ref(card, "status");
				badge.textContent = __("Cancelled");
				badge.className = "fp-badge fp-badge-cancelled";
				const note = ref(card, "note");
				note.textContent = data.emailed
					? __("Your appointment is cancelled. We have emailed you a confirmation.")
					: __("Your appointment is cancelled.");
				note.setAttribute("tabindex", "-1");
				note.focus();
			} catch (e) {
				showAlert(root, e.message);
				submit.disabled = false;
			}
		});
	}
}

// --- start ---------------------------------------------------------------------------------------

const root = document.querySelector(".fp[data-page]");
if (root) {
	const page = root.dataset.page;
	if (page === "book" && DATA.page === "book" && ref(root, "chooser")) bookPage(root);
	else if (page === "appointments" || page === "appointment") appointmentsPage(root);
	if (page === "book") localiseTimes(root);
}
// The end-to-end test reads this mark to measure how soon the page can be used.
performance.mark("frappoint:interactive");
document.documentElement.dataset.fpReady = "1";
