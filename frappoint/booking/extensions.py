"""What other apps add to booking. Functions listed under the `frappoint_availability_providers` hook
narrow the windows a service can be booked in (a calendar sync hiding a provider's busy times, say).
Listing and claiming both pass through them, so a time a hook removes can neither be seen nor booked
by a client that names it directly."""

import frappe


def narrowed(service_name: str, windows: list, range_start, range_end) -> list:
	"""The windows every hook keeps; each receives `service`, `windows`, `range_start`, `range_end`."""
	for path in frappe.get_hooks("frappoint_availability_providers"):
		windows = frappe.get_attr(path)(
			service=service_name, windows=windows, range_start=range_start, range_end=range_end
		)
	return windows


def installed() -> bool:
	"""Whether any app narrows availability."""
	return bool(frappe.get_hooks("frappoint_availability_providers"))
