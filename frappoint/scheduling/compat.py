"""What the app uses from Python 3.11, for Frappe v15 benches that still run Python 3.10."""

from datetime import timezone
from enum import Enum

UTC = timezone.utc


class StrEnum(str, Enum):
	"""As `enum.StrEnum` (3.11): a member is its value, in `str()` and in f-strings alike."""

	__str__ = str.__str__
	__format__ = str.__format__
