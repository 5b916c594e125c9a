"""The appointment lifecycle: statuses, the actions between them, and nothing else.

Open --confirm--> Confirmed --complete--> Completed
  |                  |  \\--no_show--> No Show
  +--cancel/expire---+--cancel--> Cancelled
Completed, Cancelled and No Show are final. `start` (the provider begins the job) and `reassign`
(another provider takes it) keep the status as it is; they exist so the journal can
record them as actions the lifecycle allows.
"""

from datetime import datetime

from frappoint.scheduling.compat import StrEnum
from frappoint.scheduling.errors import ForbiddenTransition


class Status(StrEnum):
	OPEN = "Open"
	CONFIRMED = "Confirmed"
	COMPLETED = "Completed"
	CANCELLED = "Cancelled"
	NO_SHOW = "No Show"


class Action(StrEnum):
	CONFIRM = "confirm"
	COMPLETE = "complete"
	CANCEL = "cancel"
	EXPIRE = "expire"
	NO_SHOW = "no_show"
	START = "start"
	REASSIGN = "reassign"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
	(Status.OPEN, Action.CONFIRM): Status.CONFIRMED,
	(Status.OPEN, Action.CANCEL): Status.CANCELLED,
	(Status.OPEN, Action.EXPIRE): Status.CANCELLED,
	(Status.CONFIRMED, Action.COMPLETE): Status.COMPLETED,
	(Status.CONFIRMED, Action.NO_SHOW): Status.NO_SHOW,
	(Status.CONFIRMED, Action.CANCEL): Status.CANCELLED,
	(Status.CONFIRMED, Action.START): Status.CONFIRMED,
	(Status.OPEN, Action.REASSIGN): Status.OPEN,
	(Status.CONFIRMED, Action.REASSIGN): Status.CONFIRMED,
}

# Statuses whose seats count as taken (an Open hold only until it expires).
HOLDS_SEATS = frozenset({Status.OPEN, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW})
FINAL = frozenset({Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW})


def holds_resources(status: str, hold_expires_at: datetime | None, now: datetime) -> bool:
	"""Whether an appointment in `status` still occupies its seats and units at `now`."""
	if status not in HOLDS_SEATS:
		return False
	if status == Status.OPEN:
		return hold_expires_at is None or hold_expires_at > now
	return True


def next_status(status: str, action: str) -> Status:
	"""The status after `action`, or `ForbiddenTransition`."""
	try:
		key = (Status(status), Action(action))
	except ValueError as e:
		raise ForbiddenTransition(status, action) from e
	if key not in TRANSITIONS:
		raise ForbiddenTransition(key[0].value, key[1].value)
	return TRANSITIONS[key]


def allowed_actions(status: str) -> list[Action]:
	return [action for (source, action) in TRANSITIONS if source == Status(status)]
