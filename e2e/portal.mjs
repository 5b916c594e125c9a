// What the portal's end-to-end files share: a browser per file, pages as a customer's, the steps
// of booking, axe checks and screenshots at 375 px and 1280 px (e2e/screenshots/), and the report
// each file prints at its end.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

import { BASE, launchBrowser } from "./site.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(HERE, "screenshots");
const AXE = join(HERE, "node_modules", "axe-core", "axe.min.js");
export const SERVICE = "Haircut";
const WIDTHS = [375, 1280];

export const report = { timings: [], axe: [] };
let browser;

// --- the site, as the administrator sets it up ------------------------------------------------

export async function makeCustomer(admin) {
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

export async function newPage({ width = 375, timezoneId = "Europe/London" } = {}) {
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

export async function snap(page, name) {
	const original = page.viewportSize();
	for (const width of WIDTHS) {
		await page.setViewportSize({ width, height: 900 });
		await page.waitForTimeout(100);
		await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
	}
	await page.setViewportSize(original);
}

export async function axe(page, name) {
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
	report.axe.push({
		page: name,
		serious_or_critical: blocking.length,
		other: violations.length - blocking.length,
	});
	assert.deepEqual(blocking, [], `axe on ${name}: ${JSON.stringify(blocking, null, 1)}`);
}

export async function openBooking(page, path = "/book") {
	await page.goto(path, { waitUntil: "domcontentloaded" });
	await page.waitForFunction(() => document.documentElement.dataset.fpReady === "1");
}

export async function timesReloaded(page, change) {
	// The page draws the times a tick after their response arrives, then hides "Loading": wait for
	// that, or the old list (another provider's, another zone's) is what the test reads.
	const loaded = page.waitForResponse((r) =>
		r.url().includes("frappoint.api.booking.availability"),
	);
	await change();
	await loaded;
	await page.locator('[data-ref="loading"]').waitFor({ state: "hidden" });
}

export async function chooseService(page, service = SERVICE) {
	await timesReloaded(page, () =>
		page.getByRole("radio", { name: new RegExp(`^${service}\\b`) }).click(),
	);
	await page.locator(".fp-time").first().waitFor();
}

export async function laterDay(page, fromEnd = 0) {
	// A day near the end of the two weeks: a full list of times, and far enough ahead that the
	// cancellation cut-off still allows moving or cancelling it online.
	const days = page.locator(".fp-day:not([disabled])");
	await days.nth((await days.count()) - 1 - fromEnd).click();
	await page.locator(".fp-time").first().waitFor();
}

export async function switchZone(page, zone) {
	await timesReloaded(page, () => page.getByLabel("Times are shown in").selectOption(zone));
}

export async function showsInstantAs(page, instant, zone) {
	// The clock time of `instant` in `zone`, as node reads it; the page redraws a tick after the
	// response arrives, so wait for the button to show it.
	const [hour, minute] = new Intl.DateTimeFormat("en-GB", {
		timeZone: zone,
		hour: "2-digit",
		minute: "2-digit",
		hourCycle: "h23",
	})
		.format(new Date(instant))
		.split(":")
		.map(Number);
	await page.waitForFunction(
		([start, h, m]) => {
			// The API writes each start in the zone asked for: compare instants, not strings.
			const button = [...document.querySelectorAll(".fp-time")].find(
				(b) => Date.parse(b.dataset.start) === Date.parse(start),
			);
			const text = button?.textContent || "";
			const [, hh, mm, half] = text.match(/^(\d{1,2}):(\d\d)\s*([AP]M)?/i) || [];
			const hour24 = half ? (Number(hh) % 12) + (/p/i.test(half) ? 12 : 0) : Number(hh);
			return hour24 === h && Number(mm) === m;
		},
		[instant, hour, minute],
		{ timeout: 10000 },
	);
}

export async function pickTime(page, index = 0) {
	const button = page.locator(".fp-time").nth(index);
	const start = await button.getAttribute("data-start");
	const held = page.waitForResponse((r) => r.url().includes("frappoint.api.booking.hold"));
	await button.click();
	return { start, response: await held };
}

export function field(page, label) {
	// "Email (required)" and not the footer's newsletter box.
	return page.getByRole("textbox", { name: new RegExp(`^${label}\\b`) });
}

export async function fillDetails(page, { name, email, phone }) {
	if (name !== undefined) await field(page, "Name").fill(name);
	if (email !== undefined) await field(page, "Email").fill(email);
	if (phone !== undefined) await field(page, "Phone").fill(phone);
}

export async function manageLink(page) {
	return page.locator('[data-ref="manage-link"]').getAttribute("href");
}

// --- one browser per test file, and its report -------------------------------------------------

export function useBrowser(title) {
	before(async () => {
		mkdirSync(SHOTS, { recursive: true });
		browser = await launchBrowser();
	});
	after(async () => {
		await browser?.close();
		console.log(`\n== ${title} e2e report`);
		for (const t of report.timings) console.log(`timing ${JSON.stringify(t)}`);
		for (const a of report.axe) console.log(`axe ${JSON.stringify(a)}`);
		console.log(`screenshots in ${SHOTS}`);
	});
}
