"""Who sees which appointments: staff all, a provider their own jobs, a customer their own bookings."""

import frappe

STAFF_ROLES = {"System Manager", "Frappoint Manager", "Frappoint User", "Administrator"}


def is_staff(user: str) -> bool:
	return bool(STAFF_ROLES & set(frappe.get_roles(user)))


def _provider_of(user: str) -> str | None:
	return frappe.db.get_value("Service Provider", {"user": user}, "name")


def appointment_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if is_staff(user):
		return ""
	if provider := _provider_of(user):
		return f"`tabService Appointment`.`provider` = {frappe.db.escape(provider)}"
	return f"`tabService Appointment`.`customer_email` = {frappe.db.escape(_email_of(user))}"


def ledger_query_conditions(user: str | None = None, doctype: str = "Service Appointment Slot") -> str:
	"""A seat or unit row is visible with its appointment."""
	visible = appointment_query_conditions(user)
	if not visible:
		return ""
	return (
		f"`tab{doctype}`.`parenttype` = 'Service Appointment' and `tab{doctype}`.`parent` in "
		f"(select `name` from `tabService Appointment` where {visible})"
	)


def file_query_conditions(user: str | None = None) -> str:
	"""A file attached to an appointment (a job's photo) is listed only with the appointment: other
	providers could otherwise learn which jobs have photos, and their names. Other files as Frappe
	decides."""
	visible = appointment_query_conditions(user)
	if not visible:
		return ""
	return (
		"(ifnull(`tabFile`.`attached_to_doctype`, '') != 'Service Appointment' or `tabFile`.`attached_to_name` in "
		f"(select `name` from `tabService Appointment` where {visible}))"
	)


def has_appointment_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_staff(user):
		return True
	provider = _provider_of(user)
	if provider:
		return doc.provider == provider
	return user != "Guest" and (doc.customer_email or "").lower() == _email_of(user).lower()


def _email_of(user: str) -> str:
	return frappe.db.get_value("User", user, "email") or user
