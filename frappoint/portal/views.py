"""An appointment as its customer sees it, on a page or in an email: times (ISO 8601 with offsets and
a fallback text), the change deadline, what they may still do, and its signed manage link. Shared
by `pages` and `emails`, so that neither needs the other."""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import flt, fmt_money, format_datetime

from frappoint.booking import records
from frappoint.booking.clock import from_db, site_zone
from frappoint.booking.clock import now as clock_now
from frappoint.booking.tokens import manage_token
from frappoint.scheduling import Action, Status, allowed_actions, holds_resources, zone
from frappoint.scheduling.money import STORE_CREDIT, refund_deadline
from frappoint.scheduling.policy import cancellation_allowed, cancellation_deadline
from frappoint.security import site_url


def status_label(status: str) -> str:
	return {
		Status.OPEN: _("Held, not confirmed yet"),
		Status.CONFIRMED: _("Confirmed"),
		Status.COMPLETED: _("Completed"),
		Status.CANCELLED: _("Cancelled"),
		Status.NO_SHOW: _("Missed"),
	}.get(status, _(status))


def price_label(rate) -> str:
	return fmt_money(rate, currency=frappe.db.get_default("currency"))


def change_rule(cutoff_hours: int) -> str:
	if cutoff_hours:
		return _("You can reschedule or cancel online until {0} hours before the start.").format(cutoff_hours)
	return _("You can reschedule or cancel online until the appointment starts.")


def manage_path(name: str, token: str) -> str:
	return f"/appointments/{quote(name)}?token={quote(token)}"


def reschedule_url(doc) -> str:
	"""The signed link straight to picking a new time for this appointment."""
	return site_url(f"/book?reschedule={quote(doc.name)}&token={quote(manage_token(doc))}")


def manage_url(doc) -> str:
	"""The signed link that lets whoever holds it view, move or cancel this one appointment, on the
	site's own host (see `security.site_url`)."""
	return site_url(manage_path(doc.name, manage_token(doc)))


def time_label(instant, tz) -> str:
	"""A fallback text for an instant, in `tz`, for readers without the page's script (emails)."""
	local = instant.astimezone(tz)
	return f"{format_datetime(local.replace(tzinfo=None), 'EEE d MMM yyyy, HH:mm')} ({tz.key}, UTC{local:%z})"


def appointment_view(doc, timezone=None, now=None) -> dict:
	"""One appointment as its customer sees it, with what they may still do and until when."""
	tz = zone(timezone) if timezone else site_zone()
	now = now or clock_now()
	start, end = from_db(doc.start_utc), from_db(doc.end_utc)
	policy = records.booking_policy(frappe.get_cached_doc("Service Type", doc.service_type))
	deadline = cancellation_deadline(start, policy)
	hold_end = from_db(doc.hold_expires_utc) if doc.status == Status.OPEN else None
	live = holds_resources(doc.status, from_db(doc.hold_expires_utc), now)
	active = Action.CANCEL in allowed_actions(doc.status)  # Open or Confirmed, as the lifecycle says
	changeable = active and live and start > now
	within_cutoff = cancellation_allowed(start, now, policy, doc.status)
	return {
		"name": doc.name,
		"status": doc.status,
		"status_label": status_label(doc.status),
		"service_type": doc.service_type,
		"provider": doc.provider,
		"start": start.astimezone(tz).isoformat(),
		"end": end.astimezone(tz).isoformat(),
		"start_label": time_label(start, tz),
		"end_label": time_label(end, tz),
		"duration": int((end - start).total_seconds() // 60),
		"price": price_label(doc.rate),
		"tier": doc.pricing_tier,
		"customer_name": doc.customer_name,
		"customer_email": doc.customer_email,
		"customer_phone": doc.customer_phone,
		"upcoming": end > now and active and live,
		"can_change": changeable and within_cutoff,
		"too_late_to_change": changeable and not within_cutoff,
		"change_deadline": deadline.astimezone(tz).isoformat(),
		"change_deadline_label": time_label(deadline, tz),
		"change_rule": change_rule(policy.cancellation_cutoff_hours),
		"cancellation_reason": doc.cancellation_reason if doc.status == Status.CANCELLED else None,
		"rescheduled_from": doc.rescheduled_from,
		"rescheduled_to": doc.rescheduled_to,
		# a live hold (a wait-list offer, say) is confirmed on its page until it lapses
		"can_confirm": doc.status == Status.OPEN and live and start > now,
		"hold_expires": hold_end.astimezone(tz).isoformat() if hold_end else None,
		"hold_expires_label": time_label(hold_end, tz) if hold_end else "",
		**money_view(doc, start, tz),
	}


def money_view(doc, start, tz) -> dict:
	"""What the customer paid at booking, and what cancelling would give back (`scheduling.money`)."""
	paid, credit = flt(doc.get("amount_paid")), flt(doc.get("store_credit"))
	view = {
		"paid": price_label(paid) if paid else None,
		"store_credit": price_label(credit) if credit else None,
	}
	view["refund_rule"] = None
	if paid and doc.status == Status.CONFIRMED:
		policy = records.cancellation_policy()
		deadline = refund_deadline(start, policy)
		returned = _("credited to your account") if policy.returned_as == STORE_CREDIT else _("refunded")
		view["refund_rule"] = _(
			"Cancel before {0} and what you paid is {1} in full; later, {2}% of it."
		).format(time_label(deadline, tz), returned, f"{policy.late_refund_percent.normalize():f}")
	return view
