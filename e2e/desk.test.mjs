// End-to-end check of the desk as the front desk and an accountant use it, in headless Chromium:
// an appointment booked, confirmed and completed over the API, its accounting run by the bench's RQ
// worker, then the list, the calendar, the form's journal timeline, the Sales Invoice and the
// Journal Verification report in the browser. Screenshots go to e2e/screenshots/desk-*.png.
//
//   cd e2e && FRAPPOINT_E2E_URL=http://frappoint-e2e.test:8000 node --test desk.test.mjs   (npm test runs both files)

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ADMIN_PASSWORD, BASE, adminSession, launchBrowser } from "./site.mjs";

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");
const PROVIDER = "Alice Hart";
const PROVIDER_COLOUR = "rgb(79, 124, 255)"; // #4f7cff, the demo's colour for Alice Hart
let browser, page, admin, appointment;

const isoDay = (date) => date.toISOString().slice(0, 10);
const method = (path, params) => `/api/method/${path}?${new URLSearchParams(params)}`;
const resource = (doctype, name = "", params = null) =>
	`/api/resource/${encodeURIComponent(doctype)}${name ? `/${encodeURIComponent(name)}` : ""}${params ? `?${new URLSearchParams(params)}` : ""}`;

before(async () => {
	mkdirSync(SHOTS, { recursive: true });
	admin = await adminSession();
	// The front desk books a time tomorrow or later, confirms and completes it.
	const tomorrow = new Date(Date.now() + 86400000);
	const week = new Date(Date.now() + 7 * 86400000);
	const free = await admin(
		"GET",
		method("frappoint.api.booking.availability", {
			service_type: "Haircut",
			provider: PROVIDER,
			from_date: isoDay(tomorrow),
			to_date: isoDay(week),
			timezone: "UTC",
		}),
	);
	const start = free.message.slots[0].start;
	const id = Math.random().toString(36).slice(2, 8);
	const held = await admin("POST", "/api/method/frappoint.api.booking.hold", {
		service_type: "Haircut",
		provider: PROVIDER,
		start,
		customer_name: `Dora Desk ${id}`,
		customer_email: `dora-${id}@example.com`,
	});
	appointment = held.message.name;
	await admin("POST", "/api/method/frappoint.api.booking.confirm", { appointment });
	await admin("POST", "/api/method/run_doc_method", {
		dt: "Service Appointment",
		dn: appointment,
		method: "complete",
	});
	// Accounting runs after the commit, in the queue, taken by the bench's worker (`bench start`, or
	// the one scripts/test starts beside the server): wait for the invoice, the last of its two jobs.
	const settled = (doc) => doc.sales_invoice || doc.accounting_status === "Failed";
	for (let waited = 0; waited < 180 && !settled(await record()); waited++) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}

	browser = await launchBrowser();
	const context = await browser.newContext({
		viewport: { width: 1280, height: 900 },
		baseURL: BASE.origin,
	});
	const login = await context.request.post("/api/method/login", {
		form: { usr: "Administrator", pwd: ADMIN_PASSWORD },
	});
	assert.equal(login.status(), 200);
	page = await context.newPage();
});

after(async () => {
	await browser?.close();
	console.log("== desk e2e report");
	console.log(`desk screenshots in ${SHOTS}`);
});

async function record() {
	return (await admin("GET", resource("Service Appointment", appointment))).data;
}

test("accounting ran once in the worker: one Sales Order, one Sales Invoice", async () => {
	const doc = await record();
	assert.equal(doc.status, "Completed");
	assert.equal(doc.accounting_status, "Done", doc.accounting_error || "");
	assert.ok(doc.sales_order && doc.sales_invoice);
	const orders = await admin(
		"GET",
		resource("Sales Order", "", {
			filters: JSON.stringify([["service_appointment", "=", appointment]]),
		}),
	);
	assert.equal(orders.data.length, 1);
});

test("the list shows the appointment with its status", async () => {
	await page.goto(`/app/service-appointment?name=${encodeURIComponent(appointment)}`);
	const row = page.locator(".list-row-container", { hasText: "Dora Desk" });
	await row.waitFor();
	assert.match(await row.innerText(), /Completed/);
	await page.screenshot({ path: join(SHOTS, "desk-list.png") });
});

test("the calendar shows appointments in their provider's colour", async () => {
	const doc = await record();
	await page.goto("/app/service-appointment/view/calendar/default");
	await page.locator(".fc-event").first().waitFor();
	const start = new Date(doc.start_time.replace(" ", "T"));
	const now = new Date();
	const monthsAhead =
		(start.getFullYear() - now.getFullYear()) * 12 + start.getMonth() - now.getMonth();
	for (let i = 0; i < monthsAhead; i++) await page.locator(".fc-next-button").click();
	const event = page.locator(".fc-event", { hasText: "Dora Desk" });
	await event.first().waitFor();
	const colour = await event.first().evaluate((el) => getComputedStyle(el).backgroundColor);
	assert.equal(colour, PROVIDER_COLOUR);
	await page.screenshot({ path: join(SHOTS, "desk-calendar.png") });
});

test("the form shows the journal in its timeline and links the accounting documents", async () => {
	const doc = await record();
	await page.goto(`/app/service-appointment/${appointment}`);
	const timeline = page.locator(".new-timeline");
	await timeline.getByText("Journal #").first().waitFor();
	const text = await timeline.innerText();
	for (const event of [
		"held",
		"confirmed",
		"completed",
		"sales_order_linked",
		"sales_invoice_linked",
	]) {
		assert.match(text, new RegExp(`: ${event} by`), event);
	}
	const accounting = page.locator(".form-section", { hasText: "Accounting Status" });
	assert.match(await accounting.innerText(), new RegExp(doc.sales_invoice));
	await page.screenshot({ path: join(SHOTS, "desk-form.png"), fullPage: true });
});

test("the Sales Invoice shows its appointment, the tier price and the company's default taxes", async () => {
	const doc = await record();
	const invoice = (await admin("GET", resource("Sales Invoice", doc.sales_invoice))).data;
	const defaults = await admin(
		"GET",
		resource("Sales Taxes and Charges Template", "", {
			filters: JSON.stringify([
				["company", "=", invoice.company],
				["is_default", "=", 1],
			]),
		}),
	);
	assert.equal(invoice.service_appointment, appointment);
	assert.equal(invoice.items[0].rate, doc.rate);
	// (the API leaves empty fields out: a company without a default template has none on the invoice)
	assert.equal(invoice.taxes_and_charges ?? null, defaults.data[0]?.name ?? null);
	assert.equal(invoice.grand_total, invoice.net_total + invoice.total_taxes_and_charges);
	await page.goto(`/app/sales-invoice/${doc.sales_invoice}`);
	await page.getByText("Dora Desk").first().waitFor();
	await page.screenshot({ path: join(SHOTS, "desk-sales-invoice.png"), fullPage: true });
});

test("the Journal Verification report says OK", async () => {
	await page.goto("/app/query-report/Journal%20Verification");
	await page.locator(".dt-scrollable .dt-cell__content", { hasText: "OK" }).first().waitFor();
	await page.screenshot({ path: join(SHOTS, "desk-journal-report.png") });
});

test("a walk-in booked through Find a Time is confirmed when saved", async () => {
	await page.goto("/app/service-appointment/new?service_type=Haircut");
	await page.getByRole("button", { name: "Find a Time" }).click();
	const dialog = page.locator(".modal.show", { hasText: "Find a Time" });
	const time = dialog.locator("button[data-start]").first();
	await time.waitFor();
	await page.screenshot({ path: join(SHOTS, "desk-find-a-time.png") });
	await time.click();
	await dialog.waitFor({ state: "hidden" });
	await page.locator('[data-fieldname="customer_name"] input').fill("Walter Walkin");
	await page.keyboard.press("Control+s");
	await page.locator(".indicator-pill", { hasText: "Confirmed" }).first().waitFor();
	const name = decodeURIComponent(page.url().split("/").pop());
	const walkIn = (await admin("GET", resource("Service Appointment", name))).data;
	assert.equal(walkIn.status, "Confirmed");
	assert.equal(walkIn.customer_name, "Walter Walkin");
	await page.screenshot({ path: join(SHOTS, "desk-walk-in.png") });
});

test("the Frappoint workspace shows its number cards and charts", async () => {
	await page.goto("/app/frappoint");
	await page.locator(".widget.number-widget-box", { hasText: "Appointments Today" }).waitFor();
	assert.ok((await page.locator(".widget.number-widget-box").count()) >= 4, "four number cards");
	await page.locator(".widget.dashboard-widget-box svg").first().waitFor();
	assert.ok((await page.locator(".widget.dashboard-widget-box").count()) >= 2, "two charts");
	await page.screenshot({ path: join(SHOTS, "desk-workspace.png"), fullPage: true });
});

test("the Resources page lays out a day of providers and rooms", async () => {
	const doc = await record();
	await page.goto(`/app/resources`);
	await page.locator(".fp-resources .fp-row").first().waitFor();
	const day = doc.start_time.slice(0, 10);
	const dayInput = page.locator('.page-form [data-fieldname="day"] input');
	await dayInput.fill(frappe_date(day));
	await dayInput.blur();
	await page.locator(".fp-resources .fp-block", { hasText: "Dora Desk" }).first().waitFor();
	await page.screenshot({ path: join(SHOTS, "desk-resources.png"), fullPage: true });
});

// The desk shows and takes dates in the system's format (dd-mm-yyyy on the demo site).
function frappe_date(iso) {
	const [y, m, d] = iso.split("-");
	return `${d}-${m}-${y}`;
}
