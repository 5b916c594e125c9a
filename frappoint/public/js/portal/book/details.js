// /book, the customer's details: prefilled for a logged-in customer, checked before they are sent,
// and a server's refusal shown by the field it is about.

import { DATA, __ } from "frappoint/shared.js";
import { ref, showAlert } from "frappoint/dom.js";

export function prefill(page) {
	const { form, root } = page;
	if (page.moving || !form) return;
	const p = DATA.prefill || {};
	form.customer_name.value = p.name || "";
	form.customer_email.value = p.email || "";
	form.customer_phone.value = p.phone || "";
	if (p.logged_in) {
		form.customer_email.readOnly = true;
		ref(root, "email-hint").textContent = __(
			"You are logged in, so this booking is made under your account's email.",
		);
	}
}

export function knownDetails(page) {
	// Details already typed (or prefilled) go with the hold; the rest follow with the confirmation.
	const { form } = page;
	const name = form.customer_name.value.trim();
	const email = form.customer_email.value.trim();
	if (name && email && form.customer_email.checkValidity()) {
		return { customer_name: name, customer_email: email };
	}
	return {};
}

export function validate(page) {
	const { form } = page;
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
			(v) =>
				!v || /^[+()\d][\d\s().\-/]{5,38}$/.test(v)
					? ""
					: __("Please give a valid phone number, or leave it empty."),
		],
	];
	for (const [field, check] of checks) {
		const input = form[field];
		const message = check(input.value.trim(), input);
		setFieldError(form, input, message);
		if (message && !firstBad) firstBad = input;
	}
	if (firstBad) firstBad.focus();
	return !firstBad;
}

function setFieldError(form, input, message) {
	const error = form.querySelector(`[data-error-for="${input.name}"]`);
	error.textContent = message;
	if (message) input.setAttribute("aria-invalid", "true");
	else input.removeAttribute("aria-invalid");
}

export function showFieldError(page, message) {
	// The server names the problem in words; put it by the field it is about when we can tell.
	const { form, root } = page;
	const lower = message.toLowerCase();
	const field = lower.includes("email")
		? "customer_email"
		: lower.includes("phone")
			? "customer_phone"
			: lower.includes("name")
				? "customer_name"
				: null;
	if (field) {
		setFieldError(form, form[field], message);
		form[field].focus();
	} else {
		showAlert(root, message);
	}
}
