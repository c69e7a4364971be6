"""Comparing traces in tests."""

from tracer.capture import Trace


def same_calls(a: Trace, b: Trace) -> bool:
    """Two traces with the same calls (a duration is the one thing a replay never repeats)."""
    def strip(trace: Trace) -> list[dict]:
        return [{**c.to_dict(), "duration_ms": 0} for c in trace.all_calls()]
    return strip(a) == strip(b)
