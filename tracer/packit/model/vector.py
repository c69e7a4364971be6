"""CallVector: GitHub API calls counted in the model's four categories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from tracer.errors import UsageError

#: the four categories of the published model, in the model's column order
CATEGORIES: tuple[str, ...] = (
    "is_project_private",
    "is_user_approved",
    "load_packit_yaml",
    "set_status",
)


@dataclass(frozen=True)
class CallVector:
    """Calls per category. Supports ``+``, ``-`` and scaling by an int (``v * n``, ``n * v``)."""

    is_project_private: int = 0
    is_user_approved: int = 0
    load_packit_yaml: int = 0
    set_status: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise UsageError(f"CallVector.{f.name} must be an int, got {value!r}")

    @classmethod
    def zero(cls) -> CallVector:
        """The vector with every category 0."""
        return cls()

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int]) -> CallVector:
        """Build from ``{category: count}``; missing categories are 0, unknown keys are an error."""
        unknown = sorted(set(counts) - set(CATEGORIES))
        if unknown:
            raise UsageError(
                f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}:"
                f" expected {', '.join(CATEGORIES)}"
            )
        return cls(**{name: counts.get(name, 0) for name in CATEGORIES})

    @property
    def total(self) -> int:
        """The sum over the four categories."""
        return sum(getattr(self, name) for name in CATEGORIES)

    def as_dict(self) -> dict[str, int]:
        """``{category: count}`` in :data:`CATEGORIES` order (no total)."""
        return {name: getattr(self, name) for name in CATEGORIES}

    def as_tuple(self) -> tuple[int, int, int, int]:
        """``(private, approved, yaml, status)``, the model's notation."""
        return (self.is_project_private, self.is_user_approved, self.load_packit_yaml, self.set_status)

    def __add__(self, other: object) -> CallVector:
        if not isinstance(other, CallVector):
            return NotImplemented
        return CallVector(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple())))

    def __sub__(self, other: object) -> CallVector:
        if not isinstance(other, CallVector):
            return NotImplemented
        return CallVector(*(a - b for a, b in zip(self.as_tuple(), other.as_tuple())))

    def __mul__(self, n: object) -> CallVector:
        if isinstance(n, bool) or not isinstance(n, int):
            return NotImplemented
        return CallVector(*(a * n for a in self.as_tuple()))

    __rmul__ = __mul__
