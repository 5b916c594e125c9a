"""Prices and the emergency capacity band. The rate always comes from the service's tiers, never
from the caller; only an emergency tier may use the seats reserved for emergencies."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from frappoint.scheduling.errors import InvalidDuration, UnknownTier


@dataclass(frozen=True)
class PriceTier:
	name: str
	rate: Decimal
	emergency: bool = False

	def __post_init__(self):
		object.__setattr__(self, "rate", Decimal(str(self.rate)))
		if self.rate < 0:
			raise InvalidDuration(f"tier {self.name!r} has a negative rate")


def tier_named(tiers: Sequence[PriceTier], name: str | None) -> PriceTier:
	"""The tier called `name`; with no name, the first tier (the service's default)."""
	if not tiers:
		raise UnknownTier("this service has no pricing tier")
	if not name:
		return tiers[0]
	for tier in tiers:
		if tier.name == name:
			return tier
	raise UnknownTier(f"tier {name!r} is not offered; choose one of {', '.join(t.name for t in tiers)}")


def price_for(tiers: Sequence[PriceTier], name: str | None) -> Decimal:
	return tier_named(tiers, name).rate


def seat_limit(capacity: int, emergency_reserved: int, emergency: bool) -> int:
	"""Seats a booking of this kind may fill in a slot of `capacity` seats."""
	if emergency:
		return capacity
	return max(capacity - max(emergency_reserved, 0), 0)
