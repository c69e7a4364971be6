"""How long a fleet worker waits, measured in the worker (the fleet tests' load diagnostics).

With ``FLEET_WAITS_DIR`` set, each worker process keeps, per kind of wait, the count, the
longest and how many took over 1 s and over 5 s, and writes them to ``DIR/<pid>.json`` once a
second:

- ``redis <COMMAND>``: a command of the worker's own Redis client (the pipeline state, its lock,
  the done notices), from sending it to its reply;
- ``loop lag``: how late a 50 ms sleep wakes up: under gevent the time a ready greenlet waits for
  the others (and for the CPU); in a prefork child, for the CPU and the GIL. Every socket
  timeout in that process is measured in wall time that includes it.

(Each GitHub call's duration is in the task traces.)

:func:`summary` adds up what the workers wrote, for the test's report.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

DIR = os.environ.get("FLEET_WAITS_DIR")
_waits: dict[str, list[float]] = {}  # kind -> [count, longest, over 1 s, over 5 s]
_lock = threading.Lock()
_started: int | None = None


def note(kind: str, seconds: float) -> None:
    if DIR is None:
        return
    with _lock:
        w = _waits.setdefault(kind, [0, 0.0, 0, 0])
        w[0] += 1
        w[1] = max(w[1], seconds)
        w[2] += seconds > 1.0
        w[3] += seconds > 5.0
    start()


def start() -> None:
    """The lag probe and the writer of this process (once per process; a fork starts its own)."""
    global _started
    if DIR is None or _started == os.getpid():
        return
    _started = os.getpid()
    threading.Thread(target=_probe, name="fleet-waits", daemon=True).start()


def _probe() -> None:
    last_write = time.monotonic()
    while True:
        before = time.monotonic()
        time.sleep(0.05)
        lag = time.monotonic() - before - 0.05
        note("loop lag", max(lag, 0.0))
        if time.monotonic() - last_write >= 1.0:
            last_write = time.monotonic()
            with _lock:
                data = {kind: list(w) for kind, w in _waits.items()}
            path = Path(DIR) / f"{os.getpid()}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(path)


def summary(directory: Path) -> dict[str, Any]:
    """Per kind of wait over every worker process: count, longest (s), over 1 s, over 5 s."""
    out: dict[str, list[float]] = {}
    for path in directory.glob("*.json"):
        for kind, (count, longest, over1, over5) in json.loads(path.read_text()).items():
            w = out.setdefault(kind, [0, 0.0, 0, 0])
            w[0] += count
            w[1] = max(w[1], longest)
            w[2] += over1
            w[3] += over5
    return {kind: {"count": int(w[0]), "longest": round(w[1], 3), "over 1 s": int(w[2]), "over 5 s": int(w[3])}
            for kind, w in sorted(out.items())}
