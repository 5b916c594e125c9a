"""Row counts of every Frappoint and ERPNext table of a site, and its Service Appointment Settings:
run it before and after anything that must leave a site alone (the test tiers and benchmarks must
leave the demo alone) and compare the two outputs.

    cd ~/frappe-bench/sites && ../env/bin/python /path/to/scripts/site_census.py frappoint.test > before.txt
"""

import json
import sys

import frappe


def census(site: str) -> list[str]:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		apps = [app for app in ("frappoint", "erpnext") if app in frappe.get_installed_apps()]
		modules = frappe.get_all("Module Def", filters={"app_name": ("in", apps)}, pluck="name")
		doctypes = frappe.get_all(
			"DocType",
			filters={"module": ("in", modules), "issingle": 0, "is_virtual": 0},
			pluck="name",
			order_by="name",
		)
		lines = [
			f"{doctype}: {frappe.db.count(doctype)}"
			for doctype in doctypes
			if frappe.db.table_exists(doctype)
		]
		settings = frappe.get_single("Service Appointment Settings").as_dict(no_default_fields=True)
		settings.pop("modified", None)
		lines.append("Service Appointment Settings: " + json.dumps(settings, sort_keys=True, default=str))
		return lines
	finally:
		frappe.destroy()


if __name__ == "__main__":
	if len(sys.argv) != 2:
		sys.exit(__doc__)
	print("\n".join(census(sys.argv[1])))
