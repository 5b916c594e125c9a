"""Dispatch for "any provider": rank the providers free for a job by skills, distance and workload.

Each factor scores 0..1 and the total is their weighted sum; the breakdown is returned so a desk user
can see why a provider was picked. Ties fall to the provider's name, so the choice is deterministic.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from frappoint.scheduling.errors import InvalidInput, InvalidLocation

EARTH_RADIUS_KM = 6371.0088
DISTANCE_SCALE_KM = 10.0  # a provider this far away scores half on distance
WORKLOAD_SCALE_MINUTES = 240  # a provider with this much booked that day scores half on workload


@dataclass(frozen=True)
class Location:
	latitude: float
	longitude: float

	def __post_init__(self):
		if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
			raise InvalidLocation(f"({self.latitude}, {self.longitude}) is not a latitude/longitude")


@dataclass(frozen=True)
class Candidate:
	provider: str
	skills: frozenset[str] = field(default_factory=frozenset)
	location: Location | None = None
	booked_minutes: int = 0


@dataclass(frozen=True)
class Weights:
	"""How much each criterion counts when "any provider" is asked for (Service Appointment Settings)."""

	skills: float = 0.5
	distance: float = 0.3
	workload: float = 0.2

	def __post_init__(self):
		values = (self.skills, self.distance, self.workload)
		if any(not isinstance(v, int | float) or v < 0 or v != v for v in values) or not sum(values):
			raise InvalidInput(f"dispatch weights must be zero or more and not all zero, got {values}")


@dataclass(frozen=True)
class Ranking:
	provider: str
	score: float
	breakdown: dict
	distance_km: float | None


def distance_km(a: Location, b: Location) -> float:
	"""Great-circle (haversine) distance."""
	lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
	h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
	return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def day_legs(stops: list[Location | None]) -> list[float | None]:
	"""For a provider's jobs in time order: the distance from the previous job with a known place to
	each job (None for the first, or without a place)."""
	legs, last = [], None
	for stop in stops:
		legs.append(distance_km(last, stop) if last and stop else None)
		last = stop or last
	return legs


def rank_providers(
	candidates: Iterable[Candidate],
	required_skills: Iterable[str] = (),
	job_location: Location | None = None,
	weights: Weights = Weights(),
) -> list[Ranking]:
	"""Best provider first. A provider without a location scores 0 on distance when the job has one."""
	required = frozenset(required_skills)
	rankings = []
	for candidate in candidates:
		skills = len(required & candidate.skills) / len(required) if required else 1.0
		km = None
		if job_location is None:
			distance = 1.0
		elif candidate.location is None:
			distance = 0.0
		else:
			km = distance_km(candidate.location, job_location)
			distance = 1 / (1 + km / DISTANCE_SCALE_KM)
		workload = 1 / (1 + max(candidate.booked_minutes, 0) / WORKLOAD_SCALE_MINUTES)
		breakdown = {
			"skills": round(skills, 6),
			"distance": round(distance, 6),
			"workload": round(workload, 6),
		}
		score = round(
			weights.skills * skills + weights.distance * distance + weights.workload * workload,
			6,
		)
		rankings.append(Ranking(candidate.provider, score, breakdown, km))
	rankings.sort(key=lambda r: (-r.score, r.provider))
	return rankings
