"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(work: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``work``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_ratio(batches: list[float], baseline: list[float]) -> float:
    """The median of each round's ratio: a batch's time over the baseline batch it was
    interleaved with in the same round (``batches[i] / baseline[i]``). A machine that slows down
    for a while slows both batches of a round, so this ratio holds where the ratio of the two
    medians moves with what else the machine is doing::

        paired_ratio([1.05, 2.1], [1.0, 2.0])   # 1.05, where median/median gives 1.047
    """
    return statistics.median(b / a for b, a in zip(batches, baseline, strict=True))
