"""Every budget comparison at its boundary: a count exactly at its limit passes, one past it fails.

Exact limits (``set_status=n``) hold only at ``n`` (one fewer and one more both fail); maxima
(``max_set_status=n``) hold at ``n`` and below and fail at ``n + 1``. So turning ``<=`` into ``<``
(or ``==`` into ``<=``) in the checks fails a test here, for budgets and for scaling alike.
Traces are built from calls directly: the comparison is what is under test.
"""

from __future__ import annotations

import pytest

from tracer.budget import LIMIT_NAMES, TOTAL, Budget, BudgetExceeded, check_all
from tracer.budget.scaling import ScalingResult, parse_scaling
from tracer.capture import Call, Trace

CATEGORIES = LIMIT_NAMES[:-1]  # the default rules' categories (LIMIT_NAMES ends with total)


def calls(category: str, n: int, start: int = 1, **fields: object) -> list[Call]:
    return [
        Call(seq=start + i, method="GET", url=f"https://api.github.com/x/{start + i}", route="/x/{id}",
             category=category, charged=True, status=200, **fields)  # type: ignore[arg-type]
        for i in range(n)
    ]


def trace_of(category: str, n: int) -> Trace:
    """``n`` calls counted under ``category`` (for ``total``: spread over every category)."""
    if category != TOTAL:
        return Trace(calls(category, n))
    return Trace(c for i in range(n) for c in calls(CATEGORIES[i % len(CATEGORIES)], 1, start=i + 1))


@pytest.mark.parametrize("name", LIMIT_NAMES)
@pytest.mark.parametrize("limit", [0, 1, 3])
def test_a_maximum_holds_at_its_limit_and_fails_one_past_it(name, limit):
    budget = Budget.from_kwargs(**{f"max_{name}": limit})
    assert budget.check(trace_of(name, limit)).ok  # exactly at the limit: <=, not <
    if limit:
        assert budget.check(trace_of(name, limit - 1)).ok
    over = budget.check(trace_of(name, limit + 1))
    assert not over.ok and [lim.category for lim in over.failed] == [name]
    assert "✗ 1 over" in over.message()


@pytest.mark.parametrize("name", LIMIT_NAMES)
@pytest.mark.parametrize("value", [0, 1, 3])
def test_an_exact_limit_holds_only_at_its_value(name, value):
    budget = Budget.from_kwargs(**{name: value})
    assert budget.check(trace_of(name, value)).ok
    over = budget.check(trace_of(name, value + 1))
    assert not over.ok and "✗ 1 over" in over.message()
    if value:
        short = budget.check(trace_of(name, value - 1))
        assert not short.ok and "✗ 1 short" in short.message()


def test_a_budget_block_raises_exactly_past_the_limit():
    at, past = trace_of("set_status", 2), trace_of("set_status", 3)
    check_all(at, [Budget.from_kwargs(max_set_status=2), Budget.from_kwargs(set_status=2)])
    with pytest.raises(BudgetExceeded, match=r"set_status: 3 calls, budget <= 2"):
        check_all(past, [Budget.from_kwargs(max_set_status=2)])
    with pytest.raises(BudgetExceeded, match=r"set_status: 1 call, budget <= 0; the calls beyond"):
        check_all(trace_of("set_status", 1), [Budget.from_kwargs(max_set_status=0)])


def test_charged_measure_counts_at_the_boundary_too():
    """A free call (here a 304) is not counted under ``charged``: the limit is met exactly."""
    free = calls("other", 1, start=10)[0]
    free.charged, free.status = False, 304
    trace = Trace([*calls("other", 2), free])
    assert Budget.from_kwargs(max_other=2, measure="charged").check(trace).ok
    assert not Budget.from_kwargs(max_other=2).check(trace).ok
    assert Budget.from_kwargs(other=3).check(trace).ok


def scaling(per_factor: dict[int, int], allowed: float, exact: bool) -> ScalingResult:
    factors, per_unit = parse_scaling(tuple(per_factor), {"set_status": allowed}, "requests", None)
    traces = {f: Trace(calls("set_status", n)) for f, n in per_factor.items()}
    return ScalingResult(factors, per_unit, exact, "requests", None, traces)


@pytest.mark.parametrize("growth", [0, 1, 2])
def test_scaling_at_most_holds_at_its_growth_and_fails_one_past_it(growth):
    at = scaling({1: 1 + growth, 2: 1 + 2 * growth, 3: 1 + 3 * growth}, growth, exact=False)
    assert at.ok and at.growth("set_status") == growth
    past = scaling({1: 2 + growth, 2: 3 + 2 * growth, 3: 4 + 3 * growth}, growth, exact=False)
    assert not past.ok and past.failed == ["set_status"]
    if growth:
        assert scaling({1: 1, 2: 1 + growth - 1, 3: 1 + 2 * (growth - 1)}, growth, exact=False).ok


@pytest.mark.parametrize("growth", [1, 2])
def test_exact_scaling_holds_only_at_its_growth(growth):
    assert scaling({1: growth, 2: 2 * growth, 3: 3 * growth}, growth, exact=True).ok
    assert not scaling({1: growth, 2: 2 * growth - 1, 3: 3 * growth - 2}, growth, exact=True).ok
    assert not scaling({1: growth, 2: 2 * growth + 1, 3: 3 * growth + 2}, growth, exact=True).ok


def test_scaling_report_heads_every_column_and_marks_the_failure():
    report = scaling({1: 1, 2: 3, 3: 5}, 1, exact=False).message()
    header = next(line for line in report.splitlines() if line.startswith("category"))
    assert header.split() == ["category", "×1", "×2", "×3", "growth/unit", "allowed", "verdict"]
    assert any(line.startswith("set_status") and line.rstrip().endswith("✗") for line in report.splitlines())
