"""Money rules (`scheduling/money.py`): what is paid at booking, and how a cancellation settles."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frappoint.scheduling.errors import InvalidInput, NaiveDatetime
from frappoint.scheduling.money import (
	DEPOSIT,
	FULL_PAYMENT,
	PERCENT,
	STORE_CREDIT,
	CancellationPolicy,
	PaymentRule,
	cancellation_terms,
	due_at_booking,
	is_late,
	money,
)

START = datetime(2026, 10, 25, 9, tzinfo=UTC)
amounts = st.decimals(min_value=0, max_value=100000, places=2)
percents = st.decimals(min_value=0, max_value=100, places=2)


def test_deposits_full_payments_and_nothing():
	assert due_at_booking(80, PaymentRule()) == 0
	assert due_at_booking(80, PaymentRule(FULL_PAYMENT)) == Decimal("80.00")
	assert due_at_booking(80, PaymentRule(DEPOSIT, deposit_value=20)) == Decimal("20.00")
	assert due_at_booking(80, PaymentRule(DEPOSIT, PERCENT, "12.5")) == Decimal("10.00")
	assert due_at_booking(33.33, PaymentRule(DEPOSIT, PERCENT, 50)) == Decimal("16.67")  # half up
	assert due_at_booking(15, PaymentRule(DEPOSIT, deposit_value=20)) == Decimal(
		"15.00"
	)  # never above the price


@pytest.mark.parametrize(
	"rule",
	[
		dict(kind="Later"),
		dict(kind=DEPOSIT, deposit_value=0),
		dict(kind=DEPOSIT, deposit_type=PERCENT, deposit_value=101),
		dict(kind=DEPOSIT, deposit_type="Fraction", deposit_value=5),
	],
)
def test_a_deposit_that_makes_no_sense_is_refused(rule):
	with pytest.raises(InvalidInput):
		PaymentRule(**rule)


@given(
	amounts,
	st.sampled_from([FULL_PAYMENT, DEPOSIT]),
	st.sampled_from(["Amount", PERCENT]),
	st.decimals(min_value="0.01", max_value=100, places=2),
)
def test_what_is_due_is_never_more_than_the_price(price, kind, deposit_type, value):
	due = due_at_booking(price, PaymentRule(kind, deposit_type, value))
	assert 0 <= due <= money(price)


def test_lateness_is_decided_on_instants():
	policy = CancellationPolicy(refund_cutoff_hours=24)
	assert not is_late(START, START - timedelta(hours=24), policy)
	assert is_late(START, START - timedelta(hours=23, minutes=59), policy)
	with pytest.raises(NaiveDatetime):
		is_late(START, datetime(2026, 10, 24, 9), policy)


def test_early_full_refund_late_partial_refund_and_fee():
	policy = CancellationPolicy(24, late_refund_percent=50, late_fee=10)
	early = cancellation_terms(40, late=False, policy=policy)
	assert (early.refund, early.store_credit, early.charge, early.kept) == (40, 0, 0, 0)
	late = cancellation_terms(40, late=True, policy=policy)
	assert (late.refund, late.store_credit, late.charge, late.kept) == (20, 0, 30, 20)
	unpaid = cancellation_terms(0, late=True, policy=policy)
	assert (unpaid.refund, unpaid.charge, unpaid.kept) == (0, 10, 0)  # the fee is owed


def test_store_credit_instead_of_refund_and_the_business_cancelling_returns_everything():
	policy = CancellationPolicy(24, late_refund_percent=0, late_fee=5, returned_as=STORE_CREDIT)
	credit = cancellation_terms(40, late=False, policy=policy)
	assert (credit.refund, credit.store_credit, credit.charge) == (0, 40, 0)
	ours = cancellation_terms(40, late=True, policy=policy, by_business=True)
	assert (ours.refund, ours.store_credit, ours.charge, ours.kept) == (0, 40, 0, 0)
	kept = cancellation_terms(40, late=True, policy=policy)
	assert (kept.store_credit, kept.charge, kept.kept) == (0, 45, 40)


@given(amounts, st.booleans(), st.booleans(), percents, amounts, st.sampled_from(["Refund", STORE_CREDIT]))
def test_every_paid_cent_is_returned_or_kept_exactly_once(paid, late, by_business, percent, fee, returned_as):
	policy = CancellationPolicy(24, late_refund_percent=percent, late_fee=fee, returned_as=returned_as)
	terms = cancellation_terms(paid, late, policy, by_business=by_business)
	assert terms.refund + terms.store_credit + terms.kept == money(paid)
	assert min(terms.refund, terms.store_credit, terms.charge, terms.kept) >= 0
	assert terms.kept <= terms.charge  # what is kept is invoiced, so the books show why
	if by_business or not late:
		assert terms.charge == 0 and terms.kept == 0


def test_a_policy_out_of_range_is_refused():
	for bad in (
		dict(refund_cutoff_hours=-1),
		dict(late_refund_percent=120),
		dict(late_fee=-1),
		dict(returned_as="Cash"),
	):
		with pytest.raises(InvalidInput):
			CancellationPolicy(**bad)
