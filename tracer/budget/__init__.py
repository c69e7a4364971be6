"""GitHub API budgets for tests: limits, baseline files, scaling checks, cassette replay.

The pytest plugin (:mod:`tracer.pytest_plugin`) is a thin layer of fixtures and markers over
this package; everything here also works without pytest::

    from tracer.budget import Budget, BudgetBlock
    with BudgetBlock(Budget.from_kwargs(max_total=35, set_status=30)) as trace:
        ...                                  # raises BudgetExceeded (an AssertionError) on exit
"""

from tracer.budget.baseline import MODES, BaselineFile, Baselines, baseline_path, record_diff, record_of
from tracer.budget.budget import LIMIT_NAMES, TOTAL, Budget, BudgetBlock, BudgetResult, Limit, check_all
from tracer.budget.cassette import CassetteReplay, cassette_dir, cassette_name, cassette_path
from tracer.capture import NetworkBlockedError
from tracer.budget.errors import BaselineMismatch, BudgetError, BudgetExceeded, CassetteMiss, ScalingExceeded
from tracer.budget.scaling import ScalingResult, check_scaling, measure_scaling

__all__ = [
    "Budget", "BudgetBlock", "BudgetResult", "Baselines", "CassetteReplay", "check_all", "check_scaling",
    "measure_scaling", "BudgetError", "BudgetExceeded", "BaselineMismatch", "CassetteMiss", "ScalingExceeded",
]
