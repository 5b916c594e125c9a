// What the end-to-end tests share: the site under test, its HTTP API as the administrator, the bench
// and a headless Chromium (Debian's, driven by playwright-core). Settings come from the environment:
// FRAPPOINT_E2E_URL (default http://frappoint-e2e.test:8000), FRAPPOINT_SITE (default: the URL's host),
// FRAPPOINT_ADMIN_PASSWORD (default admin), FRAPPOINT_BENCH (default ~/frappe-bench),
// CHROMIUM_PATH (default /usr/bin/chromium).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import http from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const BASE = new URL(process.env.FRAPPOINT_E2E_URL || "http://frappoint-e2e.test:8000");
export const SITE = process.env.FRAPPOINT_SITE || BASE.hostname;
export const ADMIN_PASSWORD = process.env.FRAPPOINT_ADMIN_PASSWORD || "admin";
export const BENCH = process.env.FRAPPOINT_BENCH || join(homedir(), "frappe-bench");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export function launchBrowser() {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			`--host-resolver-rules=MAP ${SITE} 127.0.0.1`,
		],
	});
}

export function request(method, path, { body, cookie, headers = {} } = {}) {
	// Node talks to the server directly with the site's Host header (no DNS entry needed).
	return new Promise((resolve, reject) => {
		const data = body ? JSON.stringify(body) : null;
		const req = http.request(
			{
				host: "127.0.0.1",
				port: BASE.port || 80,
				method,
				path,
				headers: {
					Host: SITE,
					Accept: "application/json",
					...(data ? { "Content-Type": "application/json" } : {}),
					...(cookie ? { Cookie: cookie } : {}),
					...headers,
				},
			},
			(res) => {
				let text = "";
				res.on("data", (chunk) => (text += chunk));
				res.on("end", () =>
					resolve({ status: res.statusCode, headers: res.headers, text }),
				);
			},
		);
		req.on("error", reject);
		if (data) req.write(data);
		req.end();
	});
}

export async function adminSession() {
	const login = await request("POST", "/api/method/login", {
		body: { usr: "Administrator", pwd: ADMIN_PASSWORD },
	});
	assert.equal(login.status, 200, `admin login failed: ${login.text}`);
	const cookie = login.headers["set-cookie"].map((c) => c.split(";")[0]).join("; ");
	// The portal pages give a logged-in session its CSRF token and print it.
	const page = await request("GET", "/book", { cookie, headers: { Accept: "text/html" } });
	const csrf = /frappe\.csrf_token = "([^"]+)"/.exec(page.text)?.[1];
	assert.ok(csrf && csrf !== "None", "no CSRF token for the admin session");
	return async (method, path, body) => {
		let res;
		// Set-up calls of tests running at once may deadlock in Frappe (two new users, say): MariaDB
		// says "try restarting transaction", so the set-up does.
		for (let attempt = 0; attempt < 3; attempt++) {
			res = await request(method, path, {
				body,
				cookie,
				headers: { "X-Frappe-CSRF-Token": csrf },
			});
			if (!(res.status >= 500 && res.text.includes("QueryDeadlockError"))) break;
			await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
		}
		assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text.slice(0, 500)}`);
		return JSON.parse(res.text);
	};
}

export function benchExecute(method, args) {
	execFileSync("bench", ["--site", SITE, "execute", method, "--args", JSON.stringify(args)], {
		cwd: BENCH,
		stdio: "pipe",
	});
}
