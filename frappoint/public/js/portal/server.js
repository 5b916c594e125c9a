// Calls to frappoint.api.booking: JSON in and out, the CSRF token for logged-in sessions, and the
// server's own (translated) message on every refusal.

import { API, __ } from "frappoint/shared.js";

export class ApiError extends Error {
	constructor(status, message, type) {
		super(message);
		this.status = status;
		this.type = type || "";
	}
}

export function csrfToken() {
	// Logged-in sessions carry a CSRF token that Frappe checks on every POST; guests have none
	// (Frappe v15 keeps no per-guest session), and the page then says "None".
	const token = window.frappe && frappe.csrf_token;
	return token && token !== "None" ? token : "";
}

export async function call(method, args = {}, { post = false } = {}) {
	// "hold" is frappoint.api.booking.hold; a dotted name is a method of its own module
	const path = method.includes(".") ? `/api/method/${method}` : API + method;
	const headers = { Accept: "application/json" };
	let response;
	try {
		if (post) {
			headers["Content-Type"] = "application/json";
			const csrf = csrfToken();
			if (csrf) headers["X-Frappe-CSRF-Token"] = csrf;
			response = await fetch(path, {
				method: "POST",
				headers,
				body: JSON.stringify(args),
				credentials: "same-origin",
			});
		} else {
			const query = new URLSearchParams(
				Object.entries(args).filter(([, v]) => v !== null && v !== undefined && v !== ""),
			);
			response = await fetch(`${path}?${query}`, { headers, credentials: "same-origin" });
		}
	} catch (e) {
		throw new ApiError(
			0,
			__("We could not reach the server. Please check your connection and try again."),
		);
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
	if (status === 403)
		return __("This link is not valid for that appointment, or it has expired.");
	return __("Something went wrong. Please try again.");
}

function plainText(html) {
	// An inert document: nothing in it loads or runs (an <img onerror> in a message stays text).
	return new DOMParser().parseFromString(String(html), "text/html").body.textContent || "";
}
