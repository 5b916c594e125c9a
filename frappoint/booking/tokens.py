"""Signed, expiring manage tokens: a guest holding one may view, reschedule or cancel exactly one
appointment. HMAC-SHA256 with the site's encryption key; nothing is stored."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from frappe.utils.password import get_encryption_key

TOKEN_LIFETIME_AFTER_END = timedelta(days=7)


def _sign(message: str) -> str:
	return hmac.new(get_encryption_key().encode(), message.encode(), hashlib.sha256).hexdigest()


def manage_token(appointment: str, expires_at: datetime) -> str:
	message = f"{appointment}|{int(expires_at.timestamp())}"
	encoded = base64.urlsafe_b64encode(message.encode()).decode().rstrip("=")
	return f"{encoded}.{_sign(message)}"


def token_grants(token: str | None, appointment: str, now: datetime) -> bool:
	"""True only for an untampered, unexpired token made for this appointment."""
	if not token or not isinstance(token, str) or token.count(".") != 1:
		return False
	encoded, signature = token.split(".")
	try:
		message = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
		name, expiry = message.rsplit("|", 1)
		expiry = int(expiry)
	except (ValueError, UnicodeDecodeError):
		return False
	return hmac.compare_digest(_sign(message), signature) and name == appointment and now.timestamp() < expiry
