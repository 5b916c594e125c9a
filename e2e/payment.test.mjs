// End-to-end test of paying a deposit at booking, in headless Chromium at 375 px: a service asking
// 20% at booking, a guest who picks a time and continues to payment, the site's test gateway (the
// same `on_payment_authorized` call a real gateway makes; turned on for this site by scripts/test),
// and the manage page showing the booking confirmed. Then, as the administrator, the ERPNext
// documents: one Payment Request, paid, and one submitted Payment Entry for the deposit.
// axe on the booking and manage pages; screenshots payment-*.png. Run as portal.test.mjs is.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { adminSession } from "./site.mjs";
import {
	axe,
	fillDetails,
	laterDay,
	newPage,
	openBooking,
	pickTime,
	snap,
	useBrowser,
} from "./portal.mjs";

useBrowser("payment");

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const resource = (doctype, name) =>
	`/api/resource/${encodeURIComponent(doctype)}${name ? `/${encodeURIComponent(name)}` : ""}`;

async function depositService(admin, tag) {
	const haircut = (await admin("GET", resource("Service Type", "Haircut"))).data;
	const service = (
		await admin("POST", resource("Service Type"), {
			service_name: `Colour ${tag}`,
			duration_minutes: 60,
			pricing_tiers: [{ tier: "Standard", rate: 40 }],
			billing_item: haircut.billing_item,
			payment_at_booking: "Deposit",
			deposit_type: "Percent",
			deposit_value: 20,
		})
	).data.name;
	const provider = (
		await admin("POST", resource("Service Provider"), {
			provider_name: `Priya ${tag}`,
			timezone: "Europe/London",
			services: [{ service_type: service }],
			shifts: DAYS.map((weekday) => ({
				weekday,
				start_time: "09:00:00",
				end_time: "17:00:00",
			})),
		})
	).data.name;
	await admin("POST", "/api/method/run_doc_method", {
		dt: "Service Provider",
		dn: provider,
		method: "generate_slots",
	});
	return service;
}

describe("payment at booking", () => {
	test("a guest pays a deposit through the gateway and the booking is confirmed", async () => {
		const admin = await adminSession();
		const tag = Math.random().toString(36).slice(2, 8);
		const service = await depositService(admin, tag);

		const page = await newPage({ width: 375 });
		await openBooking(page, `/book?service=${encodeURIComponent(service)}`);
		await page.locator(".fp-time").first().waitFor();
		await laterDay(page);
		const { response } = await pickTime(page, 1);
		const hold = (await response.json()).message;
		assert.equal(hold.due_at_booking, 8, "20% of 40.00 is due at booking");
		await fillDetails(page, { name: "Dana Deposit", email: `dana-${tag}@example.com` });
		const pay = page.getByRole("button", { name: "Continue to payment" });
		await pay.waitFor();
		assert.match(await page.locator('[data-ref="summary"]').textContent(), /To pay now/);
		await axe(page, "payment-details");
		await snap(page, "payment-1-details");

		await pay.click();
		await page.waitForURL(/test_gateway\.checkout/);
		await snap(page, "payment-2-gateway");
		await page.getByRole("button", { name: /^Pay / }).click();
		await page.waitForURL(new RegExp(`/appointments/${hold.name}\\?token=`));
		await page
			.locator('[data-ref="status"]')
			.filter({ hasText: /^\s*Confirmed\s*$/ })
			.waitFor();
		const card = await page.locator(".fp-appointment").textContent();
		assert.match(card, /Paid\s*£\s?8\.00/);
		assert.match(card, /what you paid is refunded in full/);
		await axe(page, "payment-confirmed");
		await snap(page, "payment-3-confirmed");
		assert.deepEqual(page.errors, []);
		await page.context().close();

		const booked = (await admin("GET", resource("Service Appointment", hold.name))).data;
		assert.equal(booked.status, "Confirmed");
		assert.equal(booked.amount_paid, 8);
		const entry = (await admin("GET", resource("Payment Entry", booked.payment_entry))).data;
		assert.deepEqual(
			[entry.docstatus, entry.payment_type, entry.paid_amount],
			[1, "Receive", 8],
		);
		const request = (await admin("GET", resource("Payment Request", booked.payment_request)))
			.data;
		assert.deepEqual([request.status, request.reference_name], ["Paid", booked.sales_order]);
	});
});
