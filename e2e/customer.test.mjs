// End-to-end test of the portal as a logged-in customer (a website user with a Contact), in headless
// Chromium: the form comes prefilled, /appointments lists the bookings and their cut-off rule, a POST
// without the session's CSRF token is refused, and moving and cancelling work from the list.
// Run as portal.test.mjs is (npm test runs every file).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { adminSession } from "./site.mjs";
import {
	axe,
	chooseService,
	field,
	laterDay,
	makeCustomer,
	newPage,
	openBooking,
	pickTime,
	snap,
	useBrowser,
} from "./portal.mjs";

useBrowser("customer");

describe("a logged-in customer", () => {
	let customer;

	before(async () => {
		customer = await makeCustomer(await adminSession());
	});

	test("books with prefilled details, then reschedules and cancels from /appointments", async () => {
		const page = await newPage({ width: 1280, timezoneId: "America/New_York" });
		const login = await page.request.post("/api/method/login", {
			form: { usr: customer.email, pwd: customer.password },
		});
		assert.equal(login.status(), 200);

		await openBooking(page);
		await chooseService(page, "Massage");
		await laterDay(page);
		const { response } = await pickTime(page, 0);
		assert.equal(response.status(), 200, await response.text());
		await page.getByRole("heading", { name: "Your details" }).waitFor();
		assert.equal(await field(page, "Name").inputValue(), customer.name);
		assert.equal(await field(page, "Email").inputValue(), customer.email);
		assert.equal(await field(page, "Email").getAttribute("readonly"), "");
		await snap(page, "10-customer-details");
		await page.getByRole("button", { name: "Confirm booking" }).click();
		await page.getByRole("heading", { name: "You are booked" }).waitFor();

		// /appointments is in the portal menu and lists the booking with the cut-off rule.
		await page.goto("/appointments");
		await page.getByRole("heading", { name: "My appointments" }).waitFor();
		assert.ok(
			await page.locator('a[href="/appointments"]').count(),
			"portal menu links /appointments",
		);
		const card = page.locator(".fp-appointment").filter({ hasText: "Massage" }).first();
		await card.waitFor();
		assert.match(await page.locator(".fp").textContent(), /until 24 hours before the start/);
		assert.match(await card.locator(".fp-rule").textContent(), /online until .*2\d{3}/);
		await axe(page, "appointments");
		await snap(page, "11-appointments");

		// A POST from this session without its CSRF token is refused; the page always sends it.
		const name = await card.getAttribute("data-appointment");
		const forged = await page.request.post("/api/method/frappoint.api.booking.cancel", {
			data: { appointment: name },
		});
		assert.equal(forged.status(), 400);

		await card.getByRole("link", { name: "Reschedule" }).click();
		await page.getByRole("heading", { name: "Move your appointment" }).waitFor();
		await page.locator(".fp-time").first().waitFor();
		await laterDay(page, 1);
		await page.locator(".fp-time").first().click();
		await page.getByRole("button", { name: "Move my appointment" }).click();
		await page.getByRole("heading", { name: "Your appointment has moved" }).waitFor();

		await page.goto("/appointments");
		const movedName = await page
			.locator(".fp-appointment")
			.filter({ has: page.locator('[data-ref="status"]', { hasText: /^\s*Confirmed\s*$/ }) })
			.first()
			.getAttribute("data-appointment");
		const moved = page.locator(`[data-appointment="${movedName}"]`);
		await moved.getByRole("button", { name: "Cancel appointment" }).click();
		await moved.getByRole("button", { name: "Yes, cancel it" }).click();
		await moved.getByText("Your appointment is cancelled").waitFor();
		await snap(page, "12-appointments-cancelled");
		await page.goto("/appointments");
		const cancelled = page.locator(".fp-appointment").filter({ hasText: "Cancelled" });
		assert.ok(
			(await cancelled.count()) >= 2,
			"the moved and the cancelled appointment are listed as past",
		);
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});
});
