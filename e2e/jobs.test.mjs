// End-to-end test of the technician portal (/jobs) in headless Chromium at 375 px (and a 1280 px
// screenshot, axe at both): a technician starts a job, adds a note and a photo, loses the connection, completes the job while
// offline, and the queued action is sent when the connection is back. axe on the page; screenshots
// jobs-*.png. Run as portal.test.mjs is (npm test runs every file).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { adminSession } from "./site.mjs";
import { axe, newPage, snap, useBrowser } from "./portal.mjs";

useBrowser("jobs");

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const isoDay = (date) => date.toISOString().slice(0, 10);
const resource = (doctype, name = "") =>
	`/api/resource/${encodeURIComponent(doctype)}${name ? `/${encodeURIComponent(name)}` : ""}`;
const method = (path, params) => `/api/method/${path}?${new URLSearchParams(params)}`;

async function technicianWithAJob(admin) {
	const id = Math.random().toString(36).slice(2, 8);
	const email = `tech-${id}@example.com`;
	const password = `Fp-${id}-${Date.now()}!x`;
	await admin("POST", resource("User"), {
		email,
		first_name: "Tess",
		last_name: `Tech ${id}`,
		send_welcome_email: 0,
		new_password: password,
		roles: [{ role: "Service Provider" }],
	});
	const provider = (
		await admin("POST", resource("Service Provider"), {
			provider_name: `Tess Tech ${id}`,
			user: email,
			timezone: "Europe/London",
			services: [{ service_type: "Haircut" }],
			shifts: DAYS.map((weekday) => ({
				weekday,
				start_time: "08:00:00",
				end_time: "18:00:00",
			})),
		})
	).data.name;
	await admin("POST", "/api/method/run_doc_method", {
		dt: "Service Provider",
		dn: provider,
		method: "generate_slots",
	});
	const tomorrow = isoDay(new Date(Date.now() + 86400000));
	const free = (
		await admin(
			"GET",
			method("frappoint.api.booking.availability", {
				service_type: "Haircut",
				provider,
				from_date: tomorrow,
				to_date: tomorrow,
				timezone: "Europe/London",
			}),
		)
	).message.slots;
	const held = await admin("POST", "/api/method/frappoint.api.booking.hold", {
		service_type: "Haircut",
		provider,
		start: free[0].start,
		customer_name: "Jobs Customer",
		customer_email: `jobs-${id}@example.com`,
		customer_phone: "+44 7700 900123",
		latitude: 51.5074,
		longitude: -0.1278,
	});
	await admin("POST", "/api/method/frappoint.api.booking.confirm", {
		appointment: held.message.name,
	});
	return { email, password, job: held.message.name };
}

describe("the technician portal", () => {
	test("a technician starts a job, adds a note and completes it while offline", async () => {
		const admin = await adminSession();
		const { email, password, job } = await technicianWithAJob(admin);

		const page = await newPage({ width: 375, timezoneId: "Europe/London" });
		const login = await page.request.post("/api/method/login", {
			form: { usr: email, pwd: password },
		});
		assert.equal(login.status(), 200);
		await page.goto("/jobs", { waitUntil: "domcontentloaded" });
		const card = page.locator(`[data-appointment="${job}"]`);
		await card.waitFor();
		assert.match(await card.innerText(), /Jobs Customer/);
		assert.ok(await card.locator('a[href^="tel:"]').count(), "the phone is a link");
		assert.ok(
			await card.getByRole("link", { name: "Open the map" }).count(),
			"the place is a map link",
		);
		await axe(page, "jobs");
		await snap(page, "jobs-1-day");

		await card.getByRole("button", { name: "Start" }).click();
		await card
			.locator('[data-ref="status"]')
			.filter({ hasText: /^\s*In progress\s*$/ })
			.waitFor();
		await card.locator("textarea").fill("Customer asked for a shorter cut");
		const noted = page.waitForResponse(
			(r) => r.url().includes("frappoint.api.jobs.add_note") && r.ok(),
		);
		const reloaded = page.waitForResponse(
			(r) => r.url().includes("frappoint.api.jobs.jobs") && r.ok(),
		);
		await card.getByRole("button", { name: "Add note" }).click();
		await noted;
		await reloaded; // the page re-reads the jobs after sending its queue

		// a photo of the work, straight to the job's attachments
		const uploaded = page.waitForResponse((r) => r.url().includes("/api/method/upload_file"));
		await card.getByLabel("Attach a photo").setInputFiles({
			name: "valve.png",
			mimeType: "image/png",
			buffer: Buffer.from(
				"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
				"base64",
			),
		});
		assert.equal((await uploaded).status(), 200);
		await card.getByText("Photo attached.").waitFor();

		// the connection drops; Complete is queued on the phone
		await page.context().setOffline(true);
		await card.getByRole("button", { name: "Complete" }).click();
		await card
			.locator('[data-ref="status"]')
			.filter({ hasText: /^\s*Waiting to send\s*$/ })
			.waitFor();
		await page.getByText(/Offline: 1 waiting to be sent/).waitFor();
		await snap(page, "jobs-2-offline");
		assert.equal(
			(await admin("GET", resource("Service Appointment", job))).data.status,
			"Confirmed",
		);

		// back online: the queue is sent and the job shows as completed
		await page.context().setOffline(false);
		await card
			.locator('[data-ref="status"]')
			.filter({ hasText: /^\s*Completed\s*$/ })
			.waitFor();
		await snap(page, "jobs-3-completed");
		const stored = (await admin("GET", resource("Service Appointment", job))).data;
		assert.equal(stored.status, "Completed");
		assert.ok(stored.started_at, "started through the lifecycle");
		const comments = await admin(
			"GET",
			`${resource("Comment")}?${new URLSearchParams({
				filters: JSON.stringify([
					["reference_name", "=", job],
					["comment_type", "=", "Comment"],
				]),
				fields: JSON.stringify(["content"]),
			})}`,
		);
		assert.deepEqual(
			comments.data.map((c) => c.content),
			["Customer asked for a shorter cut"],
		);
		const files = await admin(
			"GET",
			`${resource("File")}?${new URLSearchParams({ filters: JSON.stringify([["attached_to_name", "=", job]]), fields: JSON.stringify(["file_name", "is_private"]) })}`,
		);
		assert.deepEqual(
			files.data.map((f) => [f.file_name, f.is_private]),
			[["valve.png", 1]],
		);
		await page.setViewportSize({ width: 1280, height: 900 });
		await axe(page, "jobs-1280");
		assert.deepEqual(page.errors, []);
	});
});
