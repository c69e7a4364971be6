"""The published analytical model, exactly as published (its quirks included).

Per-event vectors (private, approved, yaml, status), with b = builds_enabled, t =
tests_enabled, N = chroots, Y = load_packit_yaml, P = 0 if is_private_once else 1,
Y' = 0 if load_packit_yaml_once else Y, F = b+t if all_flags else b:

    PR is updated                         (1, 2, Y, N·(b+t))
    Submit Copr build                     (0, 0, 0, N·(b+t))
    SRPM/RPM build started/finished       N·(P, 0, Y', F)   each of the four
    Tests started/finished (only if t)    N·(P, 0, Y', t)   each of the two

Quirks kept on purpose: SRPM events are charged once per chroot (the worker sees one
message each), the build events stay when builds are disabled, and the GET repo of every
handler, GET pulls/{n} and the test submission step are not in the model.
"""

from __future__ import annotations

from tracer.errors import UsageError
from tracer.packit.model.scenario import Scenario
from tracer.packit.model.vector import CallVector

EVENT_PR_UPDATED = "PR is updated"
EVENT_SUBMIT_COPR_BUILD = "Submit Copr build"
EVENT_SRPM_BUILD_STARTED = "SRPM build started"
EVENT_SRPM_BUILD_FINISHED = "SRPM build finished"
EVENT_RPM_BUILD_STARTED = "RPM build started"
EVENT_RPM_BUILD_FINISHED = "RPM build finished"
EVENT_TESTS_STARTED = "Tests started"
EVENT_TESTS_FINISHED = "Tests finished"

#: the build events, charged N·(P, 0, Y', F) each
BUILD_EVENTS: tuple[str, ...] = (
    EVENT_SRPM_BUILD_STARTED,
    EVENT_SRPM_BUILD_FINISHED,
    EVENT_RPM_BUILD_STARTED,
    EVENT_RPM_BUILD_FINISHED,
)
#: the test events, charged N·(P, 0, Y', t) each, only when tests are enabled
TEST_EVENTS: tuple[str, ...] = (EVENT_TESTS_STARTED, EVENT_TESTS_FINISHED)

#: every model event, in pipeline order
EVENTS: tuple[str, ...] = (EVENT_PR_UPDATED, EVENT_SUBMIT_COPR_BUILD, *BUILD_EVENTS, *TEST_EVENTS)


def per_event(scenario: Scenario) -> dict[str, CallVector]:
    """The model's calls per event, in pipeline order (test events only if tests are enabled)."""
    n = scenario.chroots
    b = int(scenario.builds_enabled)
    t = int(scenario.tests_enabled)
    y = scenario.load_packit_yaml
    p = 0 if scenario.is_private_once else 1
    y_later = 0 if scenario.load_packit_yaml_once else y
    flags = b + t if scenario.all_flags else b

    events = {
        EVENT_PR_UPDATED: CallVector(1, 2, y, n * (b + t)),
        EVENT_SUBMIT_COPR_BUILD: CallVector(0, 0, 0, n * (b + t)),
    }
    for name in BUILD_EVENTS:
        events[name] = n * CallVector(p, 0, y_later, flags)
    if t:
        for name in TEST_EVENTS:
            events[name] = n * CallVector(p, 0, y_later, t)
    return events


def totals(scenario: Scenario) -> CallVector:
    """The four category totals over all events of one PR pipeline."""
    return sum(per_event(scenario).values(), CallVector.zero())


def grand_total(scenario: Scenario) -> int:
    """All calls of one PR pipeline (the model's ``grand_total``)."""
    return totals(scenario).total


def prs_per_hour(scenario: Scenario, rate_limit: int | None = None) -> int:
    """``int(rate_limit / grand_total)``: PR pipelines per hour per organisation.

    ``rate_limit`` defaults to the scenario's own.
    """
    limit = scenario.rate_limit if rate_limit is None else rate_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"rate_limit must be an integer ≥ 1, got {limit!r}")
    return int(limit / grand_total(scenario))
