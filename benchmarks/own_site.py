"""Every benchmark runs on a site of its own, never the user's demo: `frappoint-bench.test`, restored
from its snapshot at the start of every run (scripts/lib.sh's `pristine_site`: seconds once the
snapshot exists) with the demo business loaded, and with a Redis of its own, so that its jobs never
reach the bench's shared queues. Those queues are counted before and after and both lines printed.

Needs the bench that `scripts/bench-setup` made (apps/frappoint pointing at this checkout). Imports
nothing from Frappe, so benchmarks run by the system Python and by the bench's both use it.
"""

import argparse
import atexit
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = "frappoint-bench.test"


def add_site_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
	parser.add_argument(
		"--bench", default=os.path.expanduser(os.environ.get("FRAPPOINT_BENCH", "~/frappe-bench"))
	)
	parser.add_argument("--site", default=SITE, help="a test site of scripts/lib.sh (never the demo)")
	return parser


def lib(bench: str, script: str, *args: str) -> str:
	"""Run `script` in bash with scripts/lib.sh sourced (arguments as $1 ...); its output."""
	return subprocess.run(
		["bash", "-c", f'source "{REPO}/scripts/lib.sh" && {script}', "lib", *args],
		env={**os.environ, "FRAPPOINT_BENCH": bench},
		check=True,
		stdout=subprocess.PIPE,
		text=True,
	).stdout.strip()


def prepare(args: argparse.Namespace, demo: bool = True) -> None:
	"""Restore the benchmark's site and point this process (and the servers and workers it starts)
	at the site's own Redis."""
	census = lambda when: print(f"{lib(args.bench, 'queue_census')}  ({when} the benchmark)", flush=True)  # noqa: E731
	census("before")
	cache, queue = lib(args.bench, 'pristine_site "$1" erpnext >&2 && site_redis "$1"', args.site).split()
	# Frappe's environment override: wins over every configuration file, in this process and its children.
	os.environ["FRAPPE_REDIS_CACHE"], os.environ["FRAPPE_REDIS_QUEUE"] = cache, queue
	if demo:
		subprocess.run(["bench", "--site", args.site, "frappoint", "make-demo"], cwd=args.bench, check=True,
			stdout=subprocess.DEVNULL)  # fmt: skip
	atexit.register(census, "after")
