"""The Email Templates Frappoint writes with, one per kind of message ("Frappoint: New Job" ...).

Made when missing on install and every migrate; an admin's edits are never overwritten (delete a
template to get the shipped wording back at the next migrate)."""

import os
import re

import frappe

from frappoint.scheduling import News

PREFIX = "Frappoint: "
SUBJECTS = {
	News.CONFIRMED: '{{ _("Your {0} appointment is confirmed").format(view.service_type) }}',
	News.MOVED: '{{ _("Your {0} appointment has moved").format(view.service_type) }}',
	News.REASSIGNED: '{{ _("Your {0} appointment is now with {1}").format(view.service_type, view.provider) }}',
	News.CANCELLED: '{{ _("Your {0} appointment is cancelled").format(view.service_type) }}',
	News.HOLD_LAPSED: '{{ _("Your {0} booking was not completed").format(view.service_type) }}',
	News.REMINDER: '{{ _("Reminder: {0}, {1}").format(view.service_type, view.start_label) }}',
	News.NEW_JOB: '{{ _("New appointment: {0}, {1}").format(view.service_type, view.start_label) }}',
	News.JOB_MOVED: '{{ _("Appointment moved: {0}, now {1}").format(view.service_type, view.start_label) }}',
	News.JOB_CANCELLED: '{{ _("Appointment cancelled: {0}, {1}").format(view.service_type, view.start_label) }}',
	News.NEW_TIME_REQUESTED: '{{ _("Please choose a new time for your {0} appointment").format(view.service_type) }}',
	News.WAITLIST_OFFER: '{{ _("A {0} time is free for you: {1}").format(view.service_type, view.start_label) }}',
}


def template_name(news: News) -> str:
	return PREFIX + news.value


def shipped_body(news: News) -> str:
	path = os.path.join(
		os.path.dirname(__file__), "templates", re.sub(r"\W+", "_", news.value.lower()) + ".html"
	)
	with open(path) as f:
		return f.read()


def ensure_email_templates() -> None:
	for news in News:
		if not frappe.db.exists("Email Template", template_name(news)):
			frappe.get_doc(
				{
					"doctype": "Email Template",
					"name": template_name(news),
					"subject": SUBJECTS[news],
					"use_html": 1,
					"response_html": shipped_body(news),
				}
			).insert(ignore_permissions=True)


def render(news: News, context: dict) -> tuple[str, str]:
	"""(subject, HTML body) from the site's Email Template for `news`; the shipped wording while it is
	deleted (until the next migrate makes it again)."""
	name = template_name(news)
	if frappe.db.exists("Email Template", name):
		template = frappe.get_cached_doc("Email Template", name)
		return template.get_formatted_subject(context), template.get_formatted_response(context)
	return frappe.render_template(SUBJECTS[news], context), frappe.render_template(
		shipped_body(news), context
	)
