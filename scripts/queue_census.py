"""The jobs in the bench's own RQ queues (those every site without a Redis of its own shares), per
site and state, on one line: benchmarks print it before and after to show they left nothing there.
With `--forget SITE ...`, first delete those sites' jobs from them: a test site restored from its
snapshot must not meet jobs that runs from before test sites had their own Redis left there.

Run with the bench's Python from its `sites` directory (scripts/lib.sh's `queue_census` does):

    ../env/bin/python /path/to/scripts/queue_census.py [--forget SITE ...]
"""

import sys
from collections import Counter

import frappe
from frappe.utils.background_jobs import get_queues
from rq.job import Job
from rq.registry import DeferredJobRegistry, FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

REGISTRIES = {
	"started": StartedJobRegistry,
	"deferred": DeferredJobRegistry,
	"scheduled": ScheduledJobRegistry,
	"failed": FailedJobRegistry,
}


def jobs_by_state(queue):
	"""(state, job) for every job the queue and its registries hold."""
	yield from (("queued", job) for job in queue.jobs)
	for state, registry in REGISTRIES.items():
		ids = registry(queue=queue).get_job_ids()
		yield from ((state, job) for job in Job.fetch_many(ids, connection=queue.connection) if job)


def job_site(job) -> str:
	try:
		return (job.kwargs or {}).get("site") or "?"
	except Exception:  # arguments that no longer unpickle belong to no site we can name
		return "?"


def census() -> Counter:
	tally = Counter()
	for queue in get_queues():
		for state, job in jobs_by_state(queue):
			tally[(job_site(job), state)] += 1
	return tally


def forget(sites: list[str]) -> int:
	gone = 0
	for queue in get_queues():
		for _state, job in list(jobs_by_state(queue)):
			if job_site(job) in sites:
				job.delete(remove_from_queue=True)
				gone += 1
	return gone


if __name__ == "__main__":
	with frappe.init_site():  # no site: the bench's common configuration names its queues
		if sys.argv[1:2] == ["--forget"]:
			print(
				f"dropped {forget(sys.argv[2:])} jobs of {', '.join(sys.argv[2:])} from the bench's shared queues"
			)
			sys.exit(0)
		tally = census()
	shown = ", ".join(f"{site} {state} {n}" for (site, state), n in sorted(tally.items())) or "empty"
	print(f"jobs in the bench's shared queues: {sum(tally.values())} ({shown})")
