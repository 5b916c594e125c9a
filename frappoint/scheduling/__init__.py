"""Frappoint's scheduling core: every booking rule, once, in plain Python.

No frappe import here (a static test enforces it). Inputs are dataclasses and timezone-aware
datetimes; outputs are the same, instants in UTC. "Now" is always a parameter.
"""

from frappoint.scheduling.clock import (
	SkippedWallTime,
	from_stored_utc,
	local_instant,
	require_aware,
	skipped_wall_time,
	stored_utc,
	wall_time,
	zone,
)
from frappoint.scheduling.dispatch import Candidate, Location, Ranking, Weights, day_legs, rank_providers
from frappoint.scheduling.errors import (
	EmptyShiftPattern,
	ForbiddenTransition,
	InvalidDuration,
	InvalidInput,
	InvalidLocation,
	InvalidRange,
	InvalidReminderHours,
	InvalidShiftPattern,
	InvalidSlotSize,
	NaiveDatetime,
	NotBookable,
	Reason,
	SchedulingError,
	UnitUnavailable,
	UnknownTier,
	UnknownTimezone,
)
from frappoint.scheduling.explain import ProviderDay, why_not
from frappoint.scheduling.journal import (
	GENESIS,
	Break,
	Checkpoint,
	StoredEvent,
	Verdict,
	canonical,
	event_hash,
	seal,
	verify_chain,
	verify_journal,
)
from frappoint.scheduling.lifecycle import (
	Action,
	Status,
	allowed_actions,
	holds_resources,
	next_status,
)
from frappoint.scheduling.notices import (
	CALENDAR_METHOD,
	Audience,
	Change,
	News,
	Notice,
	calendar_sequence,
	message_key,
	message_key_suffix,
	notices_for,
	parse_reminder_hours,
	reminder_due,
)
from frappoint.scheduling.policy import (
	ANY_TIME,
	BookingPolicy,
	acceptable_starts,
	booking_time_reason,
	check_booking_time,
	check_cancellation,
)
from frappoint.scheduling.pricing import PriceTier, price_for, tier_named
from frappoint.scheduling.resources import ServiceUnit, UnitUse, allocate_units, usable_at
from frappoint.scheduling.slots import (
	AvailabilityException,
	ExceptionKind,
	Shift,
	ShiftPattern,
	Slot,
	generate_slots,
)
from frappoint.scheduling.windows import (
	SeatClaim,
	ServiceRule,
	Window,
	bookable_windows,
	in_booking_window,
	seats_taken,
)
