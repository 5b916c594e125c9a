"""The ERPNext Customer an appointment bills: the linked one, the walk-in customer, or one found or
made from its Lead, Contact or e-mail, made once even when two steps race for the same person."""

import frappe
from frappe import _

from frappoint.booking.locks import named_locks, refuse_stale_snapshot
from frappoint.booking.records import settings
from frappoint.integrations.companies import store
from frappoint.integrations.erpnext.policy import AccountingSetupMissing

APPOINTMENT = "Service Appointment"


def billing_customer(doc) -> str:
	"""The ERPNext Customer to bill: the linked one, or one made from the Lead, Contact or guest."""
	if doc.get("customer"):
		return doc.customer
	if doc.party_type == "Customer" and doc.party:
		customer = doc.party
	elif settings().guest_customer_policy == "Use the Walk-in Customer":
		customer = settings().walk_in_customer
		if not customer:
			raise AccountingSetupMissing(_("Set the Walk-in Customer in Service Appointment Settings."))
	elif doc.party_type == "Lead" and doc.party:
		customer = frappe.db.get_value("Customer", {"lead_name": doc.party}) or _customer_from_lead(doc.party)
	elif doc.party_type == "Contact" and doc.party:
		customer = _customer_of_contact(doc.party) or _new_customer(doc, contact=doc.party)
	else:
		customer = _customer_by_email(doc.customer_email) or _new_customer(doc)
	store(doc, {"customer": customer})
	return customer


def lock_new_customer(row) -> None:
	"""Before a step of an appointment that may make a Customer reads anything (`row`: the
	appointment's locked row, read without a snapshot): two steps making a customer of the same email
	(who must be one customer) or of the same name (whom ERPNext names "Name", "Name - 1", ... from
	what exists) wait here for each other, the second until the first has committed; its snapshot,
	taken at its first plain read after this, then finds that customer or the next free name.
	MariaDB's named locks last until this transaction ends, whichever way."""
	if row and not row.customer and not row.party:
		keys = [f"customer-email:{row.customer_email.strip().lower()}"] if row.customer_email else []
		keys += [f"customer-name:{(row.customer_name or '').strip().lower()}"]
		named_locks(keys, timeout=30)


def _customer_from_lead(lead: str) -> str:
	from erpnext.crm.doctype.lead.lead import _make_customer

	customer = _make_customer(lead, ignore_permissions=True)
	customer.insert(ignore_permissions=True)
	return customer.name


def _customer_of_contact(contact: str) -> str | None:
	return frappe.db.get_value(
		"Dynamic Link", {"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"}, "link_name"
	)


def _customer_by_email(email: str | None, current: bool = False) -> str | None:
	"""The customer of a Contact with this e-mail; `current`: as last committed, whatever the
	transaction's snapshot (a locking read)."""
	if not email:
		return None
	found = frappe.db.sql(
		"""select link.link_name from `tabContact Email` email
		join `tabDynamic Link` link on link.parent = email.parent and link.parenttype = 'Contact'
			and link.link_doctype = 'Customer'
		where email.email_id = %s and email.parenttype = 'Contact'
		order by email.creation, link.idx limit 1"""
		+ (" lock in share mode" if current else ""),
		email,
	)
	return found[0][0] if found else None


def _new_customer(doc, contact: str | None = None) -> str:
	"""A Customer named as ERPNext names it (`lock_new_customer` keeps two of our steps from choosing
	one name); should another writer have just taken that name, one no one else can: the
	appointment's."""
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": doc.customer_name,
			"customer_type": "Individual",
			"customer_group": frappe.db.get_single_value("Selling Settings", "customer_group")
			or frappe.db.get_value("Customer Group", {"is_group": 0}),
			"territory": frappe.db.get_single_value("Selling Settings", "territory")
			or frappe.db.get_value("Territory", {"is_group": 0}),
		}
	)
	frappe.db.savepoint("frappoint_new_customer")
	try:
		customer.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		frappe.db.rollback(save_point="frappoint_new_customer")
		if _customer_by_email(doc.customer_email, current=True):
			# This person's customer was committed after our snapshot: decide again on a fresh one.
			refuse_stale_snapshot(f"customer of {doc.name}")
		customer = frappe.get_doc({**customer.as_dict(no_default_fields=True), "doctype": "Customer"}).insert(
			ignore_permissions=True, set_name=f"{doc.customer_name} - {doc.name}"
		)
	if contact:
		contact_doc = frappe.get_doc("Contact", contact)
		contact_doc.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact_doc.save(ignore_permissions=True)
	elif doc.customer_email:
		contact_doc = frappe.get_doc({"doctype": "Contact", "first_name": doc.customer_name})
		contact_doc.add_email(doc.customer_email, is_primary=True)
		if doc.customer_phone:
			contact_doc.add_phone(doc.customer_phone, is_primary_phone=True)
		contact_doc.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact_doc.insert(ignore_permissions=True)
	return customer.name
