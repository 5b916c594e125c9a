"""Stock consumed on completion: one submitted Material Issue per completed appointment (ERPNext only).

It decides what a completed appointment used up (its service's and its units' consumables) and where
from; ERPNext decides everything else: valuation, accounts, and whether stock may go negative
(Stock Settings). A reversal is staff cancelling the Stock Entry; nothing here un-issues.
"""

from collections import Counter

import frappe
from frappe import _

from frappoint.integrations.companies import appointment_link, company_of, store

APPOINTMENT = "Service Appointment"
CONSUMABLE = "Service Consumable"  # shipped without ERPNext links, so that it syncs without ERPNext
PER_SEAT = "Per Seat"

_CONSUMABLES_HELP = "Issued from stock when an appointment is completed."

# Custom fields on ERPNext (and Frappoint) doctypes, installed with erpnext.CUSTOM_FIELDS.
# The consumables tables are custom fields too: without ERPNext a table of items could not be filled.
CUSTOM_FIELDS: dict[str, list[dict]] = {
	CONSUMABLE: [
		# no insert_after: the item comes first in the grid
		{"fieldname": "item_code", "label": "Item", "fieldtype": "Link", "options": "Item", "reqd": 1,
		 "in_list_view": 1},
	],
	"Service Type": [
		{"fieldname": "consumables", "label": "Consumables", "fieldtype": "Table", "options": CONSUMABLE,
		 "insert_after": "required_unit_types", "description": _CONSUMABLES_HELP},
	],
	"Service Unit": [
		{"fieldname": "warehouse", "label": "Stock Warehouse", "fieldtype": "Link", "options": "Warehouse",
		 "insert_after": "billing_item",
		 "description": "This unit's consumables are issued from here (else from the provider's warehouse)."},
		{"fieldname": "consumables_section", "label": "Consumables", "fieldtype": "Section Break",
		 "insert_after": "description"},
		{"fieldname": "consumables", "label": "Consumables", "fieldtype": "Table", "options": CONSUMABLE,
		 "insert_after": "consumables_section",
		 "description": _CONSUMABLES_HELP + " Once per appointment that uses this unit."},
	],
	"Service Provider": [
		{"fieldname": "warehouse", "label": "Stock Warehouse", "fieldtype": "Link", "options": "Warehouse",
		 "insert_after": "skills",
		 "description": "The consumables of this provider's appointments are issued from here (a van)."},
	],
	APPOINTMENT: [
		{"fieldname": "stock_entry", "label": "Stock Issued", "fieldtype": "Link", "options": "Stock Entry",
		 "insert_after": "no_show_invoice", "read_only": 1, "no_copy": 1},
	],
	"Stock Entry": [appointment_link(insert_after="stock_entry_type")],
}  # fmt: skip


class NoWarehouseToIssueFrom(frappe.ValidationError):
	pass


def issue_consumables(doc):
	"""Post the Material Issue for a completed appointment, once; return a journal event or None.

	Runs inside the completion step, under the appointment's row lock, after its Sales Invoice."""
	if doc.get("stock_entry"):  # issued before (and perhaps cancelled by staff since: a reversal stays)
		return None
	# A locking read: the issue as last committed, whatever this step's snapshot.
	existing = frappe.db.get_value(
		"Stock Entry", {"service_appointment": doc.name, "docstatus": 1}, for_update=True
	)
	if existing:
		store(doc, {"stock_entry": existing})
		return None
	company = company_of(doc)
	needed = consumables_needed(doc, company)
	if not needed:
		return None
	se = frappe.new_doc("Stock Entry")
	se.update(
		{
			"stock_entry_type": "Material Issue",
			"purpose": "Material Issue",
			"company": company,
			"service_appointment": doc.name,
			"remarks": _("Consumables of appointment {0}").format(doc.name),
		}
	)
	for (item_code, warehouse), qty in needed.items():
		se.append("items", {"item_code": item_code, "s_warehouse": warehouse, "qty": qty})
	se.insert(ignore_permissions=True)
	_submit(se, doc.name)
	store(doc, {"stock_entry": se.name})
	return "stock_issued", {"stock_entry": se.name}


def consumables_needed(doc, company: str) -> dict[tuple[str, str], float]:
	"""{(item, warehouse): qty} for the appointment's service and each Service Unit it used.

	Warehouse: the unit's, for its own rows; else the provider's (their van, their room); else
	ERPNext's default for the item in the company (item, item group, brand, then Stock Settings)."""
	provider_warehouse = doc.provider and frappe.db.get_value("Service Provider", doc.provider, "warehouse")
	seats = seat_count(doc)
	needed: Counter = Counter()

	def add(rows, warehouse):
		for row in rows:
			qty = row.qty * (seats if row.consumption == PER_SEAT else 1)
			if qty > 0:
				needed[(row.item_code, warehouse or _default_warehouse(row.item_code, company))] += qty

	add(frappe.get_cached_doc("Service Type", doc.service_type).get("consumables") or [], provider_warehouse)
	for used in doc.get("units") or []:
		unit = frappe.get_cached_doc("Service Unit", used.service_unit)
		add(unit.get("consumables") or [], unit.get("warehouse") or provider_warehouse)
	return dict(needed)


def seat_count(doc) -> int:
	"""Clients the appointment seats. It holds its seats in every slot it spans, so they are counted in
	one slot, not summed over slots; a manager's squeeze-in holds none yet serves its client."""
	per_slot = Counter(row.slot for row in doc.get("slots") or [])
	return max(per_slot.values(), default=1)


def _default_warehouse(item_code: str, company: str) -> str:
	from erpnext.stock.get_item_details import get_item_warehouse

	warehouse = get_item_warehouse(frappe._dict(name=item_code), frappe._dict(company=company), False)
	if not warehouse:
		frappe.throw(
			_(
				"No warehouse to issue {0} from: set a Stock Warehouse on the provider or unit, or a "
				"default warehouse for the item in company {1}."
			).format(item_code, company),
			exc=NoWarehouseToIssueFrom,
		)
	return warehouse


def _submit(se, appointment: str) -> None:
	"""Submit under ERPNext's stock rules, saying which appointment's consumables ran short."""
	from erpnext.stock.stock_ledger import NegativeStockError

	try:
		se.submit()
	except NegativeStockError as e:
		raise NegativeStockError(
			_("Not enough stock for the consumables of {0}: {1}").format(
				appointment, frappe.utils.strip_html(str(e))
			)
		) from e
