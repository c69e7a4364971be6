"""Failures the budget checks report: AssertionError subclasses whose message is the report."""

from __future__ import annotations


class BudgetError(AssertionError):
    """A GitHub API budget, baseline, scaling or cassette check failed; the message says why."""


class BudgetExceeded(BudgetError):
    """Measured calls do not fit a budget (more than a maximum, or not equal to an exact count).

    An ``AssertionError``, so a test fails with the budget table as its message::

        with tracer.api_budget(max_set_status=2):
            report_three_statuses()       # BudgetExceeded: set_status <= 2, measured 3 (1 over)
    """


class BaselineMismatch(BudgetError):
    """A baseline record differs from this run, or is missing where it must exist (strict mode)."""


class ScalingExceeded(BudgetError):
    """Calls grow with the work faster than allowed, or not linearly."""


class CassetteMiss(BudgetError):
    """A request had no recorded answer in the replayed cassette."""
