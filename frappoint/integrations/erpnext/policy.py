"""Whether and how appointments are billed: ERPNext installed and billing on, the order and invoice
policies of Service Appointment Settings, and the set-ups refused because every booking would fail on
them. Reads settings only; makes no document."""

import frappe
from frappe import _
from frappe.utils import cint

from frappoint.booking.records import settings


class AccountingSetupMissing(frappe.ValidationError):
	pass


def erpnext_installed() -> bool:
	return "erpnext" in frappe.get_installed_apps()


def billing_enabled() -> bool:
	"""ERPNext is there and the admin wants appointments billed (Service Appointment Settings)."""
	return erpnext_installed() and bool(settings().bill_in_erpnext)


CREATE_ORDER, LINK_ORDER, NO_ORDER = "Create on Confirmation", "Link an Existing Order", "No Sales Order"
ON_COMPLETION, ON_CONFIRMATION, NEVER = "On Completion", "On Confirmation", "Never"


def order_policy() -> str:
	return settings().get("sales_order_policy") or CREATE_ORDER


def invoice_policy() -> str:
	return settings().get("invoice_when") or ON_COMPLETION


def validate_service(service) -> None:
	"""Refuse, when the service is saved, a set-up every booking of it would fail on."""
	if not billing_enabled():
		if service.get("payment_at_booking"):
			frappe.throw(
				_("Payment at booking needs appointments billed in ERPNext (Service Appointment Settings)."),
				exc=AccountingSetupMissing,
			)
		return
	if not service.get("billing_item") and not cint(service.get("disabled")):
		frappe.throw(
			_("Service {0} needs a Billing Item: appointments are billed in ERPNext.").format(
				frappe.bold(service.get("service_name") or service.name)
			),
			exc=AccountingSetupMissing,
			title=_("Billing Item missing"),
		)


def validate_settings(new_settings) -> None:
	"""Turning billing on is refused while an offered service has no Billing Item to bill."""
	if not (erpnext_installed() and cint(new_settings.bill_in_erpnext)):
		return
	unbillable = frappe.get_all(
		"Service Type", filters={"disabled": 0, "billing_item": ("is", "not set")}, pluck="name", limit=20
	)
	if unbillable:
		frappe.throw(
			_("Set a Billing Item on these services before billing in ERPNext: {0}").format(
				", ".join(unbillable)
			),
			exc=AccountingSetupMissing,
			title=_("Billing Item missing"),
		)
