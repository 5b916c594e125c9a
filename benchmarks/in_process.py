"""What the in-process benchmarks share: their options and one site transaction, rolled back."""

import argparse
import os
from contextlib import contextmanager

import frappe
import own_site


def options(description: str, small: int, large: int) -> argparse.Namespace:
	parser = argparse.ArgumentParser(
		description=description, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	own_site.add_site_options(parser)
	parser.add_argument("--small", type=int, default=small)
	parser.add_argument("--large", type=int, default=large)
	args = parser.parse_args()
	own_site.prepare(args)
	return args


@contextmanager
def rolled_back(args):
	"""The site, connected, in one transaction that is rolled back at the end whatever happens
	(`in_test`: jobs run in-process, nothing commits, no guest rate limit)."""
	os.chdir(os.path.join(args.bench, "sites"))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.flags.in_test = True
	try:
		yield
	finally:
		frappe.db.rollback()
		frappe.destroy()
