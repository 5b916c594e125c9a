"""What a client controls cannot decide who it is, where links point, or what it may count.

- `client_ip`: the visitor's address for rate limits and hold caps. `X-Forwarded-For` is a header the
  client writes; it is believed only hop by hop from proxies the site lists as trusted.
- `guest_rate_limit`: one budget per visitor and endpoint, whichever route (`/api/method`, `/api/v2`)
  reaches it.
- `site_host` / `site_url`: emails and their links name the site's own host, never the request's
  `Host` header.
- `get_count`: Frappe 15's `frappe.client.get_count` counts any DocType without a permission check;
  this one counts only what the user may list.
- `refuse_malformed_request`: a body that is not what it claims (JSON that does not parse, text that
  is not text) is the client's mistake, a 400, never a 500 from deep inside Frappe or the database.
"""

import ipaddress
import json
from contextlib import contextmanager
from functools import lru_cache, wraps

import frappe
import frappe.app
from frappe import _
from frappe.utils import cint, get_url

from frappoint.booking import records
from frappoint.booking.errors import MalformedRequest

SETTINGS = "Service Appointment Settings"
DEFAULT_GUEST_REQUESTS_PER_MINUTE = 60


# --- who is asking -------------------------------------------------------------------------------


def client_ip() -> str | None:
	"""The address of the client, walking `X-Forwarded-For` back only through trusted proxies."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return None
	peer = request.remote_addr
	hops = [h.strip() for h in (request.headers.get("X-Forwarded-For") or "").split(",") if h.strip()]
	trusted = trusted_proxies(records.settings().trusted_proxies or "")
	while hops and peer and _within(peer, trusted):
		peer = hops.pop()
	return peer


@lru_cache(maxsize=32)
def trusted_proxies(text: str) -> tuple:
	"""The networks listed one per line (addresses or CIDR); lines that are neither are ignored (the
	Settings form refuses them when saved)."""
	networks = []
	for line in text.replace(",", "\n").splitlines():
		try:
			networks.append(ipaddress.ip_network(line.strip(), strict=False))
		except ValueError:
			continue
	return tuple(networks)


def _within(address: str, networks: tuple) -> bool:
	try:
		ip = ipaddress.ip_address(address)
	except ValueError:
		return False
	return any(ip in network for network in networks)


# --- how often ------------------------------------------------------------------------------------


def guest_rate_limit(fn):
	"""At most *Guest Requests per Minute* (Settings) calls of `fn` per visitor address; staff and
	logged-in users are not limited. Answered 429 (`RateLimitExceededError`) beyond it."""

	@wraps(fn)
	def limited(*args, **kwargs):
		if frappe.session.user == "Guest" and getattr(frappe.local, "request", None) is not None:
			limit = cint(records.settings().guest_requests_per_minute)
			key = frappe.cache.make_key(f"frappoint:rl:{fn.__module__}.{fn.__name__}:{client_ip()}")
			count = frappe.cache.incrby(key, 1)
			if count == 1:
				frappe.cache.expire(key, 60)
			if count > (limit or DEFAULT_GUEST_REQUESTS_PER_MINUTE):
				frappe.throw(
					_("Too many requests. Please wait a minute and try again."),
					frappe.RateLimitExceededError,
					title=_("Too many requests"),
				)
		return fn(*args, **kwargs)

	return limited


# --- what a request may carry -------------------------------------------------------------------------

# The fields of `run_doc_method`, the route to every DocType method the app whitelists: Frappe reads
# them as a document's name and method, and a list or an object there reaches its SQL as they are.
# (`docs`, the document itself, is JSON: as text or, in a JSON body, as an object.)
DOC_METHOD_ROUTES = ("/api/method/run_doc_method", "/api/method/runserverobj")
DOC_METHOD_FIELDS = {"dt": (str,), "dn": (str,), "method": (str,), "docs": (str, dict)}


def refuse_malformed_request() -> None:
	"""`before_request` hook: refuse (400, `MalformedRequest`) a JSON body that is not UTF-8, a lone
	UTF-16 surrogate anywhere in the arguments (JSON can escape one; no database or encoder takes
	it), and a `run_doc_method` call whose document or method is not text. Also makes Frappe's own
	body parsing answer 400 for JSON that does not parse, in this process from the next request on."""
	strict_body_parsing()
	request = getattr(frappe.local, "request", None)
	if request is None:
		return
	if request.is_json:
		try:
			request.get_data().decode()
		except UnicodeDecodeError:
			malformed_request()
	if _holds_surrogate(frappe.local.form_dict):
		malformed_request()
	if request.path in DOC_METHOD_ROUTES:
		for field, types in DOC_METHOD_FIELDS.items():
			if frappe.form_dict.get(field) is not None and not isinstance(frappe.form_dict[field], types):
				malformed_request()


def strict_body_parsing() -> None:
	"""Frappe 15 parses a JSON body before any app code runs and answers 500 when it does not parse
	(`json.loads` in `frappe.app.make_form_dict`: truncated JSON, or nesting past Python's recursion
	limit). Frappe's develop branch answers 417 since frappe/frappe#34167; here it is a 400 like every
	other malformed input. Wrapped once per process, so a process's very first request, parsed before
	any hook of the app, still meets Frappe's own parser."""
	if getattr(frappe.app.make_form_dict, "frappoint_strict", False):
		return
	parse = frappe.app.make_form_dict

	@wraps(parse)
	def make_form_dict(request):
		try:
			return parse(request)
		except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
			malformed_request()

	make_form_dict.frappoint_strict = True
	frappe.app.make_form_dict = make_form_dict


def answer_unparsed_body(response=None, request=None) -> None:
	"""`after_request` hook: a process's first request is parsed before any hook of the app could wrap
	Frappe's parser (`strict_body_parsing`), so a JSON body that does not parse still fails there with
	a 500; that answer becomes the 400 every later request gets. Wraps the parser for what follows."""
	strict_body_parsing()
	if response is None or request is None or response.status_code != 500 or not request.is_json:
		return
	try:
		json.loads(request.get_data(as_text=True) or "null")
		return  # the body parsed: this 500 is not about it
	except (ValueError, RecursionError):
		pass
	message = {
		"message": malformed_message(),
		"title": _("Malformed request"),
		"indicator": "red",
		"raise_exception": 1,
	}
	response.status_code = MalformedRequest.http_status_code
	response.content_type = "application/json"
	response.set_data(
		json.dumps(
			{"exc_type": MalformedRequest.__name__, "_server_messages": json.dumps([json.dumps(message)])}
		)
	)


def malformed_message() -> str:
	return _("The request is malformed: send its arguments as valid JSON or form data, in UTF-8 text.")


def malformed_request():
	frappe.throw(
		malformed_message(),
		exc=MalformedRequest,
		title=_("Malformed request"),
	)


def _holds_surrogate(value) -> bool:
	"""Is there a lone UTF-16 surrogate in any text of `value`, at any depth (keys included)? Walked
	without recursion: the arguments may nest as deep as the JSON parser allowed."""
	pending = [value]
	while pending:
		item = pending.pop()
		if isinstance(item, str):
			try:
				item.encode()
			except UnicodeEncodeError:  # UTF-8 refuses exactly the surrogates
				return True
			# JSON sent as text in one argument (the desk's `args`, `filters`), which Frappe and the
			# app parse later, may escape one too.
			if "\\u" in item and item.lstrip()[:1] in ("{", "["):
				try:
					pending.append(json.loads(item))
				except (ValueError, RecursionError):
					pass  # not JSON after all: whoever reads it refuses it
		elif isinstance(item, dict):
			pending.extend(item.keys())
			pending.extend(item.values())
		elif isinstance(item, list | tuple):
			pending.extend(item)
	return False


# --- where links point ----------------------------------------------------------------------------


@contextmanager
def site_host():
	"""Within it Frappe's `get_url` names the site's `host_name`, else the site itself, as it does
	without a request. A guest chooses the `Host` header of their request: a link (or Frappe's own
	`X-Frappe-Site` mail header) built from it could point anywhere."""
	request = getattr(frappe.local, "request", None)
	frappe.local.request = None
	try:
		yield
	finally:
		frappe.local.request = request


def site_url(path: str) -> str:
	with site_host():
		return get_url(path)


# --- what may be counted --------------------------------------------------------------------------


@frappe.whitelist()
def get_count(doctype: str | None = None, filters=None, debug=False, cache=False) -> int:
	"""`frappe.client.get_count` (its override): the count of what `frappe.get_list` would show this
	user, so it is refused without read permission and narrowed by permission query conditions."""
	from frappe.client import get_safe_filters

	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown DocType."), frappe.DoesNotExistError)
	if frappe.get_meta(doctype).istable:
		frappe.throw(_("Count rows of a child table through their parent document."), frappe.PermissionError)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as count"],
		order_by=None,
		limit_page_length=0,
	)
	return cint(rows[0].count) if rows else 0


# --- who may ask for a payment ----------------------------------------------------------------------


@frappe.whitelist(allow_guest=True)
def make_payment_request(**args):
	"""ERPNext's `make_payment_request` (its override). ERPNext lets a guest call it for any order and
	answers with the customer, the company and the amount; order names are sequential. Here only a
	user who may read the order or invoice asks for a payment against it; Frappoint's own checkout
	calls ERPNext's function directly and is unaffected."""
	from erpnext.accounts.doctype.payment_request.payment_request import (
		make_payment_request as erpnext_request,
	)

	doctype, name = args.get("dt"), args.get("dn")
	if (
		frappe.session.user == "Guest"
		or not isinstance(doctype, str)
		or not isinstance(name, str)
		or not frappe.db.exists("DocType", doctype)
		or not frappe.db.exists(doctype, name)
		or not frappe.has_permission(doctype, "read", name)
	):
		frappe.throw(_("You may not request a payment for that document."), frappe.PermissionError)
	args.pop("cmd", None)
	return erpnext_request(**args)
