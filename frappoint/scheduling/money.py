"""Money rules: what a customer pays at booking and what a cancellation gives back or costs.

Amounts are Decimals in the service's currency, rounded to cents (half up, as invoices round). The
booking service applies these to ERPNext documents; here is only the arithmetic, once."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from frappoint.scheduling.clock import require_aware
from frappoint.scheduling.errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

NO_PAYMENT, DEPOSIT, FULL_PAYMENT = "", "Deposit", "Full Payment"
AMOUNT, PERCENT = "Amount", "Percent"
REFUND, STORE_CREDIT = "Refund", "Store Credit"


def money(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PaymentRule:
	"""What a service asks at booking: nothing, a deposit (an amount or a percentage of the price),
	or the whole price."""

	kind: str = NO_PAYMENT
	deposit_type: str = AMOUNT
	deposit_value: Decimal = ZERO

	def __post_init__(self):
		object.__setattr__(self, "deposit_value", money(self.deposit_value))
		if self.kind not in (NO_PAYMENT, DEPOSIT, FULL_PAYMENT):
			raise InvalidInput(f"unknown payment at booking {self.kind!r}")
		if self.kind == DEPOSIT:
			if self.deposit_type not in (AMOUNT, PERCENT):
				raise InvalidInput(f"unknown deposit type {self.deposit_type!r}")
			if self.deposit_value <= 0 or (self.deposit_type == PERCENT and self.deposit_value > HUNDRED):
				raise InvalidInput("a deposit is more than nothing and at most the whole price")


def due_at_booking(price, rule: PaymentRule) -> Decimal:
	"""What the customer pays before the booking is confirmed: never more than the price."""
	price = money(price)
	if rule.kind == FULL_PAYMENT:
		return price
	if rule.kind == DEPOSIT:
		if rule.deposit_type == PERCENT:
			return min(money(price * rule.deposit_value / HUNDRED), price)
		return min(rule.deposit_value, price)
	return ZERO


@dataclass(frozen=True)
class CancellationPolicy:
	"""A customer who cancels at least `refund_cutoff_hours` before the start gets everything back;
	later, `late_refund_percent` of what they paid, and a `late_fee` on top. What is returned goes back
	to them (`REFUND`) or stays with the business as credit for their next booking (`STORE_CREDIT`)."""

	refund_cutoff_hours: int = 24
	late_refund_percent: Decimal = HUNDRED
	late_fee: Decimal = ZERO
	returned_as: str = REFUND

	def __post_init__(self):
		object.__setattr__(self, "late_refund_percent", Decimal(str(self.late_refund_percent or 0)))
		object.__setattr__(self, "late_fee", money(self.late_fee))
		if (
			self.refund_cutoff_hours < 0
			or not ZERO <= self.late_refund_percent <= HUNDRED
			or self.late_fee < 0
		):
			raise InvalidInput("a cut-off, a refund percentage or a fee out of range")
		if self.returned_as not in (REFUND, STORE_CREDIT):
			raise InvalidInput(f"unknown way to return money {self.returned_as!r}")


def refund_deadline(start: datetime, policy: CancellationPolicy) -> datetime:
	"""The last instant a cancellation gets everything back: the cut-off before the start."""
	require_aware(start, "start")
	return start - timedelta(hours=policy.refund_cutoff_hours)


def is_late(start: datetime, cancelled: datetime, policy: CancellationPolicy) -> bool:
	"""Cancelled after the refund deadline (compared as instants, never wall times)."""
	require_aware(cancelled, "cancelled")
	return cancelled > refund_deadline(start, policy)


@dataclass(frozen=True)
class CancellationTerms:
	"""How a cancellation settles: `refund` goes back to the customer, `store_credit` stays on their
	account, `charge` is invoiced (the part of the payment kept plus the late fee) and `kept` of it is
	paid from what they had paid. `refund + store_credit + kept` is always what was paid."""

	refund: Decimal
	store_credit: Decimal
	charge: Decimal
	kept: Decimal


def cancellation_terms(
	paid, late: bool, policy: CancellationPolicy, by_business: bool = False
) -> CancellationTerms:
	"""Settle a cancellation. A cancellation by the business (or an early one) returns everything and
	charges nothing; a late one by the customer keeps part of the payment and adds the fee."""
	paid = money(paid)
	if paid < 0:
		raise InvalidInput("a negative payment")
	if by_business or not late:
		returned, charge = paid, ZERO
	else:
		returned = money(paid * policy.late_refund_percent / HUNDRED)
		charge = paid - returned + policy.late_fee
	kept = paid - returned
	if policy.returned_as == STORE_CREDIT:
		return CancellationTerms(refund=ZERO, store_credit=returned, charge=charge, kept=kept)
	return CancellationTerms(refund=returned, store_credit=ZERO, charge=charge, kept=kept)
