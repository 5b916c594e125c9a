"""Who hears what, reminders and calendar sequence numbers: the rules in `scheduling/notices.py`."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frappoint.scheduling import (
	Audience,
	Change,
	News,
	Notice,
	calendar_sequence,
	message_key,
	notices_for,
	parse_reminder_hours,
	reminder_due,
	zone,
)
from frappoint.scheduling.compat import UTC
from frappoint.scheduling.errors import InvalidReminderHours

A, B = "Provider A", "Provider B"


def told(**change) -> set[tuple[str, str, str | None]]:
	return {(n.audience.value, n.news.name, n.provider) for n in notices_for(Change(**change))}


def test_a_hold_is_not_news_and_confirming_it_tells_customer_and_provider():
	assert told(old_status=None, new_status="Open", old_provider=None, new_provider=A) == set()
	confirmed = {("Customer", "CONFIRMED", None), ("Provider", "NEW_JOB", A)}
	assert told(old_status="Open", new_status="Confirmed", old_provider=A, new_provider=A) == confirmed
	assert told(old_status=None, new_status="Confirmed", old_provider=None, new_provider=A) == confirmed


def test_a_move_is_told_once_from_its_new_half():
	# the old half says nothing
	assert (
		told(old_status="Confirmed", new_status="Cancelled", old_provider=A, new_provider=A, moving_away=True)
		== set()
	)
	same = told(
		old_status=None, new_status="Confirmed", old_provider=None, new_provider=A, moved_from_provider=A
	)
	assert same == {("Customer", "MOVED", None), ("Provider", "JOB_MOVED", A)}
	other = told(
		old_status=None, new_status="Confirmed", old_provider=None, new_provider=B, moved_from_provider=A
	)
	assert other == {
		("Customer", "MOVED", None),
		("Provider", "NEW_JOB", B),
		("Provider", "JOB_CANCELLED", A),
	}
	# a moved hold, confirmed later, is a confirmation
	assert ("Customer", "CONFIRMED", None) in told(
		old_status="Open", new_status="Confirmed", old_provider=B, new_provider=B, moved_from_provider=A
	)


def test_reassigning_tells_the_customer_and_both_providers():
	assert told(old_status="Confirmed", new_status="Confirmed", old_provider=A, new_provider=B) == {
		("Customer", "REASSIGNED", None),
		("Provider", "NEW_JOB", B),
		("Provider", "JOB_CANCELLED", A),
	}
	# a hold given to another provider is still not news
	assert told(old_status="Open", new_status="Open", old_provider=A, new_provider=B) == set()


def test_a_wait_list_offer_is_the_one_hold_that_is_news():
	assert told(old_status=None, new_status="Open", old_provider=None, new_provider=A, offered=True) == {
		("Customer", "WAITLIST_OFFER", None)
	}
	# confirming it is an ordinary confirmation
	assert ("Customer", "CONFIRMED", None) in told(
		old_status="Open", new_status="Confirmed", old_provider=A, new_provider=A
	)


def test_cancellations_and_lapses():
	assert told(old_status="Confirmed", new_status="Cancelled", old_provider=A, new_provider=A) == {
		("Customer", "CANCELLED", None),
		("Provider", "JOB_CANCELLED", A),
	}
	assert told(old_status="Open", new_status="Cancelled", old_provider=A, new_provider=A, lapsed=True) == {
		("Customer", "HOLD_LAPSED", None)
	}
	# released by the customer: they know
	assert told(old_status="Open", new_status="Cancelled", old_provider=A, new_provider=A) == set()
	for final in ("Completed", "No Show"):
		assert told(old_status="Confirmed", new_status=final, old_provider=A, new_provider=A) == set()


def test_message_keys_differ_per_message_and_repeat_per_attempt():
	customer = Notice(Audience.CUSTOMER, News.CONFIRMED)
	provider = Notice(Audience.PROVIDER, News.NEW_JOB, A)
	keys = {message_key("APT-1", customer), message_key("APT-1", provider), message_key("APT-2", customer)}
	assert len(keys) == 3
	assert message_key("APT-1", customer) == message_key("APT-1", Notice(Audience.CUSTOMER, News.CONFIRMED))
	assert message_key("APT-1", Notice(Audience.CUSTOMER, News.REMINDER), "24") != message_key(
		"APT-1", Notice(Audience.CUSTOMER, News.REMINDER), "1"
	)


def test_reminder_hours_are_parsed_strictly():
	assert parse_reminder_hours("24, 1") == [24, 1]
	assert parse_reminder_hours("1;24;24") == [24, 1]
	assert parse_reminder_hours("") == [] and parse_reminder_hours(None) == []
	for bad in ("0", "-1", "1.5", "tomorrow", "99999"):
		with pytest.raises(InvalidReminderHours):
			parse_reminder_hours(bad)


START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
BOOKED = START - timedelta(days=5)


def test_each_reminder_falls_due_at_its_hour_and_not_after_the_start():
	hours = [24, 1]
	assert reminder_due(START, BOOKED, START - timedelta(hours=25), hours) is None
	assert reminder_due(START, BOOKED, START - timedelta(hours=24), hours) == 24
	assert reminder_due(START, BOOKED, START - timedelta(hours=2), hours) == 24  # still the 24 h one
	assert reminder_due(START, BOOKED, START - timedelta(minutes=59), hours) == 1
	assert reminder_due(START, BOOKED, START, hours) is None
	# booked 30 minutes ahead: neither reminder's time came after the booking
	assert reminder_due(START, START - timedelta(minutes=30), START - timedelta(minutes=10), hours) is None
	# booked 3 hours ahead: the 1 h one only
	assert reminder_due(START, START - timedelta(hours=3), START - timedelta(minutes=50), hours) == 1


def test_reminders_count_elapsed_hours_across_a_dst_change():
	london = zone("Europe/London")
	# 10:00 on the Sunday the clocks go back (2026-10-25): 24 h before is 11:00 BST the day before
	start = datetime(2026, 10, 25, 10, 0, tzinfo=london).astimezone(UTC)
	at = datetime(2026, 10, 24, 11, 0, tzinfo=london).astimezone(UTC)
	assert start - at == timedelta(hours=24)
	assert reminder_due(start, start - timedelta(days=3), at - timedelta(minutes=1), [24]) is None
	assert reminder_due(start, start - timedelta(days=3), at, [24]) == 24
	# and the spring-forward Sunday (2026-03-29): 24 h before 10:00 BST is 09:00 GMT on Saturday
	start = datetime(2026, 3, 29, 10, 0, tzinfo=london).astimezone(UTC)
	assert (
		reminder_due(start, start - timedelta(days=3), datetime(2026, 3, 28, 9, 0, tzinfo=london), [24]) == 24
	)
	assert (
		reminder_due(start, start - timedelta(days=3), datetime(2026, 3, 28, 8, 59, tzinfo=london), [24])
		is None
	)
	# the same with the start given in London time: 24 h back is not 10:00 on Saturday's wall clock
	local_start = start.astimezone(london)
	assert (
		reminder_due(
			local_start, local_start - timedelta(days=3), datetime(2026, 3, 28, 9, 30, tzinfo=london), [24]
		)
		== 24
	)


@given(
	hours=st.lists(st.integers(1, 200), min_size=1, max_size=4),
	lead=st.integers(0, 300 * 60),
	steps=st.lists(st.integers(1, 600), min_size=1, max_size=60),
)
def test_a_scheduler_ticking_at_any_pace_sends_reminders_in_order_and_never_late(hours, lead, steps):
	"""As the reminder job does: at each tick send the due reminder unless its key was used."""
	hours = sorted(set(hours), reverse=True)
	booked = START - timedelta(minutes=lead)
	now, sent = booked, []
	for step in steps:
		now += timedelta(minutes=step)
		due = reminder_due(START, booked, now, hours)
		if due is not None:
			assert now < START and START - timedelta(hours=due) <= now
			if due not in sent:
				sent.append(due)
	assert sent == sorted(sent, reverse=True)  # never a 24 h reminder after the 1 h one
	assert all(START - timedelta(hours=h) > booked for h in sent)


def test_calendar_sequence_rises_with_every_change():
	history = [
		calendar_sequence(0, False),
		calendar_sequence(1, False),
		calendar_sequence(2, False),
		calendar_sequence(2, True),
	]
	assert history == sorted(history) and len(set(history)) == len(history)
	assert calendar_sequence(0, True) < calendar_sequence(1, False)
