"""Telling people: every lifecycle change, reminders and calendar invitations, for customers and
providers, by email (Frappe's Email Queue, Email Templates an admin edits) and SMS (SMS Settings).

- `changes`: the lifecycle hook; asks the core (`scheduling.notices`) who hears what and queues one
  job per message once the change has committed.
- `delivery`: the job; claims the message's key (an Appointment Notification row) so that a retried
  job or a second worker sends nothing twice, then writes the email and the SMS.
- `reminders`: the scheduler's sweep over due reminders only.
- `calendar`: the .ics invitation (one UID per appointment, across moves).
- `templates`: the Email Templates shipped with the app, made on install and migrate.
"""
