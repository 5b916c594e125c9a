"""A payment gateway for test sites, calling the same path a real one does.

Frappe's payments app is not on every bench; its gateways all end a payment the same way:
`frappe.get_doc("Payment Request", name).run_method("on_payment_authorized", status)`, then send the
payer where that returned. This gateway does that and nothing else, with a page instead of a card
form. It is off unless the site's config says `frappoint_test_gateway: 1` (never on a live site): off,
its pages are a 404 and it gives no checkout address. Its links are signed with the site's key.
"""

import hashlib
import hmac
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import escape_html, fmt_money
from frappe.utils.password import get_encryption_key
from werkzeug.wrappers import Response

from frappoint.booking.locks import retry_contention

CONFIG_KEY = "frappoint_test_gateway"
METHOD = "frappoint.integrations.test_gateway"


def enabled() -> bool:
	return bool(frappe.conf.get(CONFIG_KEY))


def _signature(request: str) -> str:
	return hmac.new(
		get_encryption_key().encode(), f"test-gateway:{request}".encode(), hashlib.sha256
	).hexdigest()


def checkout_url(payment_request) -> str | None:
	"""The `frappoint_checkout_url` hook: this gateway's page for the request, when it is on."""
	if not enabled():
		return None
	query = urlencode({"request": payment_request.name, "signature": _signature(payment_request.name)})
	return f"/api/method/{METHOD}.checkout?{query}"  # a page of this site, as the customer's browser sees it


def _verified(request, signature) -> str:
	if not enabled():
		raise frappe.DoesNotExistError(_("Not found"))
	# bytes: compare_digest refuses str with non-ASCII characters, which a guest may well send
	if (
		not isinstance(request, str)
		or not isinstance(signature, str)
		or not hmac.compare_digest(_signature(request).encode(), signature.encode())
	):
		frappe.throw(_("This payment link is not valid."), frappe.PermissionError)
	return request


@frappe.whitelist(allow_guest=True, methods=["GET"])
def checkout(request=None, signature=None):
	request = _verified(request, signature)
	pr = frappe.get_doc("Payment Request", request)
	amount = escape_html(fmt_money(pr.grand_total, currency=pr.currency))
	fields = (
		f'<input type="hidden" name="request" value="{escape_html(request)}">'
		f'<input type="hidden" name="signature" value="{escape_html(signature)}">'
		f'<input type="hidden" name="csrf_token" value="{escape_html(frappe.sessions.get_csrf_token())}">'
	)
	html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape_html(_("Test payment"))}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem">
<main><h1>{escape_html(_("Test payment"))}</h1>
<p>{escape_html(pr.subject or "")}</p><p><strong id="amount">{amount}</strong></p>
<form method="post" action="/api/method/{METHOD}.authorize">{fields}
<button type="submit" name="outcome" value="Completed">{escape_html(_("Pay {0}").format(amount))}</button>
<button type="submit" name="outcome" value="Failed">{escape_html(_("Decline"))}</button>
</form></main></body></html>"""
	return Response(html, content_type="text/html; charset=utf-8")


@frappe.whitelist(allow_guest=True, methods=["POST"])
@retry_contention
def authorize(request=None, signature=None, outcome=None):
	"""What a gateway does once the card is charged (or declined): tell the Payment Request."""
	request = _verified(request, signature)
	status = "Completed" if outcome == "Completed" else "Failed"
	redirect = frappe.get_doc("Payment Request", request).run_method("on_payment_authorized", status)
	response = Response(status=303)
	response.headers["Location"] = redirect or "/appointments"
	return response
