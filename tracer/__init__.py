"""api-tracer: see every GitHub API call a program makes, attribute it, classify it, budget it.

The public API is the names below (``tracer.__all__``); everything else is internal::

    import tracer

    with tracer.Tracer() as t, tracer.handler("CoprBuildEndHandler", event="RPM build finished"):
        project.set_commit_status(...)          # ogr / PyGithub / requests: any client
    t.trace().categories()                      # {'set_status': 2, ...}

    with tracer.api_budget(max_total=35, set_status=30): # BudgetExceeded on exit
        run_handler()

    with tracer.replay("cassettes/test_x.yaml") as r:   # answers from the cassette only
        run_handler()
    r.trace.totals()

Names are imported on first use, so ``import tracer`` costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name → the module that defines it
_WHERE = {
    "Tracer": "tracer.capture.tracer",
    "handler": "tracer.capture.scope",
    "Trace": "tracer.capture.trace",
    "Call": "tracer.capture.call",
    "Rules": "tracer.capture.rules",
    "api_budget": "tracer.budget.budget",
    "replay": "tracer.budget.cassette",
    "redirect_api": "tracer.capture.patches",
    "block_network": "tracer.capture.patches",
    "no_throttle": "tracer.capture.patches",
    "TracerError": "tracer.errors",
    "DataError": "tracer.errors",
    "UsageError": "tracer.errors",
    "BudgetExceeded": "tracer.budget.errors",
    "NetworkBlockedError": "tracer.capture.patches",
}

__all__ = [
    "Tracer", "handler", "Trace", "Call", "Rules",
    "api_budget", "replay", "redirect_api", "block_network", "no_throttle",
    "TracerError", "DataError", "UsageError", "BudgetExceeded", "NetworkBlockedError",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name is imported when first used
    from tracer.budget.budget import api_budget
    from tracer.budget.cassette import replay
    from tracer.budget.errors import BudgetExceeded
    from tracer.capture.call import Call
    from tracer.capture.patches import NetworkBlockedError, block_network, no_throttle, redirect_api
    from tracer.capture.rules import Rules
    from tracer.capture.scope import handler
    from tracer.capture.trace import Trace
    from tracer.capture.tracer import Tracer
    from tracer.errors import DataError, TracerError, UsageError


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tracer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
