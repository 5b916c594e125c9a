// Frappoint portal: /book, /appointments and /appointments/<name> for customers, /jobs for technicians.
// Plain DOM, no framework: the pages are rendered by Frappe and these modules only add behaviour.
// Every text that came from a customer or the server is set with textContent, never as HTML.
// All rules are decided by frappoint.api.booking; the modules show its answers. They live in
// portal/ and import each other as "frappoint/..." through the page's import map, which carries
// each file's version (see portal/pages.py, `portal_modules`).

import { DATA } from "frappoint/shared.js";
import { ref } from "frappoint/dom.js";
import { localiseTimes } from "frappoint/time.js";
import { appointmentsPage } from "frappoint/appointments.js";
import { bookPage } from "frappoint/book/page.js";
import { jobsPage } from "frappoint/jobs.js";

const root = document.querySelector(".fp[data-page]");
if (root) {
	const page = root.dataset.page;
	if (page === "book" && DATA.page === "book" && ref(root, "chooser")) bookPage(root);
	else if (page === "appointments" || page === "appointment") appointmentsPage(root);
	else if (page === "jobs") jobsPage(root);
	if (page === "book") localiseTimes(root);
}
// The end-to-end test reads this mark to measure how soon the page can be used.
performance.mark("frappoint:interactive");
document.documentElement.dataset.fpReady = "1";
