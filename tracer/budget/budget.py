"""GitHub API budgets: limits per category (exact ``==`` or maximum ``<=``), checking, the report.

::

    budget = Budget.from_kwargs(max_total=35, set_status=30, handler="CoprBuildEndHandler")
    result = budget.check(trace)
    if not result.ok:
        raise BudgetExceeded(result.message())

``total=n`` / ``set_status=n`` … ask for exactly ``n`` calls; ``max_total=n`` / ``max_set_status=n``
… for at most ``n``. ``measure`` counts every request (``"requests"``) or only those GitHub charges
to the rate limit (``"charged"``: ``GET /rate_limit``, 304 answers and app-JWT calls are free).
``handler=`` and ``event=`` count one handler's (one event's) calls; a filter that matches no call
fails the budget, naming the handlers (events) seen, so a typo can never pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from tracer.budget.errors import BudgetExceeded
from tracer.budget.report import list_calls, plural, unmatched_filters
from tracer.capture import MEASURES, Call, Rules, Trace, Tracer
from tracer.errors import UsageError

TOTAL = "total"
#: what a limit can be put on: the default rules' categories (packit's four, auth, other) and the total
LIMIT_NAMES: tuple[str, ...] = Rules.default().categories + (TOTAL,)
_MAX = "max_"


def limit_keywords() -> str:
    """The keyword arguments a budget accepts, for error messages."""
    return ", ".join([*LIMIT_NAMES, *(_MAX + n for n in LIMIT_NAMES)])


@dataclass(frozen=True)
class Limit:
    """``category == value`` (exact) or ``category <= value``."""

    category: str
    value: int
    exact: bool

    def allows(self, measured: int) -> bool:
        return measured == self.value if self.exact else measured <= self.value

    def __str__(self) -> str:
        return f"{'==' if self.exact else '<='} {self.value}"


def check_count(name: str, value: Any, source: str) -> int:
    """A non-negative int, or a one-line :class:`UsageError` naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{source}: {name}={value!r} is not a whole number of calls")
    if value < 0:
        raise UsageError(f"{source}: {name}={value} is negative; a budget counts calls (0 or more)")
    return value


def check_measure(measure: Any, source: str) -> str:
    if measure not in MEASURES:
        raise UsageError(f"{source}: unknown measure={measure!r} (one of: {', '.join(MEASURES)})")
    return measure


def check_handler(handler: Any, source: str) -> str | None:
    if handler is not None and (not isinstance(handler, str) or not handler):
        raise UsageError(f"{source}: handler={handler!r} must be a handler name such as 'CoprBuildEndHandler'")
    return handler


def check_event(event: Any, source: str) -> str | None:
    if event is not None and (not isinstance(event, str) or not event):
        raise UsageError(f"{source}: event={event!r} must be an event name such as 'RPM build finished'")
    return event


@dataclass(frozen=True)
class Budget:
    """Limits on the calls of one handler and/or event (or of all) under one measure."""

    limits: tuple[Limit, ...]
    handler: str | None = None
    measure: str = "requests"
    event: str | None = None

    @classmethod
    def from_kwargs(
        cls, *, handler: str | None = None, event: str | None = None, measure: str = "requests",
        source: str = "github_api_budget", **limits: Any,
    ) -> Budget:
        """Parse ``total=…``, ``max_set_status=…`` …; a bad argument is a one-line :class:`UsageError`."""
        parsed: dict[str, Limit] = {}
        for key, value in limits.items():
            exact = not key.startswith(_MAX)
            category = key if exact else key[len(_MAX) :]
            if category not in LIMIT_NAMES:
                raise UsageError(
                    f"{source}: unknown budget argument {key!r} (valid: {limit_keywords()}, handler, event, measure)"
                )
            count = check_count(key, value, source)
            if category in parsed:
                raise UsageError(
                    f"{source}: {category}= and {_MAX}{category}= both given; a category is either exact (==) or a maximum (<=)"
                )
            parsed[category] = Limit(category, count, exact)
        if not parsed:
            raise UsageError(f"{source}: no limit given (one or more of: {limit_keywords()})")
        ordered = tuple(parsed[name] for name in LIMIT_NAMES if name in parsed)
        return cls(ordered, check_handler(handler, source), check_measure(measure, source), check_event(event, source))

    def describe(self) -> str:
        parts = [f"measure: {self.measure}"]
        if self.handler:
            parts.append(f"handler: {self.handler}")
        if self.event:
            parts.append(f"event: {self.event}")
        return ", ".join(parts)

    def select(self, trace: Trace) -> Trace:
        """The calls this budget counts: of its handler and event, under its measure."""
        selected = trace.measured(self.measure)
        if self.handler is not None:
            selected = selected.where(lambda c: c.handler == self.handler)
        if self.event is not None:
            selected = selected.where(lambda c: c.event == self.event)
        return selected

    def check(self, trace: Trace) -> BudgetResult:
        selected = self.select(trace)
        counts = selected.categories()
        counts[TOTAL] = len(selected)
        return BudgetResult(self, trace, selected, counts)


@dataclass
class BudgetResult:
    """Counts measured against a budget; :meth:`message` is the report a reviewer acts on."""

    budget: Budget
    trace: Trace
    selected: Trace
    counts: dict[str, int]
    failed: list[Limit] = field(init=False)
    #: the filters (handler=, event=) that matched no call, with what was seen instead
    unmatched: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.failed = [lim for lim in self.budget.limits if not lim.allows(self.counts[lim.category])]
        self.unmatched = unmatched_filters(self.trace, self.budget.handler, self.budget.event)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unmatched

    def calls_of(self, category: str) -> list[Call]:
        calls = self.selected.calls
        return calls if category == TOTAL else [c for c in calls if c.category == category]

    def message(self, where: str | None = None) -> str:
        by_name = {lim.category: lim for lim in self.budget.limits}
        if self.unmatched:
            head = "GitHub API budget cannot be checked: its filter matches no call"
        else:
            head = "GitHub API budget exceeded" if self.failed else "GitHub API budget met"
        lines = [f"{head}{f' at {where}' if where else ''} ({self.budget.describe()})", ""]
        if self.unmatched:
            lines += [*self.unmatched, ""]
        rows = []
        for name in LIMIT_NAMES:
            lim = by_name.get(name)
            measured = self.counts[name]
            verdict = ""
            if lim is not None and not lim.allows(measured):
                diff = measured - lim.value
                verdict = f"✗ {diff} over" if diff > 0 else f"✗ {-diff} short"
            rows.append([name, str(lim) if lim else "", measured, verdict])
        lines += tabulate(rows, headers=["category", "budget", "measured", "verdict"], tablefmt="simple").splitlines()
        if self.trace.calls:
            lines += ["", f"calls per handler ({self.budget.measure}):"]
            lines += self.trace.table(by="handler", measure=self.budget.measure).splitlines()
        if self.failed:
            lines += ["", "unexpected calls:"]
            for lim in self.failed:
                calls = self.calls_of(lim.category)
                if len(calls) > lim.value:
                    lines.append(f"  {lim.category}: {plural(len(calls), 'call')}, budget {lim}; the calls beyond the budget:")
                    lines += list_calls(calls[lim.value :])
                else:
                    lines.append(f"  {lim.category}: {plural(len(calls), 'call')}, budget {lim}; the calls made:")
                    lines += list_calls(calls) or ["    (none)"]
        return "\n".join(lines)


class BudgetBlock:
    """``with BudgetBlock(budget) as trace:`` traces the block and raises :class:`BudgetExceeded` on exit.

    The yielded :class:`Trace` fills while the block runs and holds all its calls afterwards
    (the other hosts' included). An exception raised inside the block passes through unchecked.
    """

    def __init__(self, *budgets: Budget, where: str | None = None) -> None:
        self.budgets = budgets
        self.where = where
        self.trace = _FillingTrace()
        self._tracer: Tracer | None = None

    def __enter__(self) -> Trace:
        self._tracer = self.trace.tracer = Tracer().__enter__()
        return self.trace

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        tracer, self._tracer = self._tracer, None
        if tracer is not None:
            tracer.__exit__(None, None, None)
            self.trace.settle()
        if exc_type is None:
            check_all(self.trace, self.budgets, self.where)


class _FillingTrace(Trace):
    """A trace read from its tracer while the tracer runs, fixed once it stopped."""

    tracer: Tracer | None = None

    def __init__(self) -> None:
        self._own: tuple[list[Call], list[Call]] = ([], [])

    def _now(self) -> tuple[list[Call], list[Call]]:
        if self.tracer is not None:
            now = self.tracer.trace()
            self._own = (now.calls, now.elsewhere)
        return self._own

    def settle(self) -> None:
        self._now()
        self.tracer = None

    @property  # type: ignore[override]
    def calls(self) -> list[Call]:
        return self._now()[0]

    @property  # type: ignore[override]
    def elsewhere(self) -> list[Call]:
        return self._now()[1]


def check_all(trace: Trace, budgets: tuple[Budget, ...] | list[Budget], where: str | None = None) -> None:
    """Raise :class:`BudgetExceeded` with every failing budget's report."""
    reports = [r.message(where) for r in (b.check(trace) for b in budgets) if not r.ok]
    if reports:
        raise BudgetExceeded("\n\n".join(reports))


def api_budget(*, handler: str | None = None, measure: str = "requests", **limits: Any) -> BudgetBlock:
    """Trace a block and check one budget when it ends (:class:`BudgetExceeded` if it is not met).

    Limits are ``category=N`` (exactly N) or ``max_category=N`` (at most N) for each category of
    the rules and ``total``; ``handler=`` counts one handler's calls; ``measure="charged"`` counts
    what the rate limit is charged. The block's :class:`Trace` is yielded::

        with tracer.api_budget(max_total=35, set_status=30, handler="CoprBuildEndHandler") as trace:
            run_handler()
    """
    return BudgetBlock(Budget.from_kwargs(handler=handler, measure=measure, source="api_budget", **limits))

