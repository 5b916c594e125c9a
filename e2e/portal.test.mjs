// End-to-end test of the Frappoint customer portal in headless Chromium (Debian's, driven by
// playwright-core): a guest and a logged-in customer book, reschedule and cancel; bad links,
// expired holds and taken times are shown clearly; axe-core checks every page; screenshots at
// 375 px and 1280 px go to e2e/screenshots/. Run it against a running bench:
//
//   cd e2e && npm ci && FRAPPOINT_E2E_URL=http://frappoint.test:8000 npm test
//
// Settings (environment): FRAPPOINT_E2E_URL (the site's URL, default http://frappoint.test:8000),
// FRAPPOINT_SITE (default: the URL's host name), FRAPPOINT_ADMIN_PASSWORD (default admin),
// FRAPPOINT_BENCH (bench directory for `bench execute`, default ~/frappe-bench),
// CHROMIUM_PATH (default /usr/bin/chromium), FRAPPOINT_E2E_INTERACTIVE_RATIO (default 2: /book
// interactive in at most twice the time Frappe's own /login page takes to load, in the same run).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { BASE, adminSession, benchExecute, launchBrowser } from "./site.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const RATIO_BUDGET = Number(process.env.FRAPPOINT_E2E_INTERACTIVE_RATIO || 2);
const SHOTS = join(HERE, "screenshots");
const AXE = join(HERE, "node_modules", "axe-core", "axe.min.js");
const SERVICE = "Haircut";
const WIDTHS = [375, 1280];

const report = { timings: [], axe: [] };
let browser;

// --- the site, as the administrator sets it up ------------------------------------------------

async function makeCustomer(admin) {
	const id = Math.random().toString(36).slice(2, 8);
	const email = `e2e-${id}@example.com`;
	const password = `Fp-${id}-${Date.now()}!x`;
	await admin("POST", "/api/resource/User", {
		email,
		first_name: "Robin",
		last_name: `Portal ${id}`,
		user_type: "Website User",
		send_welcome_email: 0,
		new_password: password,
	});
	await admin("POST", "/api/resource/Contact", {
		first_name: "Robin",
		last_name: `Portal ${id}`,
		user: email,
		email_ids: [{ email_id: email, is_primary: 1 }],
		phone_nos: [{ phone: "+1 212 555 0142", is_primary_mobile_no: 1 }],
	});
	return { email, password, name: `Robin Portal ${id}` };
}

// --- the browser --------------------------------------------------------------------------------

async function newPage({ width = 375, timezoneId = "Europe/London" } = {}) {
	const context = await browser.newContext({
		viewport: { width, height: 900 },
		timezoneId,
		locale: "en-GB",
		baseURL: BASE.origin,
	});
	const page = await context.newPage();
	page.errors = [];
	page.on("pageerror", (e) => page.errors.push(e.message));
	return page;
}

async function snap(page, name) {
	const original = page.viewportSize();
	for (const width of WIDTHS) {
		await page.setViewportSize({ width, height: 900 });
		await page.waitForTimeout(100);
		await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
	}
	await page.setViewportSize(original);
}

async function axe(page, name) {
	await page.addScriptTag({ path: AXE });
	const violations = await page.evaluate(async () => {
		const result = await window.axe.run(document, { resultTypes: ["violations"] });
		return result.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
		}));
	});
	const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	report.axe.push({ page: name, serious_or_critical: blocking.length, other: violations.length - blocking.length });
	assert.deepEqual(blocking, [], `axe on ${name}: ${JSON.stringify(blocking, null, 1)}`);
}

async function openBooking(page, path = "/book") {
	await page.goto(path, { waitUntil: "domcontentloaded" });
	await page.waitForFunction(() => document.documentElement.dataset.fpReady === "1");
}

async function chooseService(page, service = SERVICE) {
	const loaded = page.waitForResponse((r) => r.url().includes("frappoint.api.booking.availability"));
	await page.getByRole("radio", { name: new RegExp(`^${service}\\b`) }).click();
	await loaded;
	await page.locator(".fp-time").first().waitFor();
}

async function laterDay(page, fromEnd = 0) {
	// A day near the end of the two weeks: a full list of times, and far enough ahead that the
	// cancellation cut-off still allows moving or cancelling it online.
	const days = page.locator(".fp-day:not([disabled])");
	await days.nth((await days.count()) - 1 - fromEnd).click();
	await page.locator(".fp-time").first().waitFor();
}

async function pickTime(page, index = 0) {
	const button = page.locator(".fp-time").nth(index);
	const start = await button.getAttribute("data-start");
	const held = page.waitForResponse((r) => r.url().includes("frappoint.api.booking.hold"));
	await button.click();
	return { start, response: await held };
}

function field(page, label) {
	// "Email (required)" and not the footer's newsletter box.
	return page.getByRole("textbox", { name: new RegExp(`^${label}\\b`) });
}

async function fillDetails(page, { name, email, phone }) {
	if (name !== undefined) await field(page, "Name").fill(name);
	if (email !== undefined) await field(page, "Email").fill(email);
	if (phone !== undefined) await field(page, "Phone").fill(phone);
}

async function manageLink(page) {
	return page.locator('[data-ref="manage-link"]').getAttribute("href");
}

// --- the tests ----------------------------------------------------------------------------------

before(async () => {
	mkdirSync(SHOTS, { recursive: true });
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	console.log("\n== portal e2e report");
	for (const t of report.timings) console.log(`timing ${JSON.stringify(t)}`);
	for (const a of report.axe) console.log(`axe ${JSON.stringify(a)}`);
	console.log(`screenshots in ${SHOTS}`);
});

describe("the booking page", () => {
	test("is interactive within the budget and reads two weeks in one request", async () => {
		const page = await newPage();
		// A first visit warms the browser's asset cache, as a returning customer's would be.
		await openBooking(page);
		const runs = [];
		for (let i = 0; i < 3; i++) {
			await openBooking(page);
			runs.push(
				await page.evaluate(() => {
					const nav = performance.getEntriesByType("navigation")[0];
					const mark = performance.getEntriesByName("frappoint:interactive")[0];
					return {
						ttfb_ms: Math.round(nav.responseStart),
						dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
						interactive_ms: Math.round(mark.startTime),
					};
				})
			);
		}
		const best = runs.reduce((a, b) => (a.interactive_ms <= b.interactive_ms ? a : b));
		const median = [...runs].sort((a, b) => a.interactive_ms - b.interactive_ms)[1];
		// The baseline, measured the same way in the same minute: Frappe's own /login page, loaded.
		await page.goto("/login", { waitUntil: "load" });
		const loginRuns = [];
		for (let i = 0; i < 3; i++) {
			await page.goto("/login", { waitUntil: "load" });
			loginRuns.push(await page.evaluate(() => Math.round(performance.getEntriesByType("navigation")[0].loadEventEnd)));
		}
		const loginMs = [...loginRuns].sort((a, b) => a - b)[1];
		await openBooking(page);
		const ratio = median.interactive_ms / loginMs;
		report.timings.push({ page: "/book", best, median, runs, frappe_login_load_ms: loginMs, ratio });
		console.log(
			`/book interactive: median ${median.interactive_ms} ms (ttfb ${median.ttfb_ms} ms); ` +
				`Frappe's /login loaded: median ${loginMs} ms; ratio ${ratio.toFixed(2)}`
		);

		const availability = [];
		page.on("request", (r) => {
			if (r.url().includes("frappoint.api.booking.availability")) availability.push(new URL(r.url()));
		});
		await chooseService(page);
		assert.equal(availability.length, 1, "one request for the two-week view");
		const query = availability[0].searchParams;
		const days = (Date.parse(query.get("to_date")) - Date.parse(query.get("from_date"))) / 86400000 + 1;
		assert.equal(days, 14);
		assert.equal(query.get("timezone"), "Europe/London");
		assert.deepEqual(page.errors, []);
		// A ratio, not a time: the machine's load moves both alike (benchmarks/ hold the absolute figures).
		assert.ok(ratio <= RATIO_BUDGET, `/book interactive ${ratio.toFixed(2)}× Frappe's /login`);
		await page.context().close();
	});
});

describe("a guest", () => {
	test("books, reschedules and cancels with the manage link", async () => {
		const page = await newPage({ width: 375, timezoneId: "Europe/London" });
		await openBooking(page);
		await axe(page, "book: services");
		await snap(page, "01-book-services");

		await chooseService(page);
		await laterDay(page);
		await snap(page, "02-book-times");
		await axe(page, "book: times");

		// The zone is detected and changeable: New York shows the same instants 5 hours earlier.
		const firstLondon = await page.locator(".fp-time").first().textContent();
		const reload = page.waitForResponse((r) => r.url().includes("availability"));
		await page.getByLabel("Times are shown in").selectOption("America/New_York");
		await reload;
		// The times are drawn a tick after the response arrives: wait for the redraw, then compare.
		await page
			.waitForFunction((before) => document.querySelector(".fp-time")?.textContent !== before, firstLondon, {
				timeout: 5000,
			})
			.catch(() => {});
		const firstNewYork = await page.locator(".fp-time").first().textContent();
		assert.notEqual(firstLondon, firstNewYork);
		const back = page.waitForResponse((r) => r.url().includes("availability"));
		await page.getByLabel("Times are shown in").selectOption("Europe/London");
		await back;
		await page.waitForFunction((london) => document.querySelector(".fp-time")?.textContent === london, firstLondon);

		const { response } = await pickTime(page, 1);
		assert.equal(response.status(), 200);
		await page.getByRole("heading", { name: "Your details" }).waitFor();
		assert.match(await page.locator('[data-ref="countdown"]').textContent(), /^\d+:\d\d$/);

		// Nothing typed: clear messages by the fields, nothing sent.
		await page.getByRole("button", { name: "Confirm booking" }).click();
		assert.equal(await field(page, "Name").getAttribute("aria-invalid"), "true");
		assert.match(await page.locator("#fp-name-error").textContent(), /name/i);
		await axe(page, "book: details with errors");
		await snap(page, "03-book-details");

		await fillDetails(page, { name: "Ann <b>Guest</b>", email: "ann.e2e@example.com", phone: "+44 20 7946 0000" });
		await page.getByRole("button", { name: "Confirm booking" }).click();
		await page.getByRole("heading", { name: "You are booked" }).waitFor();
		const link = await manageLink(page);
		assert.match(link, /^\/appointments\/APT-[\w-]+\?token=[\w.-]+$/);
		await axe(page, "book: confirmation");
		await snap(page, "04-book-confirmed");

		// The manage link: view, with the customer's text shown as text.
		await page.goto(link);
		await page.getByText("Confirmed", { exact: true }).waitFor();
		assert.equal(await page.locator(".fp-facts b").count(), 0, "customer text must not become markup");
		assert.ok((await page.locator(".fp-facts").textContent()).includes("Ann <b>Guest</b>"));
		await axe(page, "manage page");
		await snap(page, "05-manage");

		// Reschedule: another time, the old one kept until the new one is secured.
		await page.getByRole("link", { name: "Reschedule" }).click();
		await page.getByRole("heading", { name: "Move your appointment" }).waitFor();
		await page.waitForFunction(() => document.documentElement.dataset.fpReady === "1");
		await page.locator(".fp-time").first().waitFor();
		await laterDay(page, 1);
		await page.locator(".fp-time").first().click();
		await axe(page, "reschedule: confirm");
		await snap(page, "06-reschedule");
		await page.getByRole("button", { name: "Move my appointment" }).click();
		await page.getByRole("heading", { name: "Your appointment has moved" }).waitFor();
		const newLink = await manageLink(page);
		assert.notEqual(newLink, link);

		// The old link now says where the appointment went; the new one cancels it.
		await page.goto(link);
		await page.getByText("This appointment was moved").waitFor();
		await page.goto(newLink);
		await page.getByRole("button", { name: "Cancel appointment" }).click();
		await page.getByLabel("Reason (optional)").fill("Plans changed");
		await page.getByRole("button", { name: "Yes, cancel it" }).click();
		await page.getByText("Your appointment is cancelled").waitFor();
		await axe(page, "manage page: cancelled");
		await snap(page, "07-cancelled");
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("books with the keyboard alone", async () => {
		const page = await newPage({ width: 375 });
		await openBooking(page);
		const focused = () => page.evaluate(() => {
			const el = document.activeElement;
			return { id: el.id, cls: el.className, text: el.textContent.trim().slice(0, 40) };
		});
		// Space picks a service, Enter folds the list away.
		await page.getByRole("radio", { name: new RegExp(`^${SERVICE}\\b`) }).focus();
		const loaded = page.waitForResponse((r) => r.url().includes("availability"));
		await page.keyboard.press("Space");
		await loaded;
		await page.keyboard.press("Enter");
		assert.equal((await focused()).text, "Change service");
		// Tab through option, provider, timezone and the day strip to the first free time.
		let target = null;
		for (let i = 0; i < 60 && !target; i++) {
			await page.keyboard.press("Tab");
			const now = await focused();
			if (now.cls.includes("fp-time")) target = now;
		}
		assert.ok(target, "the free times are reachable with Tab");
		const held = page.waitForResponse((r) => r.url().includes("frappoint.api.booking.hold"));
		await page.keyboard.press("Enter");
		await held;
		// The page moves focus once it has rendered the hold, a tick after the response arrives.
		await page.waitForFunction(() => document.activeElement?.id === "fp-details-title", null, { timeout: 5000 }).catch(() => {});
		assert.equal((await focused()).id, "fp-details-title", "focus moves to the details");
		await page.keyboard.press("Tab");
		await page.keyboard.type("Kim Keyboard");
		await page.keyboard.press("Tab");
		await page.keyboard.type("kim.e2e@example.com");
		await page.keyboard.press("Tab");
		await page.keyboard.press("Enter"); // submits the form from the phone field
		await page.getByRole("heading", { name: "You are booked" }).waitFor();
		assert.equal((await focused()).id, "fp-done-title", "focus moves to the confirmation");
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("gets a clear 403 page for a wrong, foreign or expired link, and nothing changes", async () => {
		const page = await newPage();
		await openBooking(page, `/book?service=${SERVICE}`);
		await laterDay(page);
		await pickTime(page, 2);
		await fillDetails(page, { name: "Bo Guest", email: "bo.e2e@example.com" });
		await page.getByRole("button", { name: "Confirm booking" }).click();
		await page.getByRole("heading", { name: "You are booked" }).waitFor();
		const link = await manageLink(page);
		const [path, token] = link.split("?token=");

		for (const bad of ["nonsense", token.slice(0, -2) + "00", ""]) {
			const response = await page.goto(`${path}?token=${bad}`);
			assert.equal(response.status(), 403);
			await page.getByRole("heading", { level: 1, name: "This link does not work" }).waitFor();
		}
		await axe(page, "403 page");
		await snap(page, "08-forbidden");

		const name = path.split("/").pop();
		const refused = await page.request.post("/api/method/frappoint.api.booking.cancel", {
			data: { appointment: name, token: "nonsense" },
		});
		assert.equal(refused.status(), 403);
		await page.goto(link);
		await page.getByText("Confirmed", { exact: true }).waitFor();
		await page.context().close();
	});

	test("is told when the hold expired or the time was taken, and sees fresh times", async () => {
		const page = await newPage();
		await openBooking(page, `/book?service=${SERVICE}`);
		await laterDay(page);

		// Expired while typing.
		const { response } = await pickTime(page, 3);
		const hold = (await response.json()).message;
		benchExecute("frappoint.tests.fixtures.expire_hold_now", [hold.name]);
		await fillDetails(page, { name: "Cy Guest", email: "cy.e2e@example.com" });
		const fresh = page.waitForResponse((r) => r.url().includes("availability"));
		await page.getByRole("button", { name: "Confirm booking" }).click();
		await fresh;
		const alert = page.getByRole("alert").filter({ hasText: "expired" });
		await alert.waitFor();
		assert.ok(await page.locator(".fp-time").first().isVisible(), "fresh times are shown");
		await snap(page, "09-hold-expired");
		await axe(page, "book: hold expired");

		// Taken by someone else between seeing the time and choosing it.
		const provider = await page.getByLabel("Provider").locator("option").nth(1).getAttribute("value");
		const reload = page.waitForResponse((r) => r.url().includes("availability"));
		await page.getByLabel("Provider").selectOption(provider);
		await reload;
		const button = page.locator(".fp-time").first();
		const start = await button.getAttribute("data-start");
		const other = await browser.newContext({ baseURL: BASE.origin });
		const taken = await other.request.post("/api/method/frappoint.api.booking.hold", {
			data: { service_type: SERVICE, start, provider },
		});
		assert.equal(taken.status(), 200);
		const refreshed = page.waitForResponse((r) => r.url().includes("availability"));
		await button.click();
		await refreshed;
		await page.getByRole("alert").filter({ hasText: "no longer available" }).waitFor();
		assert.equal(await page.locator(`.fp-time[data-start="${start}"]`).count(), 0, "the taken time is gone");
		const theirs = (await taken.json()).message;
		await other.request.post("/api/method/frappoint.api.booking.cancel", {
			data: { appointment: theirs.name, token: theirs.token, reason: "Released" },
		});
		await other.close();
		await page.context().close();
	});
});

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
		await pickTime(page, 0);
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
		assert.ok(await page.locator('a[href="/appointments"]').count(), "portal menu links /appointments");
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
			.filter({ hasText: "Confirmed" })
			.first()
			.getAttribute("data-appointment");
		const moved = page.locator(`[data-appointment="${movedName}"]`);
		await moved.getByRole("button", { name: "Cancel appointment" }).click();
		await moved.getByRole("button", { name: "Yes, cancel it" }).click();
		await moved.getByText("Your appointment is cancelled").waitFor();
		await snap(page, "12-appointments-cancelled");
		await page.goto("/appointments");
		const cancelled = page.locator(".fp-appointment").filter({ hasText: "Cancelled" });
		assert.ok((await cancelled.count()) >= 2, "the moved and the cancelled appointment are listed as past");
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});
});
