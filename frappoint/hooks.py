"""Frappoint's declarations for Frappe: install steps, doc_events, permissions, scheduler events,
request hooks, portal routes. Declarations only; every path names the function it runs."""

app_name = "frappoint"
app_title = "Frappoint"
app_publisher = "Frappoint"
app_description = "Appointment booking for Frappe and ERPNext: slots, resources, lifecycle, journal"
app_email = "dev@frappoint.test"
app_license = "mit"
# A DocType saved in developer mode rewrites its controller's type block (tests/test_frappe_surface.py
# checks every block against its JSON).
export_python_type_annotations = True

# Install, migrate, uninstall
after_install = "frappoint.install.after_install"
after_migrate = "frappoint.install.after_migrate"
before_uninstall = "frappoint.install.before_uninstall"
after_app_install = "frappoint.install.after_app_install"
before_tests = "frappoint.install.before_tests"

# Permissions: providers see their own appointments, customers theirs
permission_query_conditions = {
	"Service Appointment": "frappoint.permissions.appointment_query_conditions",
	# The ledger rows are listed like any child table (`get_list` with `parent`): only a visible
	# appointment's rows.
	"Service Appointment Slot": "frappoint.permissions.ledger_query_conditions",
	"Service Appointment Unit": "frappoint.permissions.ledger_query_conditions",
	# A job's photos are listed only with the job.
	"File": "frappoint.permissions.file_query_conditions",
}
has_permission = {
	"Service Appointment": "frappoint.permissions.has_appointment_permission",
}

scheduler_events = {
	"cron": {
		"*/5 * * * *": [
			"frappoint.tasks.expire_stale_holds",
			"frappoint.tasks.checkpoint_journal",
			"frappoint.tasks.send_reminders",
			"frappoint.tasks.offer_waitlist",
		],
		"*/15 * * * *": ["frappoint.tasks.reconcile_accounting"],
		# Follow-up work still pending (see booking.outbox); web requests also start it.
		"* * * * *": ["frappoint.tasks.dispatch_outbox"],
	},
	"daily": ["frappoint.tasks.forget_done_outbox"],
	# Sealed hourly too, so a missed five-minute tick (a busy or restarted scheduler) is caught up.
	"hourly": ["frappoint.tasks.checkpoint_journal"],
	"hourly_long": ["frappoint.tasks.keep_slots_generated"],
}

# Availability is pluggable: other apps append dotted paths here (README.md, "Extending availability";
# booking/extensions.py calls them).
frappoint_availability_providers = []

calendars = ["Service Appointment"]

# The appointment form shows its journal events in the timeline.
additional_timeline_content = {
	"Service Appointment": ["frappoint.booking.journal.timeline"],
}

# Personal data: erasure redacts appointments; the journal holds none, so it still verifies.
user_data_fields = [
	{
		"doctype": "Service Appointment",
		"filter_by": "customer_email",
		"redact_fields": [
			"customer_name",
			"customer_email",
			"customer_phone",
			"notes",
			"cancellation_reason",
		],
	},
]

doc_events = {
	# Accounting follows the lifecycle (inert without ERPNext), and so do everyone's notifications.
	# Availability is cached per provider and day (booking.window_cache): whatever decides it
	# invalidates it.
	"Service Appointment": {
		"on_update": "frappoint.integrations.erpnext.on_appointment_change",
		"on_change": [
			"frappoint.booking.window_cache.appointment_changed",
			"frappoint.notifications.changes.appointment_changed",
			"frappoint.booking.waitlist.appointment_changed",
		],
		"on_trash": "frappoint.booking.window_cache.appointment_changed",
	},
	"Service Provider": {
		"on_change": "frappoint.booking.window_cache.provider_changed",
		"on_trash": "frappoint.booking.window_cache.provider_changed",
	},
	"Provider Availability Exception": {
		"on_change": "frappoint.booking.window_cache.provider_changed",
		"on_trash": "frappoint.booking.window_cache.provider_changed",
	},
	"Service Type": {
		"on_change": "frappoint.booking.window_cache.configuration_changed",
		"on_trash": "frappoint.booking.window_cache.configuration_changed",
	},
	"Service Unit": {
		"on_change": "frappoint.booking.window_cache.configuration_changed",
		"on_trash": "frappoint.booking.window_cache.configuration_changed",
	},
	"Service Unit Type": {
		"on_change": "frappoint.booking.window_cache.configuration_changed",
		"on_trash": "frappoint.booking.window_cache.configuration_changed",
	},
	"Service Appointment Settings": {
		"on_change": "frappoint.booking.window_cache.configuration_changed",
		"on_trash": "frappoint.booking.window_cache.configuration_changed",
	},
	# Payment at booking: every gateway reports a payment through this method (integrations.payments).
	"Payment Request": {
		"on_payment_authorized": "frappoint.integrations.payments.on_payment_authorized",
	},
	"Personal Data Download Request": {
		"after_insert": "frappoint.privacy.attach_appointment_data",
	},
}

# Where a customer pays at booking (integrations.payments): the test gateway answers only on a site
# whose config turns it on; otherwise ERPNext asks the Payment Request's own gateway.
frappoint_checkout_url = ["frappoint.integrations.test_gateway.checkout_url"]

# Customer portal: /book, /appointments and each appointment's manage page.
portal_menu_items = [
	{"title": "Appointments", "route": "/appointments"},
]
website_route_rules = [
	{"from_route": "/appointments/<name>", "to_route": "appointment"},
]

# Until the bench's Frappe has frappe/frappe#31446, every guest page costs ~1 s (frappe_backports.py).
before_request = ["frappoint.frappe_backports.apply", "frappoint.security.refuse_malformed_request"]
# A write that lost its locks more often than it retries answers 503 with Retry-After (booking.locks);
# any request starts the outbox's dispatcher when follow-up work is due (booking.outbox).
after_request = [
	"frappoint.booking.locks.add_retry_after",
	"frappoint.booking.outbox.kick",
	# A process's first request was parsed before the app could make a malformed body a 400 (security).
	"frappoint.security.answer_unparsed_body",
]
# Frappe 15's get_count checks no permission: any user could count (and so read, a letter at a time)
# what they may not list.
override_whitelisted_methods = {
	"frappe.client.get_count": "frappoint.security.get_count",
	# ERPNext's is open to guests for any order (see security.make_payment_request).
	"erpnext.accounts.doctype.payment_request.payment_request.make_payment_request": "frappoint.security.make_payment_request",
}
