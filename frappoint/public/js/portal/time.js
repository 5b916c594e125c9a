// Times in the customer's own zone: the zone detected (or chosen), instants formatted there, and
// calendar days that never cross a DST edge.

import { DATA } from "frappoint/shared.js";

export function detectedZone() {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || DATA.site_timezone || "UTC";
	} catch (e) {
		return DATA.site_timezone || "UTC";
	}
}

export function allZones(current) {
	let zones = [];
	try {
		zones = Intl.supportedValuesOf("timeZone");
	} catch (e) {
		zones = [];
	}
	return [...new Set([current, DATA.site_timezone, ...zones].filter(Boolean))].sort();
}

export const zoneName = (zone) => zone.replace(/_/g, " ");

const formats = new Map();
function format(zone, options) {
	const key = zone + JSON.stringify(options);
	if (!formats.has(key)) {
		formats.set(key, new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options }));
	}
	return formats.get(key);
}
export const timeOf = (iso, zone) =>
	format(zone, { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
export const dateTimeOf = (iso, zone) =>
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
export const addDays = (day, n) =>
	new Date(dayDate(day).getTime() + n * 86400000).toISOString().slice(0, 10);
const todayIn = (zone) =>
	format(zone, { year: "numeric", month: "2-digit", day: "2-digit" })
		.formatToParts(new Date())
		.reduce((parts, p) => ({ ...parts, [p.type]: p.value }), {});
export function today(zone) {
	const p = todayIn(zone);
	return `${p.year}-${p.month}-${p.day}`;
}
export const dayLabel = (day, options) => format("UTC", options).format(dayDate(day));

export function localiseTimes(root) {
	// Server-rendered times carry an ISO instant; show them in the visitor's own zone.
	const zone = detectedZone();
	for (const node of root.querySelectorAll("time[data-fp-time]")) {
		const iso = node.getAttribute("datetime");
		if (iso) node.textContent = `${dateTimeOf(iso, zone)} (${zoneName(zone)})`;
	}
}
