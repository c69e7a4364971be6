"""pytest plugin: GitHub API call budgets (registered through the ``pytest11`` entry point).

Fixtures and markers over :mod:`tracer.budget` (the logic) and :mod:`tracer.capture` (the tracer):

- ``github_api_budget(**limits)``: ``with github_api_budget(max_total=35, set_status=30) as trace:``
- ``@pytest.mark.github_api_budget(**limits)``: the same for the whole test body
- ``github_api_record(name=None)`` / ``@pytest.mark.github_api_record(name=None)``: compare with the
  baseline file ``test_foo.github-api.yml``; ``--github-api-budget=check|update|strict``
- ``github_api_scaling(work, factors=(1, 2, 3), per_unit=..., exact=False)``
- ``@pytest.mark.github_api_cassette(name=None, allowed_hosts=(), match_on=None)``: replay
  ``cassettes/<module>/<test>.yaml`` with ``record_mode="none"`` and the network blocked
- ``fakehub`` / ``make_fakehub``: the loopback GitHub (the packit study's plugin, :mod:`tracer.packit.pytest_plugin`)

Limits: ``total``, ``is_project_private``, ``is_user_approved``, ``load_packit_yaml``, ``set_status``,
``auth``, ``other`` (exact, ``==``) or the same with ``max_`` (``<=``); ``handler="…"`` / ``event="…"``
count one handler's / event's calls (a filter that matches no call fails, naming what was seen);
``measure="charged"`` counts only the calls charged to the rate limit; ``forge="gitlab"`` (``pagure``,
``forgejo``) counts that forge's API calls instead of GitHub's (a forge that made no call fails,
naming the forges seen) and ``hosts=["gitlab=gitlab.example.com"]`` names instances beyond the
known hosts, as ``Tracer(hosts=...)`` takes them::

    @pytest.mark.github_api_budget(forge="forgejo", max_total=5, set_status=1)
    def test_reports_one_status(forgejo_project): ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tracer.budget import (
    MODES,
    Baselines,
    Budget,
    BudgetBlock,
    BudgetError,
    BudgetResult,
    CassetteReplay,
    ScalingResult,
    baseline_path,
    cassette_dir,
    cassette_name,
    cassette_path,
    check_all,
    check_scaling,
)
from tracer.budget.budget import budget_hosts
from tracer.budget.report import plural
from tracer.capture import Trace, Tracer
from tracer.capture.hosts import Hosts
from tracer.errors import DataError, TracerError, UsageError

BUDGET, RECORD, CASSETTE = "github_api_budget", "github_api_record", "github_api_cassette"
MARKERS = (
    f"{BUDGET}(**limits, handler=None, event=None, measure='requests', forge=None, hosts=()): trace the test body "
    "and check an API budget, GitHub's unless forge= names another (total=/set_status=/… exact, "
    "max_total=/max_set_status=/… at most)",
    f"{RECORD}(name=None): compare the test body's GitHub API calls with its record in "
    "<test file>.github-api.yml (see --github-api-budget)",
    f"{CASSETTE}(name=None, allowed_hosts=(), match_on=None): replay the vcrpy cassette "
    "cassettes/<module>/<test>.yaml with record_mode='none' and the network blocked "
    "(--github-api-cassettes=new|rewrite records it, as api-tracer records)",
)
#: --github-api-cassettes: what a github_api_cassette test does with its cassette (vcrpy's record mode)
CASSETTE_MODES = {"replay": "none", "new": "once", "rewrite": "rewrite"}
_BASELINES = pytest.StashKey[Baselines]()
_PLAN = pytest.StashKey["_Plan"]()


# -- hooks --------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("github-api-budget", "GitHub API call budgets (api-tracer)")
    group.addoption(
        "--github-api-budget",
        action="store",
        dest="github_api_budget_mode",
        default="check",
        choices=MODES,
        help="baseline files (*.github-api.yml): check = compare and write missing records (default), "
        "update = rewrite records that differ, strict = fail on a missing or different record (CI)",
    )
    group.addoption(
        "--github-api-cassettes",
        action="store",
        dest="github_api_cassettes",
        default="replay",
        choices=tuple(CASSETTE_MODES),
        help="tests marked github_api_cassette: replay their cassettes with the network blocked (default), "
        "record the missing ones (new), or record them all again (rewrite), as api-tracer records "
        "(api.github.com URIs, secrets scrubbed); pytest-recording's --record-mode leaves them alone",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.stash[_BASELINES] = Baselines(config.getoption("github_api_budget_mode", "check"), config.rootpath)


def pytest_report_header(config: pytest.Config) -> str | None:
    mode = config.stash[_BASELINES].mode
    return None if mode == "check" else f"github-api-budget: baseline mode {mode}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    written = config.stash[_BASELINES].written
    if not written:
        return
    terminalreporter.section("GitHub API baselines")
    for path, keys in sorted(written.items()):
        shown = config.stash[_BASELINES].show(path)
        terminalreporter.write_line(f"wrote {plural(len(keys), 'record')} to {shown}: {', '.join(sorted(keys))}")


#: the key under which a pytest-xdist worker hands its written records to the controller
_XDIST_WRITTEN = "github_api_baselines_written"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: the records each worker wrote, for the summary."""
    written = getattr(node, "workeroutput", {}).get(_XDIST_WRITTEN, {})
    baselines = node.config.stash[_BASELINES]
    for path, keys in written.items():
        baselines.written.setdefault(Path(path), []).extend(keys)


@dataclass
class _Plan:
    """What the markers of one test ask for."""

    where: str
    budgets: list[Budget] = field(default_factory=list)
    #: forge API hosts the budget markers name beyond the known ones (``None``: none)
    hosts: Hosts | None = None
    record: str | None = None
    recorded: bool = False
    cassette: CassetteReplay | None = None
    keys: dict[str, int] = field(default_factory=dict)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Parse the markers before any fixture runs; a bad argument is an error of this test's setup."""
    try:
        item.stash[_PLAN] = _plan(item)
        return
    except TracerError as exc:
        message = str(exc)
    _fail(message)  # outside the except block: the message once, no chained exception


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Trace the test body for the markers, then check them (only if the body passed)."""
    plan = item.stash.get(_PLAN, None)
    if plan is None or not (plan.budgets or plan.recorded or plan.cassette):
        return (yield)
    with ExitStack() as stack:
        try:
            if plan.cassette is not None:
                stack.enter_context(plan.cassette)
        except DataError as exc:
            _fail(f"@pytest.mark.{CASSETTE}: {exc}")
        tracer = stack.enter_context(Tracer(hosts=plan.hosts))
        try:
            outcome = yield
        except Exception:
            stack.close()
            if plan.cassette is not None and plan.cassette.misses():
                _fail(plan.cassette.message(plan.where))
            raise
    if _unittest_failed(item):  # a TestCase's failure is kept by pytest, not raised here
        if plan.cassette is not None and plan.cassette.misses():
            item._excinfo = None  # type: ignore[attr-defined] # the miss, in the plugin's words
            _fail(plan.cassette.message(plan.where))
        return outcome
    trace = tracer.trace()
    messages = []
    checks: list[Callable[[], Any]] = []
    if plan.cassette is not None:
        checks.append(lambda: plan.cassette.check(plan.where))  # type: ignore[union-attr]
    if plan.budgets:
        checks.append(lambda: check_all(trace, plan.budgets, plan.where))
    if plan.recorded:
        checks.append(lambda: _compare_record(item, plan, trace, plan.record))
    for check in checks:
        try:
            check()
        except (BudgetError, DataError) as exc:
            messages.append(str(exc))
    if messages:
        _fail("\n\n".join(messages))
    return outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Baseline records a test made are written once its teardown passed, never for a test that
    failed, errored, was skipped or xfailed, or was interrupted."""
    report = yield
    baselines = item.config.stash[_BASELINES]
    if report.failed or report.skipped:
        baselines.discard(item.nodeid)
    elif report.when == "teardown":
        baselines.commit(item.nodeid)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    baselines = session.config.stash[_BASELINES]
    baselines.discard()  # an interrupted test's records
    workeroutput = getattr(session.config, "workeroutput", None)  # a pytest-xdist worker
    if workeroutput is not None:
        workeroutput[_XDIST_WRITTEN] = {str(path): keys for path, keys in baselines.written.items()}


def _unittest_failed(item: pytest.Item) -> bool:
    return bool(getattr(item, "_excinfo", None))


# -- fixtures -----------------------------------------------------------------------------------
class BudgetFixture:
    """``github_api_budget``: ``with github_api_budget(max_total=35, handler=…, measure=…) as trace:``;
    another forge's calls with ``forge=``::

        with github_api_budget(forge="gitlab", hosts=["gitlab=gitlab.example.com"], max_total=3):
            project.is_private()
    """

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def __call__(
        self, *, handler: str | None = None, event: str | None = None, measure: str = "requests",
        forge: str | None = None, hosts: Sequence[str] | None = None, **limits: int,
    ) -> AbstractContextManager[Trace]:
        budget = Budget.from_kwargs(handler=handler, event=event, measure=measure, forge=forge, source=BUDGET, **limits)
        return _budget_block(budget, _caller(self._config), budget_hosts(hosts, BUDGET))

    def check(
        self, trace: Trace, *, handler: str | None = None, event: str | None = None, measure: str = "requests",
        forge: str | None = None, **limits: int,
    ) -> BudgetResult:
        """Check a trace made elsewhere (e.g. returned by a traced run); fails the test if over budget."""
        budget = Budget.from_kwargs(handler=handler, event=event, measure=measure, forge=forge, source=BUDGET, **limits)
        result = budget.check(trace)
        if not result.ok:
            _fail(result.message(_caller(self._config)))
        return result


@contextmanager
def _budget_block(budget: Budget, where: str, hosts: Hosts | None = None) -> Iterator[Trace]:
    with _as_failure(), BudgetBlock(budget, where=where, hosts=hosts) as trace:
        yield trace


@pytest.fixture
def github_api_budget(request: pytest.FixtureRequest) -> BudgetFixture:
    """A context manager factory: trace a block and check a GitHub API budget when it ends."""
    return BudgetFixture(request.config)


class RecordFixture:
    """``github_api_record``: ``with github_api_record(name=None) as trace:`` compares with the baseline."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    @contextmanager
    def __call__(self, name: str | None = None) -> Iterator[Trace]:
        _check_name(name, RECORD)
        plan = _item_plan(self._item)
        with _as_failure():
            block = BudgetBlock()  # no limits: only traces
            with block as trace:
                yield trace
            _compare_record(self._item, plan, block.trace, name)

    def check(self, trace: Trace, name: str | None = None) -> str:
        """Compare a trace made elsewhere; returns ``matched``, ``written`` or ``updated``."""
        _check_name(name, RECORD)
        with _as_failure():
            return _compare_record(self._item, _item_plan(self._item), trace, name)
        raise AssertionError("unreachable")  # pragma: no cover


@pytest.fixture
def github_api_record(request: pytest.FixtureRequest) -> RecordFixture:
    """A context manager factory: trace a block and compare it with this test's baseline record."""
    return RecordFixture(request.node)


class ScalingFixture:
    """``github_api_scaling(work, factors=(1, 2, 3), per_unit={...}, exact=False, measure=…, handler=…, event=…)``."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def __call__(
        self,
        work: Callable[[int], Any],
        factors: Sequence[int] = (1, 2, 3),
        per_unit: Mapping[str, float] | None = None,
        *,
        exact: bool = False,
        measure: str = "requests",
        handler: str | None = None,
        event: str | None = None,
    ) -> ScalingResult:
        where = _caller(self._config)
        with _as_failure():
            return check_scaling(
                work, factors, per_unit, exact=exact, measure=measure, handler=handler, event=event, where=where
            )
        raise AssertionError("unreachable")  # pragma: no cover


@pytest.fixture
def github_api_scaling(request: pytest.FixtureRequest) -> ScalingFixture:
    """Run work at several scale factors and check how its GitHub API calls grow per unit."""
    return ScalingFixture(request.config)


@pytest.fixture(autouse=True)
def _github_api_cassette_dir(request: pytest.FixtureRequest) -> None:
    """For a test marked ``github_api_cassette``: find its cassette where pytest-recording would."""
    marker = request.node.get_closest_marker(CASSETTE)
    plan = request.node.stash.get(_PLAN, None)
    if marker is None or plan is None:
        return
    directory = _fixture_or(request, "vcr_cassette_dir", None)
    default = _fixture_or(request, "default_cassette_name", None)
    test_file = request.node.path
    path = cassette_path(
        Path(directory) if directory else cassette_dir(test_file),
        f"{default}.yaml" if default else cassette_name(request.node.name, request.cls.__name__ if request.cls else None),
        marker.args[0] if marker.args else None,
    )
    rerecord = f"pytest '{request.node.nodeid}' --github-api-cassettes=rewrite"
    record_mode = CASSETTE_MODES[request.config.getoption("github_api_cassettes", "replay")]
    plan.cassette = CassetteReplay(path, **_cassette_options(marker), record_mode=record_mode, rerecord=rerecord)


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """pytest-recording's VCR (``@pytest.mark.vcr``) records as api-tracer does: a loopback GitHub
    behind ``redirect_api`` (the ``fakehub`` fixture) kept as ``https://api.github.com/…``,
    secrets scrubbed, api-tracer's matchers; a project's ``vcr_config`` still overrides these."""
    from tracer.recording.vcr_config import configure_for_github

    configure_for_github(vcr)


# -- helpers ------------------------------------------------------------------------------------
def _plan(item: pytest.Item) -> _Plan:
    plan = _Plan(where=_location(item))
    hosts: list[str] = []
    for marker in item.iter_markers(BUDGET):
        if marker.args:
            raise UsageError(f"@pytest.mark.{BUDGET}: takes keyword arguments only, got {marker.args!r}")
        kwargs = dict(marker.kwargs)
        given = kwargs.pop("hosts", None) or ()
        hosts += [given] if isinstance(given, str) else list(given)
        plan.budgets.append(Budget.from_kwargs(source=f"@pytest.mark.{BUDGET}", **kwargs))
    plan.hosts = budget_hosts(hosts, f"@pytest.mark.{BUDGET}") if hosts else None
    record = item.get_closest_marker(RECORD)
    if record is not None:
        if record.kwargs or len(record.args) > 1:
            raise UsageError(f"@pytest.mark.{RECORD}: takes one optional argument, the record name")
        plan.recorded = True
        plan.record = _check_name(record.args[0] if record.args else None, f"@pytest.mark.{RECORD}")
    cassette = item.get_closest_marker(CASSETTE)
    if cassette is not None and item.get_closest_marker("vcr") is not None:
        raise UsageError(
            f"@pytest.mark.{CASSETTE} and @pytest.mark.vcr (pytest-recording) on one test: use one; "
            f"both would answer from the same cassette file, and pytest-recording may rewrite it"
        )
    if cassette is not None:
        if len(cassette.args) > 1 or (cassette.args and not isinstance(cassette.args[0], str)):
            raise UsageError(f"@pytest.mark.{CASSETTE}: takes one optional argument, the cassette file name")
        _cassette_options(cassette)
    return plan


def _cassette_options(marker: pytest.Mark) -> dict[str, Any]:
    unknown = set(marker.kwargs) - {"allowed_hosts", "match_on"}
    if unknown:
        raise UsageError(
            f"@pytest.mark.{CASSETTE}: unknown argument(s) {', '.join(sorted(unknown))} (valid: allowed_hosts, match_on)"
        )
    hosts = marker.kwargs.get("allowed_hosts") or ()
    if isinstance(hosts, str):
        hosts = [h for h in hosts.split(",") if h]
    return {"allowed_hosts": tuple(hosts), "match_on": marker.kwargs.get("match_on")}


def _check_name(name: Any, source: str) -> str | None:
    if name is not None and (not isinstance(name, str) or not name.strip() or "\n" in name):
        raise UsageError(f"{source}: record name {name!r} must be a non-empty one-line string")
    return name


def _item_plan(item: pytest.Item) -> _Plan:
    plan = item.stash.get(_PLAN, None)
    if plan is None:
        plan = item.stash[_PLAN] = _Plan(where=_location(item))
    return plan


def _record_key(item: pytest.Item, plan: _Plan, name: str | None) -> str:
    """``test_x`` / ``TestA.test_x[p]``; ``.name`` for a named record, ``.2``, ``.3`` … for repeats."""
    base = item.nodeid.split("::", 1)[1].replace("::", ".") if "::" in item.nodeid else item.name
    key = f"{base}.{name}" if name else base
    seen = plan.keys.get(key, 0) + 1
    plan.keys[key] = seen
    if seen > 1:
        if name:
            raise UsageError(f"{RECORD}: record name {name!r} used twice in {item.nodeid}")
        key = f"{base}.{seen}"
    return key


def _compare_record(item: pytest.Item, plan: _Plan, trace: Trace, name: str | None) -> str:
    path = baseline_path(item.path)
    return item.config.stash[_BASELINES].compare(path, _record_key(item, plan, name), trace, owner=item.nodeid)


@contextmanager
def _as_failure() -> Iterator[None]:
    """Report budget failures and bad data files as a plain pytest failure: the message, no traceback."""
    message = None
    try:
        yield
    except (BudgetError, DataError) as exc:
        message = str(exc)
    if message is not None:
        _fail(message)


def _fail(message: str) -> None:
    """Fail the test with ``message`` alone: no traceback, no chained exception."""
    __tracebackhide__ = True
    try:
        pytest.fail(message, pytrace=False)
    except pytest.fail.Exception as failed:
        raise failed from None


def _fixture_or(request: pytest.FixtureRequest, name: str, default: Any) -> Any:
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return default


def _location(item: pytest.Item) -> str:
    path, line, _ = item.location
    return f"{path}:{(line or 0) + 1}"


def _caller(config: pytest.Config) -> str:
    """``file:line`` of the test code that called a fixture's method (two frames up)."""
    frame = sys._getframe(2)
    return f"{_relative(config, Path(frame.f_code.co_filename))}:{frame.f_lineno}"


def _relative(config: pytest.Config, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.rootpath))
    except ValueError:
        return str(path)
