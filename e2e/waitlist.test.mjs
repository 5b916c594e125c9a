// End-to-end test of the wait-list in headless Chromium at 375 px: a service whose next two weeks are
// fully booked, a logged-in customer who joins the wait-list on /book, a booking cancelled by the
// front desk, the bench's RQ worker offering the freed time to the customer as a hold, and the
// customer confirming it on /appointments (the site has no outgoing email; the offer email and its
// link are covered by the site tests). axe on both pages; screenshots waitlist-*.png.
// Run as portal.test.mjs is (npm test runs every file).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { adminSession } from "./site.mjs";
import { axe, makeCustomer, newPage, openBooking, snap, useBrowser } from "./portal.mjs";

useBrowser("waitlist");

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const isoDay = (date) => date.toISOString().slice(0, 10);
const method = (path, params) => `/api/method/${path}?${new URLSearchParams(params)}`;
const resource = (doctype, params) =>
	`/api/resource/${encodeURIComponent(doctype)}?${new URLSearchParams(params)}`;

async function until(what, check, seconds = 300) {
	for (let waited = 0; waited < seconds; waited += 1) {
		const found = await check();
		if (found) return found;
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	assert.fail(`waited ${seconds} s for ${what}`);
}

async function fullyBookedService(admin, tag) {
	const service = (
		await admin("POST", `/api/resource/${encodeURIComponent("Service Type")}`, {
			service_name: `Waitlist ${tag}`,
			duration_minutes: 30,
			pricing_tiers: [{ tier: "Standard", rate: 40 }],
			// the site bills in ERPNext: a service needs a Billing Item (the demo's Haircut's)
			billing_item: (
				await admin("GET", `/api/resource/${encodeURIComponent("Service Type")}/Haircut`)
			).data.billing_item,
		})
	).data.name;
	// one half hour a day: one time a day to fill
	const provider = (
		await admin("POST", `/api/resource/${encodeURIComponent("Service Provider")}`, {
			provider_name: `Wendy ${tag}`,
			timezone: "Europe/London",
			slot_minutes: 30,
			services: [{ service_type: service }],
			shifts: DAYS.map((weekday) => ({
				weekday,
				start_time: "10:00:00",
				end_time: "10:30:00",
			})),
		})
	).data.name;
	await admin("POST", "/api/method/run_doc_method", {
		dt: "Service Provider",
		dn: provider,
		method: "generate_slots",
	});
	const free = (
		await admin(
			"GET",
			method("frappoint.api.booking.availability", {
				service_type: service,
				from_date: isoDay(new Date()),
				to_date: isoDay(new Date(Date.now() + 15 * 86400000)),
				timezone: "Europe/London",
			}),
		)
	).message;
	const booked = [];
	for (const window of free.slots) {
		const held = await admin("POST", "/api/method/frappoint.api.booking.hold", {
			service_type: service,
			provider,
			start: window.start,
			customer_name: "Fully Booked",
			customer_email: `booked-${tag}@example.com`,
		});
		await admin("POST", "/api/method/frappoint.api.booking.confirm", {
			appointment: held.message.name,
		});
		booked.push(held.message.name);
	}
	assert.ok(booked.length >= 14, `expected two weeks of times to book, found ${booked.length}`);
	return { service, booked };
}

describe("the wait-list", () => {
	test("a customer joins when nothing is free and confirms the time offered when one frees up", async () => {
		const admin = await adminSession();
		const tag = Math.random().toString(36).slice(2, 8);
		const customer = await makeCustomer(admin);
		const email = customer.email;
		const { service, booked } = await fullyBookedService(admin, tag);

		const page = await newPage({ width: 375, timezoneId: "Europe/London" });
		const login = await page.request.post("/api/method/login", {
			form: { usr: customer.email, pwd: customer.password },
		});
		assert.equal(login.status(), 200);
		await openBooking(page, `/book?service=${encodeURIComponent(service)}`);
		const form = page.getByRole("form", { name: "Join the wait-list" });
		await form.waitFor();
		assert.match(
			await page.locator('[data-ref="times-title"]').textContent(),
			/No free times/,
		);
		await form.locator("#fp-wl-name").fill("Wanda Waiter");
		await form.locator("#fp-wl-email").fill(email);
		await axe(page, "waitlist-join");
		await form.getByRole("button", { name: "Tell me when a time frees up" }).click();
		await page.getByText("You are on the wait-list").waitFor();
		await snap(page, "waitlist-1-joined");
		assert.deepEqual(page.errors, []);

		// the front desk cancels one booking; the worker offers its time to the waiter
		await admin("POST", "/api/method/frappoint.api.booking.cancel", {
			appointment: booked[3],
			reason: "Cannot come",
		});
		// the offer job waits behind the other tests' jobs on one worker of a busy machine
		const entry = await until("the offer", async () => {
			const rows = (
				await admin(
					"GET",
					resource("Waitlist Entry", {
						filters: JSON.stringify([["customer_email", "=", email]]),
						fields: JSON.stringify(["name", "status", "appointment"]),
					}),
				)
			).data;
			return rows[0]?.status === "Offered" ? rows[0] : null;
		});
		await page.goto("/appointments", { waitUntil: "domcontentloaded" });
		const confirm = page.getByRole("button", { name: "Confirm this time" });
		await confirm.waitFor();
		await axe(page, "waitlist-offer");
		await snap(page, "waitlist-2-offered");
		await confirm.click();
		await page
			.locator('[data-ref="status"]')
			.filter({ hasText: /^\s*Confirmed\s*$/ })
			.waitFor();
		await snap(page, "waitlist-3-confirmed");
		assert.deepEqual(page.errors, []);

		const after = (
			await admin(
				"GET",
				resource("Waitlist Entry", {
					filters: JSON.stringify([["name", "=", entry.name]]),
					fields: JSON.stringify(["status"]),
				}),
			)
		).data[0];
		assert.equal(after.status, "Booked");
	});
});
