"""Locations: where each provider works and which locations a customer may choose. Reads only.

A provider at a location is listed under it on the portal and, for "any provider" there, is the only
kind picked; which units a booking may use there is the core's rule (`scheduling.resources.usable_at`).
"""

import frappe


def provider_locations(providers) -> dict[str, str | None]:
	"""Each provider's location (None for one without)."""
	rows = frappe.get_all(
		"Service Provider", filters={"name": ("in", sorted(providers))}, fields=["name", "location"]
	)
	return {r.name: r.location or None for r in rows}


def locations_on_offer() -> list[dict]:
	"""Enabled locations with their addresses and active providers, by name (the portal's choice)."""
	rows = frappe.get_all(
		"Service Location", filters={"disabled": 0}, fields=["name", "address"], order_by="name"
	)
	working: dict[str, list[str]] = {}
	for p in frappe.get_all(
		"Service Provider", filters={"active": 1, "location": ("is", "set")}, fields=["name", "location"]
	):
		working.setdefault(p.location, []).append(p.name)
	return [
		{"name": r.name, "address": r.address or "", "providers": sorted(working.get(r.name, ()))}
		for r in rows
	]
