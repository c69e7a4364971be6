"""Injected failures: server errors, an exhausted primary limit, a secondary limit.

A fault matches requests by method and a regular expression searched in the path (no
query string), and answers the next ``times`` of them (``None``: every one) instead of the
route. Faulted answers are not charged to the rate limit.

- ``kind="error"``: ``status`` (default 502) with ``{"message": <reason phrase>}``;
- ``kind="primary"``: 403 (or 429) with ``x-ratelimit-remaining: 0`` and GitHub's
  "API rate limit exceeded for installation ID …" message;
- ``kind="secondary"``: 403 (default) or 429 with ``retry-after`` (default 60) and
  "You have exceeded a secondary rate limit".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("error", "primary", "secondary")


@dataclass
class Fault:
    path: str
    status: int | None = None
    method: str = "*"
    times: int | None = 1
    kind: str = "error"
    retry_after: int | None = None
    hits: int = 0  # how many requests it answered
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        try:
            self._regex = re.compile(self.path)
        except re.error as exc:
            raise ValueError(f"path is not a valid regular expression ({exc}): {self.path!r}") from None
        self.method = self.method.upper()
        if self.status is None:
            self.status = {"error": 502, "primary": 403, "secondary": 403}[self.kind]
        if self.kind == "error" and not 400 <= self.status <= 599:
            raise ValueError(f"status of an error fault must be 4xx or 5xx, got {self.status}")
        if self.kind != "error" and self.status not in (403, 429):
            raise ValueError(f"status of a {self.kind} rate-limit fault must be 403 or 429, got {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be >= 1 or null (always), got {self.times}")
        if self.kind == "secondary" and self.retry_after is None:
            self.retry_after = 60

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        allowed = {"path", "status", "method", "times", "kind", "retry_after"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
        if not isinstance(data.get("path"), str):
            raise ValueError("missing path (a regular expression)")
        for key in ("status", "times", "retry_after"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{key} must be an integer, got {value!r}")
        return cls(
            path=data["path"],
            status=data.get("status"),
            method=str(data.get("method", "*")),
            times=data.get("times", 1),
            kind=str(data.get("kind", "error")),
            retry_after=data.get("retry_after"),
        )

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        if self.exhausted:
            return False
        return (self.method in ("*", method.upper())) and bool(self._regex.search(path))

    def copy(self) -> Fault:
        return Fault(self.path, self.status, self.method, self.times, self.kind, self.retry_after)
