"""GitHub API budgets: limits per category (exact ``==`` or maximum ``<=``), checking, the report.

::

    budget = Budget.from_kwargs(max_total=35, set_status=30, handler="CoprBuildEndHandler")
    result = budget.check(trace)
    if not result.ok:
        raise BudgetExceeded(result.message())

``total=n`` / ``set_status=n`` … ask for exactly ``n`` calls; ``max_total=n`` / ``max_set_status=n``
… for at most ``n``. ``measure`` counts every request (``"requests"``) or only those GitHub charges
to the rate limit (``"charged"``: ``GET /rate_limit``, 304 answers and app-JWT calls are free).
``handler=`` and ``event=`` count one handler's (one event's) calls; ``forge=`` counts another
forge's API calls (``"gitlab"``, ``"pagure"``, ``"forgejo"``; GitHub's by default, the view a
budget of GitHub's limits takes). A filter that matches no call fails the budget, naming the
handlers (events, forges) seen, so a typo can never pass::

    with api_budget(forge="gitlab", max_total=3, hosts=["gitlab=gitlab.example.com"]):
        gitlab_project.is_private()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from tracer.budget.errors import BudgetExceeded
from tracer.budget.report import list_calls, plural, unmatched_filters
from tracer.capture import MEASURES, Call, Rules, Trace, Tracer
from tracer.capture.forges import FORGE_NAMES, FORGES, GITHUB
from tracer.capture.hosts import Hosts
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


def check_forge(forge: Any, source: str) -> str | None:
    """A forge's name (``"gitlab"``), or ``None`` (GitHub, the default); else a one-line
    :class:`UsageError` naming the forges there are."""
    if forge is not None and forge not in FORGE_NAMES:
        raise UsageError(f"{source}: unknown forge={forge!r} (one of: {', '.join(FORGE_NAMES)})")
    return forge


def budget_hosts(hosts: Iterable[str] | None, source: str) -> Hosts | None:
    """The forge API hosts a budget's tracer knows beyond the known ones (``FORGE=HOST[/PREFIX]``,
    as ``Tracer(hosts=...)`` takes them), or ``None``; a bad one is a one-line error."""
    if hosts is None:
        return None
    if isinstance(hosts, str):
        hosts = [hosts]
    return Rules.default().hosts.with_hosts(list(hosts), f"{source}: hosts")


@dataclass(frozen=True)
class Budget:
    """Limits on the calls of one handler and/or event (or of all) under one measure, on one
    forge's API (GitHub's unless ``forge`` is given).

    >>> Budget.from_kwargs(forge="gitlab", max_total=3).describe()
    'measure: requests, forge: gitlab'
    """

    limits: tuple[Limit, ...]
    handler: str | None = None
    measure: str = "requests"
    event: str | None = None
    #: the forge whose API calls are counted; ``None``: GitHub's, and not a filter that must match
    forge: str | None = None

    @property
    def view(self) -> str:
        """The forge whose calls this budget counts."""
        return self.forge or GITHUB

    @classmethod
    def from_kwargs(
        cls, *, handler: str | None = None, event: str | None = None, measure: str = "requests",
        forge: str | None = None, source: str = "github_api_budget", **limits: Any,
    ) -> Budget:
        """Parse ``total=…``, ``max_set_status=…`` …; a bad argument is a one-line :class:`UsageError`."""
        parsed: dict[str, Limit] = {}
        for key, value in limits.items():
            exact = not key.startswith(_MAX)
            category = key if exact else key[len(_MAX) :]
            if category not in LIMIT_NAMES:
                raise UsageError(
                    f"{source}: unknown budget argument {key!r} (valid: {limit_keywords()}, handler, event, forge, measure)"
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
        return cls(ordered, check_handler(handler, source), check_measure(measure, source), check_event(event, source),
                   check_forge(forge, source))

    def describe(self) -> str:
        parts = [f"measure: {self.measure}"]
        if self.forge:
            parts.append(f"forge: {self.forge}")
        if self.handler:
            parts.append(f"handler: {self.handler}")
        if self.event:
            parts.append(f"event: {self.event}")
        return ", ".join(parts)

    def select(self, trace: Trace) -> Trace:
        """The calls this budget counts: its forge's, of its handler and event, under its measure."""
        selected = on_forge(trace, self.view).measured(self.measure)
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


def on_forge(trace: Trace, forge: str) -> Trace:
    """``trace`` seen from ``forge``'s API (itself when it is that view already)."""
    return trace if trace.forge == forge else trace.on(forge)


@dataclass
class BudgetResult:
    """Counts measured against a budget; :meth:`message` is the report a reviewer acts on."""

    budget: Budget
    trace: Trace
    selected: Trace
    counts: dict[str, int]
    failed: list[Limit] = field(init=False)
    #: the filters (forge=, handler=, event=) that matched no call, with what was seen instead
    unmatched: list[str] = field(init=False)
    #: the calls of the budget's forge (every measure, every handler)
    seen: Trace = field(init=False)

    def __post_init__(self) -> None:
        self.failed = [lim for lim in self.budget.limits if not lim.allows(self.counts[lim.category])]
        self.seen = on_forge(self.trace, self.budget.view)
        self.unmatched = unmatched_filters(self.trace, self.budget.handler, self.budget.event, self.budget.forge)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unmatched

    def calls_of(self, category: str) -> list[Call]:
        calls = self.selected.calls
        return calls if category == TOTAL else [c for c in calls if c.category == category]

    def message(self, where: str | None = None) -> str:
        by_name = {lim.category: lim for lim in self.budget.limits}
        api = f"{FORGES[self.budget.view].title} API budget"
        if self.unmatched:
            head = f"{api} cannot be checked: its filter matches no call"
        else:
            head = f"{api} exceeded" if self.failed else f"{api} met"
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
        if self.seen.calls:
            lines += ["", f"calls per handler ({self.budget.measure}):"]
            lines += self.seen.table(by="handler", measure=self.budget.measure).splitlines()
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
    (the other hosts' and forges' included). An exception raised inside the block passes through
    unchecked. ``hosts`` are forge API hosts beyond the known ones, as :class:`Tracer` takes them::

        with BudgetBlock(Budget.from_kwargs(forge="gitlab", max_total=3), hosts=["gitlab=127.0.0.1:8080"]):
            gitlab_project.is_private()
    """

    def __init__(self, *budgets: Budget, where: str | None = None, hosts: Iterable[str] | Hosts | None = None) -> None:
        self.budgets = budgets
        self.where = where
        self.hosts = hosts if isinstance(hosts, Hosts) or hosts is None else budget_hosts(hosts, "BudgetBlock")
        self.trace = _FillingTrace()
        self._tracer: Tracer | None = None

    def __enter__(self) -> Trace:
        self._tracer = self.trace.tracer = Tracer(hosts=self.hosts).__enter__()
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


def api_budget(
    *, handler: str | None = None, event: str | None = None, measure: str = "requests", forge: str | None = None,
    hosts: Iterable[str] | None = None, **limits: Any,
) -> BudgetBlock:
    """Trace a block and check one budget when it ends (:class:`BudgetExceeded` if it is not met).

    Limits are ``category=N`` (exactly N) or ``max_category=N`` (at most N) for each category of
    the rules and ``total``; ``handler=`` (``event=``) counts one handler's (event's) calls;
    ``measure="charged"`` counts what the rate limit is charged; ``forge=`` counts another
    forge's API calls (GitHub's by default), ``hosts=`` names instances beyond the known hosts
    (``"gitlab=gitlab.example.com"``). The block's :class:`Trace` is yielded::

        with tracer.api_budget(max_total=35, set_status=30, handler="CoprBuildEndHandler") as trace:
            run_handler()
        with tracer.api_budget(forge="forgejo", max_total=5):   # codeberg.org is known
            forgejo_project.set_commit_status(...)
    """
    budget = Budget.from_kwargs(handler=handler, event=event, measure=measure, forge=forge, source="api_budget", **limits)
    return BudgetBlock(budget, hosts=budget_hosts(hosts, "api_budget"))

