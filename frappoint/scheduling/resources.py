"""Service units (rooms, chairs, machines): which ones a booking gets for a period.

A unit is busy when its concurrent uses at any instant of the period reach its capacity, unless its
type allows overlap. The choice is deterministic (fewest uses in the period, then name) and
all-or-nothing: if any required type cannot be filled, nothing is allocated.
Only units at the provider's location are candidates (`usable_at`); a unit or a provider without a
location is not bound to one.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from frappoint.scheduling.clock import require_minutes, require_period
from frappoint.scheduling.errors import UnitUnavailable


@dataclass(frozen=True)
class ServiceUnit:
	name: str
	unit_type: str
	capacity: int = 1
	allow_overlap: bool = False
	location: str | None = None

	def __post_init__(self):
		require_minutes(self.capacity, f"capacity of {self.name}")


def usable_at(unit: ServiceUnit, location: str | None) -> bool:
	"""Whether a booking with a provider at `location` may use `unit`: a unit serves its own location;
	one without a location (a van, a portable machine) serves any, and a provider without a location
	is not bound to one."""
	return unit.location is None or location is None or unit.location == location


@dataclass(frozen=True)
class UnitUse:
	"""An existing booking of `unit` over [start, end)."""

	unit: str
	start: datetime
	end: datetime


def peak_use(uses: Iterable[UnitUse], start: datetime, end: datetime) -> int:
	"""Most uses running at the same instant inside [start, end)."""
	events = []
	for use in uses:
		if use.start < end and use.end > start:
			events.append((max(use.start, start), 1))
			events.append((min(use.end, end), -1))
	events.sort(key=lambda e: (e[0], e[1]))  # an end and a start at the same instant do not overlap
	peak = running = 0
	for _, delta in events:
		running += delta
		peak = max(peak, running)
	return peak


def free_units(
	unit_type: str, units: Sequence[ServiceUnit], uses: Sequence[UnitUse], *, start: datetime, end: datetime
) -> list[ServiceUnit]:
	"""Units of `unit_type` with room over [start, end), best choice first."""
	start, end = require_period(start, end, "unit period")
	uses_by_unit: dict[str, list[UnitUse]] = {}
	for use in uses:
		uses_by_unit.setdefault(use.unit, []).append(use)
	ranked = []
	for unit in units:
		if unit.unit_type != unit_type:
			continue
		peak = peak_use(uses_by_unit.get(unit.name, ()), start, end)
		if unit.allow_overlap or peak < unit.capacity:
			ranked.append((peak, unit.name, unit))
	return [unit for _, _, unit in sorted(ranked, key=lambda r: (r[0], r[1]))]


def allocate_units(
	required: Mapping[str, int],
	units: Sequence[ServiceUnit],
	uses: Sequence[UnitUse],
	*,
	start: datetime,
	end: datetime,
	location: str | None = None,
) -> dict[str, list[str]]:
	"""Unit names per required type (`{type: how many}`) among those usable at the provider's
	`location`, or `UnitUnavailable` for the first type short."""
	allocation = {}
	usable = [unit for unit in units if usable_at(unit, location)]
	for unit_type in sorted(required):
		count = require_minutes(required[unit_type], f"number of {unit_type} units")
		candidates = free_units(unit_type, usable, uses, start=start, end=end)
		if len(candidates) < count:
			where = f" at {location}" if location else ""
			raise UnitUnavailable(
				unit_type, f"{count} {unit_type} needed{where}, {len(candidates)} free", location=location
			)
		allocation[unit_type] = [unit.name for unit in candidates[:count]]
	return allocation
