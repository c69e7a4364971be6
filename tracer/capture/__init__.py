"""Capture: see every GitHub call, attribute it to its handler, classify it.

Public API::

    from tracer.capture import Tracer, handler
    with Tracer() as t:
        with handler("CoprBuildEndHandler", event="RPM build finished"):
            ...                      # ogr / PyGithub / requests calls
    trace = t.trace()                # Trace: totals by handler, event, category, endpoint
"""

from tracer.capture.call import AUTH, NO_HANDLER, OTHER, Call
from tracer.capture.classify import Classifier
from tracer.capture.patches import GITHUB_API, NetworkBlockedError, block_network, no_throttle, redirect_api, redirect_origin
from tracer.capture import httpx_patches  # registers the places httpx is seen at
from tracer.capture.rules import Rules
from tracer.capture.scope import Scope, current_scope, handler, no_scope
from tracer.capture.trace import MEASURES, RateLimitGap, Trace
from tracer.capture.headers import auth_of
from tracer.capture.tracer import Tracer

__all__ = [
    "Tracer", "handler", "Trace", "Call", "Rules", "Classifier", "Scope", "current_scope", "no_scope",
    "redirect_api", "redirect_origin", "block_network", "no_throttle", "NetworkBlockedError",
]
