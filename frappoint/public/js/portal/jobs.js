// /jobs, the technician portal: the provider's jobs from frappoint.api.jobs, kept in localStorage so
// the page still shows them without a connection; Start, Complete, No Show and notes are queued in
// localStorage and sent in order as soon as the connection is back (every action is idempotent on
// the server, so sending one twice is harmless). No service worker: the page must be open.

import { __ } from "frappoint/shared.js";
import { el, ref, showAlert } from "frappoint/dom.js";
import { call, csrfToken } from "frappoint/server.js";

const JOBS_KEY = "frappoint:jobs";
const QUEUE_KEY = "frappoint:jobs:queue";
const LABELS = {
	start: () => __("Start"),
	complete: () => __("Complete"),
	no_show: () => __("No Show"),
};

const load = (key, fallback) => JSON.parse(localStorage.getItem(key) || "null") ?? fallback;
const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));

export function jobsPage(root) {
	const page = { root, data: load(JOBS_KEY, null) };
	if (page.data) render(page);
	refresh(page);
	flush(page);
	window.addEventListener("online", () => flush(page));
}

async function refresh(page) {
	try {
		const { data } = await call("frappoint.api.jobs.jobs");
		page.data = data;
		save(JOBS_KEY, data);
		render(page);
	} catch (e) {
		if (e.status === 0 && page.data)
			say(page, __("Offline: showing the jobs as last loaded."));
		else showAlert(page.root, e.message);
	}
}

function render(page) {
	const { root, data } = page;
	const list = ref(root, "jobs");
	if (!data.jobs.length) {
		list.replaceChildren(el("p", { class: "fp-empty" }, __("No jobs today or this week.")));
		return;
	}
	const queued = load(QUEUE_KEY, []);
	list.replaceChildren(
		...data.jobs.map((job) =>
			card(
				page,
				job,
				queued.filter((q) => q.appointment === job.name),
			),
		),
	);
}

// In the provider's timezone: where the jobs are, wherever the phone thinks it is.
function when(job, timeZone) {
	const options = {
		timeZone,
		weekday: "short",
		day: "numeric",
		month: "short",
		hour: "2-digit",
		minute: "2-digit",
	};
	return new Date(job.start).toLocaleString(undefined, options);
}

function card(page, job, pending) {
	const status = pending.length
		? __("Waiting to send")
		: job.status === "Confirmed" && job.started
			? __("In progress")
			: __(job.status);
	const actions =
		job.status !== "Confirmed"
			? []
			: job.started
				? ["complete", "no_show"]
				: ["start", "no_show"];
	const note = el("textarea", {
		class: "form-control",
		rows: 2,
		maxlength: 2000,
		"aria-label": __("Note for {0}", [job.customer]),
	});
	return el(
		"article",
		{ class: "fp-card fp-job", "data-appointment": job.name },
		el(
			"div",
			{ class: "fp-card-head" },
			el(
				"h2",
				{ class: "fp-card-title" },
				`${when(job, page.data.timezone)} · ${job.service}`,
			),
			el("span", { class: "fp-badge", "data-ref": "status" }, status),
		),
		el(
			"dl",
			{ class: "fp-facts" },
			el("div", {}, el("dt", {}, __("Customer")), el("dd", {}, job.customer || "")),
			job.phone
				? el(
						"div",
						{},
						el("dt", {}, __("Phone")),
						el("dd", {}, el("a", { href: `tel:${job.phone}` }, job.phone)),
					)
				: null,
			job.address
				? el("div", {}, el("dt", {}, __("Address")), el("dd", {}, job.address))
				: null,
			job.map
				? el(
						"div",
						{},
						el("dt", {}, __("Place")),
						el(
							"dd",
							{},
							el(
								"a",
								{ href: job.map, target: "_blank", rel: "noopener" },
								__("Open the map"),
							),
							job.km_from_previous !== null
								? ` · ${__("{0} km from the previous job", [job.km_from_previous])}`
								: "",
						),
					)
				: null,
			job.notes ? el("div", {}, el("dt", {}, __("Notes")), el("dd", {}, job.notes)) : null,
		),
		el(
			"div",
			{ class: "fp-actions" },
			...actions.map((action) =>
				el(
					"button",
					{
						type: "button",
						class: action === "no_show" ? "btn btn-default" : "btn btn-primary",
						onclick: () => send(page, { kind: "act", appointment: job.name, action }),
					},
					LABELS[action](),
				),
			),
		),
		photoField(page, job),
		el(
			"div",
			{ class: "fp-field" },
			note,
			el(
				"button",
				{
					type: "button",
					class: "btn btn-default btn-sm",
					onclick: () => {
						if (!note.value.trim()) return;
						send(page, {
							kind: "note",
							appointment: job.name,
							note: note.value.trim(),
							request_id: requestId(),
						});
						note.value = "";
					},
				},
				__("Add note"),
			),
		),
	);
}

// crypto.randomUUID needs a secure context (https); a note's id only has to be unique per user.
const requestId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

// A photo goes straight to the job's attachments (Frappe's upload, which checks the technician may
// write this job); it needs a connection, and says so rather than queueing megabytes. What it last
// said is kept with the page: the jobs are drawn again whenever they are re-read, maybe mid-upload.
function photoField(page, job) {
	const id = `fp-photo-${job.name}`;
	const input = el("input", {
		id,
		type: "file",
		accept: "image/*",
		capture: "environment",
		class: "form-control",
	});
	page.photoStatus ??= {};
	const status = el(
		"p",
		{ class: "fp-muted", role: "status", id: `${id}-status` },
		page.photoStatus[job.name] || "",
	);
	const show = (text) => {
		page.photoStatus[job.name] = text;
		const shown = document.getElementById(`${id}-status`); // this card's, or the one drawn since
		if (shown) shown.textContent = text;
	};
	input.addEventListener("change", async () => {
		const [file] = input.files;
		if (!file) return;
		if (!navigator.onLine) {
			show(__("Photos need a connection: attach it again when you are back online."));
			return;
		}
		const body = new FormData();
		body.append("file", file, file.name);
		body.append("doctype", "Service Appointment");
		body.append("docname", job.name);
		body.append("is_private", "1");
		show(__("Attaching…"));
		const response = await fetch("/api/method/upload_file", {
			method: "POST",
			body,
			headers: { "X-Frappe-CSRF-Token": csrfToken(), Accept: "application/json" },
			credentials: "same-origin",
		}).catch(() => null);
		show(
			response?.ok
				? __("Photo attached.")
				: __("The photo could not be attached. Please try again."),
		);
		input.value = "";
	});
	return el(
		"div",
		{ class: "fp-field" },
		el("label", { class: "fp-label", for: id }, __("Attach a photo")),
		input,
		status,
	);
}

function send(page, item) {
	save(QUEUE_KEY, [...load(QUEUE_KEY, []), item]);
	render(page);
	flush(page);
}

let flushing = false;
async function flush(page) {
	if (flushing) return;
	flushing = true;
	try {
		for (let queue = load(QUEUE_KEY, []); queue.length; queue = load(QUEUE_KEY, [])) {
			const item = queue[0];
			try {
				if (item.kind === "act")
					await call(
						"frappoint.api.jobs.act",
						{ appointment: item.appointment, action: item.action },
						{ post: true },
					);
				else
					await call(
						"frappoint.api.jobs.add_note",
						{
							appointment: item.appointment,
							note: item.note,
							request_id: item.request_id,
						},
						{ post: true },
					);
			} catch (e) {
				if (e.status === 0) {
					say(
						page,
						__("Offline: {0} waiting to be sent when the connection is back.", [
							queue.length,
						]),
					);
					return;
				}
				showAlert(page.root, e.message); // refused for good (e.g. already cancelled): drop it
			}
			save(QUEUE_KEY, load(QUEUE_KEY, []).slice(1));
		}
		say(page, "");
		await refresh(page);
	} finally {
		flushing = false;
	}
}

function say(page, message) {
	ref(page.root, "sync").textContent = message;
}
