"""Signed, expiring manage tokens: whoever holds one may see one appointment and, while it is still
Open or Confirmed and not moved, confirm, move or cancel it. HMAC-SHA256 with the site's encryption
key; nothing is stored, so a token is withdrawn by what happens to its appointment, not by a list."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from frappe.utils import cint
from frappe.utils.password import get_encryption_key

from frappoint.booking import records
from frappoint.booking.clock import from_db

MANAGE = "manage"
DEFAULT_DAYS_AFTER_END = 7


def _sign(message: str) -> str:
	return hmac.new(get_encryption_key().encode(), message.encode(), hashlib.sha256).hexdigest()


def manage_token(doc) -> str:
	"""The token for `doc`'s customer, valid until *Manage Links Valid* days after it ends (Settings)."""
	days = cint(records.settings().manage_link_days) or DEFAULT_DAYS_AFTER_END
	return signed_token(doc.name, from_db(doc.end_utc) + timedelta(days=days))


def signed_token(appointment: str, expires_at: datetime, scope: str = MANAGE) -> str:
	message = f"{appointment}|{int(expires_at.timestamp())}|{scope}"
	encoded = base64.urlsafe_b64encode(message.encode()).decode().rstrip("=")
	return f"{encoded}.{_sign(message)}"


def token_grants(token: str | None, appointment: str, now: datetime, scope: str = MANAGE) -> bool:
	"""True only for an untampered, unexpired token made for this appointment and scope."""
	# ASCII only: a token is base64 and hex, and hmac refuses to compare text that is not ASCII.
	if (
		not token
		or not isinstance(token, str)
		or len(token) > 1000
		or not token.isascii()
		or token.count(".") != 1
	):
		return False
	encoded, signature = token.split(".")
	try:
		message = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
		parts = message.split("|")
		# Links emailed before tokens named a scope were manage links.
		name, expiry, granted = (*parts, MANAGE) if len(parts) == 2 else parts
		expiry = int(expiry)
	except (ValueError, UnicodeDecodeError):
		return False
	return (
		hmac.compare_digest(_sign(message), signature)
		and name == appointment
		and granted == scope
		and now.timestamp() < expiry
	)
