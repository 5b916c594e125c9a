"""Dispatch for "any provider": among the providers free at a time, the best by skills, distance to
the job and the day's workload (weights in Settings; the ranking itself is the core's)."""

from datetime import time, timedelta

import frappe
from frappe.utils import cint

from frappoint.booking import records
from frappoint.booking.availability import windows_for
from frappoint.booking.clock import site_zone, to_db
from frappoint.scheduling import NotBookable, Reason, local_instant, rank_providers
from frappoint.scheduling.lifecycle import HOLDS_SEATS

# A provider's day is loaded by what they hold or have done; a no-show still took their time.
WORKLOAD_STATUSES = HOLDS_SEATS


def pick_provider(
	service,
	start,
	emergency: bool,
	job_site=None,
	exclude: set[str] = frozenset(),
	location: str | None = None,
):
	"""Dispatch for "any provider": the best-ranked provider (skills, distance to `job_site`,
	workload that day) among those with a free window at `start` (working at `location`, if given),
	other than `exclude`."""
	windows = windows_for(service, start, start, emergency=emergency, fresh=True, location=location)
	free = {w.provider for w in windows if w.start == start} - set(exclude)
	if not free:
		raise NotBookable(Reason.FULL)
	providers = [frappe.get_cached_doc("Service Provider", name) for name in sorted(free)]
	workload = booked_minutes(sorted(free), start)
	ranking = rank_providers(
		[records.dispatch_candidate(p, workload.get(p.name, 0)) for p in providers],
		records.skills(service.required_skills),
		job_site,
		records.dispatch_weights(),
	)
	return frappe.get_cached_doc("Service Provider", ranking[0].provider)


def booked_minutes(providers: list[str], around) -> dict[str, int]:
	"""Minutes each provider has booked on the (site) day of `around`."""
	tz = site_zone()
	day = around.astimezone(tz).date()
	rows = frappe.db.sql(
		"""select provider, sum(timestampdiff(minute, start_utc, end_utc)) as minutes
		from `tabService Appointment`
		where provider in %(providers)s and status in %(working)s
			and start_utc >= %(day)s and start_utc < %(next)s
		group by provider""",
		{
			"providers": providers,
			"working": sorted(WORKLOAD_STATUSES),
			"day": to_db(local_instant(day, time(0), tz)),
			"next": to_db(local_instant(day + timedelta(days=1), time(0), tz)),
		},
		as_dict=True,
	)
	return {r.provider: cint(r.minutes) for r in rows}
