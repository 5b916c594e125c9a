// What every portal module shares: the data the page was rendered with, the API's address and the
// translation function (Frappe's web pages do not load translations for scripts; the page sends ours).

export const DATA = JSON.parse(document.getElementById("frappoint-data")?.textContent || "{}");
export const API = "/api/method/frappoint.api.booking.";
export const DAYS_PER_VIEW = 14;

if (window.frappe) {
	frappe._messages = Object.assign(frappe._messages || {}, DATA.messages || {});
}
export function __(text, args) {
	const translated = (window.frappe && frappe._messages && frappe._messages[text]) || text;
	return args ? translated.replace(/\{(\d+)\}/g, (m, i) => args[i] ?? m) : translated;
}

export const minDay = (a, b) => (a < b ? a : b);
export const maxDay = (a, b) => (a > b ? a : b);
