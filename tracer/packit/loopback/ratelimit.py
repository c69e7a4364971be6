"""Primary rate-limit bookkeeping, one bucket per principal as GitHub keeps it.

Buckets are named ``user:<login>`` (every personal token of a user shares it),
``installation:<id>`` (every token of an installation), ``app:<id>`` (calls signed with
the app's JWT) and ``anonymous``. Not thread-safe by itself: the server holds its lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tracer.packit.loopback.world import RateLimitConfig

WINDOW = 3600  # seconds


@dataclass
class RateBucket:
    name: str
    limit: int
    used: int
    reset: int  # epoch seconds

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> list[tuple[str, str]]:
        """GitHub's ``x-ratelimit-*`` response headers for this bucket."""
        return [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset)),
            ("x-ratelimit-used", str(min(self.used, self.limit))),
            ("x-ratelimit-resource", "core"),
        ]

    def snapshot(self) -> RateBucket:
        return RateBucket(self.name, self.limit, self.used, self.reset)


class RateBook:
    """All buckets; a bucket starts full the first time it is seen."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.started = int(clock())
        self._buckets: dict[str, RateBucket] = {}

    def _first_reset(self) -> int:
        return self.config.reset if self.config.reset is not None else self.started + WINDOW

    def get(self, name: str) -> RateBucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = RateBucket(name, self.config.limit_for(name), 0, self._first_reset())
            self._buckets[name] = bucket
        now = int(self.clock())
        if now >= bucket.reset:  # a new window
            bucket.used = 0
            while bucket.reset <= now:
                bucket.reset += WINDOW
        return bucket

    def charge(self, name: str) -> RateBucket:
        bucket = self.get(name)
        bucket.used += 1
        return bucket

    def set_remaining(self, name: str, remaining: int) -> None:
        bucket = self.get(name)
        bucket.used = max(0, bucket.limit - remaining)

    def set_limit(self, name: str, limit: int) -> None:
        self.get(name).limit = limit

    def clear(self) -> None:
        self._buckets.clear()
        self.started = int(self.clock())

    def all(self) -> dict[str, RateBucket]:
        return {name: b.snapshot() for name, b in self._buckets.items()}
