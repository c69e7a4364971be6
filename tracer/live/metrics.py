"""Forge calls as Prometheus metrics (prometheus_client, the ``live`` extra).

Three ways out, as fleets do:

- ``Metrics()``: metrics in a registry of this process (default: prometheus_client's), for an
  app that already serves ``/metrics``;
- ``Metrics.multiprocess(port=N)``: prometheus_client's multiprocess mode (every process of a
  worker writes its values under ``PROMETHEUS_MULTIPROC_DIR``), with an HTTP endpoint per
  worker that Prometheus scrapes (:meth:`serve`, started in the worker's main process); each
  process adds its tasks' increments up and writes them to its files at most about once per
  :attr:`~Metrics.interval` (1 s) from a background thread, and at its shutdown: a file write
  costs a system call and a page, and writing each task's two dozen at its end was most of
  live mode's cost (a scrape lags by up to the interval);
- ``Metrics.push(gateway)``: each task's increments pushed at task end to an *aggregating*
  gateway (prom-aggregation-gateway, as packit-service uses), which adds up every push; pushed
  from a background thread in batches (no task waits for the gateway). A push that fails is
  kept and sent with the next one.

Label sets are bounded (see :data:`LABELS`): ``forge`` is one of the four; the route is a
template of the forge's route table (one it does not describe, a fallback, is ``(unlisted)``);
``repository`` (GitHub's ``owner/repo``) is added only with ``per_repository=True``. The rate
limit gauge is per bucket: ``installation/<id>`` (learnt from ogr's token minting), ``app``
(JWT calls) or ``token/<digest>`` (a short one-way digest, never the token; at most
:data:`TOKEN_BUCKETS` of them, then ``token/other``); it is not pushed
(an aggregating gateway adds gauges up).
"""

from __future__ import annotations

import atexit
import logging
from bisect import bisect_left
import os
import re
import socket
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

from tracer.capture import Call, Rules
from tracer.capture.hosts import Hosts
from tracer.errors import UsageError
from tracer.live.labels import NO_EVENT
from tracer.capture.forges import FORGES
from tracer.live.names import LABELS, PREFIX
from tracer.live.record import TaskRecord

try:
    import prometheus_client
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError("tracer.live metrics need prometheus_client: pip install 'api-tracer[live]'") from exc

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNLISTED = "(unlisted)"
log = logging.getLogger("tracer.live")
_REPO = re.compile(r"^/(?:api/v3/)?repos/([^/]+)/([^/?]+)")
_MINT = re.compile(r"/app/installations/(\d+)/access_tokens$")
_KNOWN_TOKENS = 1024
#: tokens that are not an installation's (personal tokens) get a bucket each, up to this many
TOKEN_BUCKETS = 16
#: (forge, method, route) → route label look-ups remembered (forges' routes are a few thousand)
_ROUTE_MEMO = 20_000
#: push mode: task batches kept while the gateway does not take them (then the oldest go)
MAX_PENDING = 10_000


#: every Metrics of the process: a forked child resets each (one fork hook for them all)
_ALL: weakref.WeakSet[Metrics] = weakref.WeakSet()


def _forked() -> None:
    for metrics in list(_ALL):
        metrics._after_fork()


os.register_at_fork(after_in_child=_forked)


def _chroots(record: TaskRecord | None) -> str:
    return str(record.chroots) if record is not None and record.chroots is not None else ""


def _observe_all(histogram: Any, amounts: list[float]) -> None:
    """``histogram.observe(a)`` for each amount, with one write per bucket hit and one to the
    sum (prometheus_client keeps a value per bucket, not cumulated, and the sum); a client
    whose histogram children look otherwise is observed one by one."""
    bounds, buckets, total = (getattr(histogram, name, None) for name in ("_upper_bounds", "_buckets", "_sum"))
    if bounds is None or buckets is None or total is None or len(bounds) != len(buckets):
        for amount in amounts:
            histogram.observe(amount)
        return
    hits: dict[int, int] = {}
    for amount in amounts:
        index = bisect_left(bounds, amount)  # the first bound >= amount
        hits[index] = hits.get(index, 0) + 1
    total.inc(sum(amounts))
    for index, n in hits.items():
        buckets[index].inc(n)


class _Plain:
    """One value of a push batch, in plain Python."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def set(self, value: float) -> None:
        self.value = value


class _PlainHistogram:
    """A histogram child of a push batch, shaped as prometheus_client's (see :func:`_observe_all`)."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._upper_bounds = [*bounds, float("inf")]
        self._buckets = [_Plain() for _ in self._upper_bounds]
        self._sum = _Plain()

    def observe(self, amount: float) -> None:
        _observe_all(self, [amount])


class _PlainFamily:
    """A metric of a push batch: children by label values, rendered by :class:`_PushBatch`.

    A push carries one batch's increments, so its values are plain Python: prometheus_client's
    own would be its multiprocess files' when ``PROMETHEUS_MULTIPROC_DIR`` is set (a process
    that pushes may well have it), which keep their totals across batches (and need the folder)."""

    def __init__(self, kind: str, name: str, documentation: str, labelnames: tuple[str, ...],
                 buckets: tuple[float, ...] = ()) -> None:
        self.kind, self.name, self.documentation, self.labelnames = kind, name, documentation, labelnames
        self.buckets = buckets
        self.children: dict[tuple[str, ...], Any] = {}

    def labels(self, *values: str) -> Any:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = _PlainHistogram(self.buckets) if self.kind == "histogram" else _Plain()
        return child

    def family(self) -> Any:
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        labels = list(self.labelnames)
        if self.kind == "histogram":
            out = HistogramMetricFamily(self.name, self.documentation, labels=labels)
            for values, child in self.children.items():
                running, buckets = 0.0, []
                for bound, bucket in zip(child._upper_bounds, child._buckets):
                    running += bucket.value
                    buckets.append((prometheus_client.utils.floatToGoString(bound), running))
                out.add_metric(list(values), buckets, child._sum.value)
            return out
        out = CounterMetricFamily(self.name, self.documentation, labels=labels)
        for values, child in self.children.items():
            out.add_metric(list(values), child.value)
        return out


class _PushBatch:
    """A collector of one push batch's families (what ``push_to_gateway`` renders)."""

    def __init__(self, families: list[_PlainFamily]) -> None:
        self.families = families

    def collect(self) -> Any:
        return [f.family() for f in self.families if f.children]


def _metric(registry: CollectorRegistry | None, kind: str, name: str, documentation: str,
            labelnames: tuple[str, ...], **extra: Any) -> Any:
    """A prometheus_client metric in ``registry``, or with no registry a push batch's family."""
    if registry is None:
        return _PlainFamily(kind, name, documentation, labelnames, extra.get("buckets", ()))
    cls = {"counter": Counter, "histogram": Histogram, "gauge": Gauge}[kind]
    return cls(name, documentation, labelnames, registry=registry, **extra)


class _Instruments:
    """The metrics of one registry (or, with ``registry=None``, of one push batch), and how a
    batch of calls adds to them."""

    def __init__(self, registry: CollectorRegistry | None, per_repository: bool, gauges: bool) -> None:
        self.registry = registry
        repo = ("repository",) if per_repository else ()

        def make(kind: str, name: str, documentation: str, labelnames: tuple[str, ...], **extra: Any) -> Any:
            return _metric(registry, kind, f"{PREFIX}_{name}", documentation, labelnames, **extra)

        self.requests = make("counter", "github_requests", "GitHub API requests (each attempt) by handler, event and category",
                             LABELS["github_requests"] + repo)
        self.logical = make("counter", "github_logical_calls", "GitHub API logical calls (retries are attempts of one)",
                            LABELS["github_logical_calls"] + repo)
        self.duration = make("histogram", "github_request_duration_seconds", "GitHub API request duration by category",
                             LABELS["github_request_duration_seconds"], buckets=DURATION_BUCKETS)
        self.other = make("counter", "other_host_requests", "requests to hosts that are not GitHub's API (never charged)",
                          LABELS["other_host_requests"])
        self.tasks = make("counter", "tasks", "tasks run, by handler, event and outcome", LABELS["tasks"])
        self.pipelines = make("counter", "pipelines", "PR pipelines started (to normalise per PR)", LABELS["pipelines"])
        self.seen = make("counter", "tasks_seen", "tasks run in instrumented processes; counted=false: no "
                         "instrumented app owns them (logged once with the reason)", LABELS["tasks_seen"])
        self._children: dict[tuple[Any, tuple[str, ...]], Any] = {}
        # gauges: never in a push batch (an aggregating gateway adds gauges up)
        self.up = (
            make("gauge", "up", "1 per process whose GitHub calls are counted, 0 where api-tracer is set up but "
                 "cannot count (logged once with the reason)", LABELS["up"], multiprocess_mode="livesum")
            if gauges and registry is not None else None
        )
        self.remaining = (
            make("gauge", "github_ratelimit_remaining", "x-ratelimit-remaining last seen, per rate-limit bucket",
                 LABELS["github_ratelimit_remaining"], multiprocess_mode="mostrecent")
            if gauges and registry is not None else None
        )

    def batch_registry(self) -> CollectorRegistry:
        """A registry holding this push batch (made with ``registry=None``)."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_PushBatch([self.requests, self.logical, self.duration, self.other, self.tasks,
                                      self.pipelines, self.seen]))
        return registry

    def child(self, metric: Any, labels: tuple[str, ...]) -> Any:
        """``metric.labels(*labels)``, looked up once (label sets are bounded)."""
        key = (metric, labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found


class Metrics:
    """Where live GitHub call counts go: counters, a histogram and a gauge (see the module)."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        per_repository: bool = False,
        rules: Rules | None = None,
        _mode: str = "registry",
        _gateway: str | None = None,
        _job: str | None = None,
        _port: int | None = None,
        _directory: Path | None = None,
    ) -> None:
        self.mode = _mode
        self.per_repository = per_repository
        self.gateway = _gateway
        self.job = _job or os.environ.get("HOSTNAME") or socket.gethostname()
        self.port = _port
        self.directory = _directory
        self.use_rules(rules or Rules.default())
        self.registry = registry if registry is not None else prometheus_client.REGISTRY
        self._instruments = None if _mode == "push" else _Instruments(self.registry, per_repository, gauges=True)
        self._installations: OrderedDict[str, str] = OrderedDict()  # token digest -> installation id
        self._token_buckets: set[str] = set()
        self._route_labels: dict[tuple[str, str, str], str] = {}  # (forge, method, route) → its label
        self._lock = threading.Lock()
        self._pending: list[tuple[TaskRecord | None, list[Call], int]] = []  # (record, calls, unowned tasks) not yet written or pushed
        self._push_lock = threading.Lock()
        self._flusher_pid: int | None = None
        self._start_lock = threading.Lock()
        _ALL.add(self)  # a forked child starts afresh (and never holds a lock its parent's threads held)
        self._event = threading.Event()
        self.background = True
        #: at most about one write (multiprocess: 1 s) or push (0.5 s) per interval and process
        self.interval = 1.0 if _mode == "multiprocess" else 0.5
        self.retry_after = 1.0
        self.pushes = self.push_failures = self.dropped = 0
        self._server: Any = None
        self.addr = "0.0.0.0"

    def use_rules(self, rules: Rules) -> None:
        """The rules whose host names label the metrics (the tracer's); a route label is a
        template of its forge's route table (bounded), any other ``(unlisted)``."""
        self.hosts: Hosts = rules.hosts

    # -- the three ways out ---------------------------------------------------------------
    @classmethod
    def multiprocess(cls, port: int | None = None, *, addr: str = "0.0.0.0", directory: str | Path | None = None,
                     per_repository: bool = False, rules: Rules | None = None, interval: float = 1.0) -> Metrics:
        """prometheus_client's multiprocess mode; ``port``: serve ``/metrics`` there on ``addr``
        (in the worker's main process, see :meth:`serve`). The directory comes from
        ``PROMETHEUS_MULTIPROC_DIR`` (or ``directory``, which sets it) and is emptied when the
        endpoint starts, as prometheus_client requires between runs. ``interval``: each process
        writes what its tasks added at most about this often (seconds; a background thread, and
        :meth:`flush` at the process's shutdown); 0 writes at each task's end."""
        if interval < 0:
            raise UsageError(f"multiprocess metrics: interval must be 0 or more seconds, not {interval}")
        from prometheus_client import values

        where = directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not where:
            raise UsageError("multiprocess metrics need PROMETHEUS_MULTIPROC_DIR (a directory every worker process can write)")
        if directory is not None and os.environ.get("PROMETHEUS_MULTIPROC_DIR") != str(directory):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
            values.ValueClass = values.get_value_class()  # prometheus_client chooses it from the env
        Path(where).mkdir(parents=True, exist_ok=True)
        metrics = cls(CollectorRegistry(), per_repository=per_repository, rules=rules,
                      _mode="multiprocess", _port=port, _directory=Path(where))
        metrics.addr = addr
        metrics.interval, metrics.background = interval, interval > 0
        return metrics

    @classmethod
    def push(cls, gateway: str, *, job: str | None = None, per_repository: bool = False,
             rules: Rules | None = None, background: bool = True) -> Metrics:
        """Push each task's increments to an aggregating gateway at task end (``job``: default
        ``$HOSTNAME``, as packit-service pushes). ``background``: a thread (a greenlet under
        gevent) of each process pushes what the tasks that ended left, at most about every
        :attr:`interval` (0.5 s) in one batch, so no task waits for the gateway; the worker's
        shutdown (and the process's exit) flushes it.
        ``background=False`` pushes in the task's own ``task_postrun``."""
        if not gateway:
            raise UsageError("push metrics need the gateway's address")
        metrics = cls(None, per_repository=per_repository, rules=rules, _mode="push", _gateway=gateway, _job=job)
        metrics.background = background
        return metrics

    def serve(self, port: int | None = None, addr: str | None = None) -> int:
        """Serve ``/metrics`` on ``port`` (multiprocess: every process of the worker added up);
        returns the port. Call it once, in the worker's main process."""
        from prometheus_client import multiprocess, start_http_server

        port = self.port if port is None else port
        if port is None:
            raise UsageError("metrics endpoint: no port given")
        registry = self.registry
        if self.mode == "multiprocess":
            assert self.directory is not None
            own = f"_{os.getpid()}.db"  # this process's values (api_tracer_up) are current
            for stale in self.directory.glob("*.db"):
                if not stale.name.endswith(own):
                    stale.unlink(missing_ok=True)
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=str(self.directory))
        server, _thread = start_http_server(port, addr=addr or self.addr, registry=registry)
        self._server = server
        return int(server.server_port)

    def stop_serving(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def process_dead(self, pid: int) -> None:
        """A worker child exited (multiprocess: its live gauges go)."""
        if self.mode == "multiprocess":
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid, path=str(self.directory))

    # -- adding ---------------------------------------------------------------------------
    def add_calls(self, calls: list[Call]) -> None:
        """Calls made outside any task (push mode: sent with the next task's push)."""
        if self.mode == "push":
            with self._lock:
                self._pending.append((None, calls, 0))
            return
        self._deliver(None, calls)

    def task_done(self, record: TaskRecord) -> None:
        """A task ended: its calls, the task itself and (if it starts one) the pipeline."""
        self._deliver(record, record.labelled_calls())

    def task_seen(self, counted: bool = False) -> None:
        """A task ran that no instrumented app owns (``counted=False``); counted tasks are
        counted by :meth:`task_done`."""
        if counted:
            raise ValueError("a counted task is counted by task_done")
        self._deliver(None, [], unowned=1)

    def set_up(self, value: int) -> None:
        """``api_tracer_up`` of this process: 1 counting, 0 set up but unable to count (not
        pushed: an aggregating gateway adds gauges up)."""
        if self._instruments is not None and self._instruments.up is not None:
            with self._lock:
                self._instruments.up.set(value)

    def _deliver(self, record: TaskRecord | None, calls: list[Call], unowned: int = 0) -> None:
        if self.mode == "registry" or (self.mode == "multiprocess" and not self.background):
            with self._lock:
                self._apply(self._instruments, [(record, calls, unowned)])
            return
        if self._flusher_pid != os.getpid():
            self._start_flusher()
        with self._lock:
            self._pending.append((record, calls, unowned))
        if not self.background:
            self.flush()
        elif not self._event.is_set():
            self._event.set()

    def flush(self) -> bool:
        """Write (multiprocess) or push (push mode) everything waiting, as one batch; True when
        nothing is left (a failed push keeps the batch for the next one, up to
        :data:`MAX_PENDING` task batches)::

            metrics.flush()   # e.g. before reading this process's multiprocess files
        """
        if self.mode == "registry":
            return True
        with self._push_lock:
            with self._lock:
                batch, self._pending = self._pending, []
                if batch and self.mode == "multiprocess":
                    self._apply(self._instruments, batch)
                    return True
            if not batch:
                return True
            instruments = _Instruments(None, self.per_repository, gauges=False)
            self._apply(instruments, batch)
            try:
                prometheus_client.push_to_gateway(self.gateway, job=self.job, registry=instruments.batch_registry(),
                                                  timeout=10)
            except Exception:  # noqa: BLE001 - a gateway down never fails a task; the batch waits
                with self._lock:
                    self.push_failures += 1
                    self._pending = batch + self._pending
                    excess = len(self._pending) - MAX_PENDING
                    if excess > 0:
                        del self._pending[:excess]
                        self.dropped += excess
                return False
            self.pushes += 1
            return True

    def _start_flusher(self) -> None:
        """This process's flusher (once per process: a forked child starts its own)."""
        with self._start_lock:
            if self._flusher_pid == os.getpid():
                return
            self._flusher_pid = os.getpid()
            self._event = threading.Event()  # set only in the background mode
            threading.Thread(target=self._flush_forever, name="api-tracer-metrics", daemon=True).start()
            atexit.register(self.flush)

    def _flush_forever(self) -> None:
        while True:
            self._event.wait()
            time.sleep(self.interval)  # let the tasks that end meanwhile join this batch
            self._event.clear()
            try:
                pushed = self.flush()
            except Exception:  # noqa: BLE001 - the flusher never dies: said, and tried again
                log.exception("api-tracer: could not write or push the metrics")
                pushed = False
            if not pushed:
                time.sleep(self.retry_after)
                self._event.set()

    def _apply(self, ins: _Instruments | None, batch: list[tuple[TaskRecord | None, list[Call], int]]) -> None:
        """Add a batch of (task record, its calls, unowned tasks): counts are summed per label
        set first (one write each, whatever the number of tasks), the rate-limit gauge is set
        once per bucket (its last value), durations are binned per category first (one write
        per bucket hit and one to the sum: multiprocess mode writes a file page for each)."""
        assert ins is not None
        # plain dicts: a Counter's construction costs more than a task's ten additions
        requests: dict[tuple[str, ...], int] = {}
        logical: dict[tuple[str, ...], int] = {}
        other: dict[tuple[str, str], int] = {}
        remaining: dict[tuple[str, str], int] = {}
        durations: dict[str, list[float]] = {}
        tasks: dict[tuple[str, ...], int] = {}
        pipelines: dict[tuple[str, ...], int] = {}
        seen = {"true": 0, "false": 0}
        routes = self._route_labels
        for record, calls, unowned in batch:
            chroots = _chroots(record)
            minted: list[str] = []  # installation ids whose token this task minted
            for call in calls:
                if call.forge is None:
                    name = self.hosts.label(call.host)
                    key = (name if name != call.host else "other", call.handler)  # named hosts only
                    other[key] = other.get(key, 0) + 1
                    continue
                event = call.event or NO_EVENT
                route = routes.get((call.forge, call.method, call.route))
                if route is None:
                    route = call.route if FORGES[call.forge].describes(call.method, call.route) else UNLISTED
                    if len(routes) < _ROUTE_MEMO:
                        routes[(call.forge, call.method, call.route)] = route
                repo = (self._repository(call.url),) if self.per_repository else ()
                key = (call.forge, call.handler, event, call.category, call.method, route,
                       "true" if call.charged else "false", call.auth, chroots, *repo)
                requests[key] = requests.get(key, 0) + 1
                if call.attempt == 1:
                    key = (call.forge, call.handler, event, call.category, chroots, *repo)
                    logical[key] = logical.get(key, 0) + 1
                durations.setdefault(call.category, []).append(call.duration_ms / 1000.0)
                self._ratelimit(call, minted, remaining)
            seen["false"] += unowned
            if record is not None:
                seen["true"] += 1
                key = (record.handler, record.event_label, record.outcome)
                tasks[key] = tasks.get(key, 0) + 1
                if record.starts_pipeline:
                    pipelines[(chroots,)] = pipelines.get((chroots,), 0) + 1
        for family, counts in ((ins.requests, requests), (ins.logical, logical), (ins.other, other),
                               (ins.tasks, tasks), (ins.pipelines, pipelines)):
            for labels, n in counts.items():
                ins.child(family, labels).inc(n)
        for category, seconds in durations.items():
            _observe_all(ins.child(ins.duration, (category,)), seconds)
        if ins.remaining is not None:
            for labels, value in remaining.items():
                ins.child(ins.remaining, labels).set(value)
        for counted, n in seen.items():
            if n:
                ins.child(ins.seen, (counted,)).inc(n)

    def _after_fork(self) -> None:
        """In a forked child: what the parent had not written yet is the parent's to write, and
        its locks may have been held by its threads when it forked."""
        self._lock, self._push_lock, self._start_lock = threading.Lock(), threading.Lock(), threading.Lock()
        self._pending, self._flusher_pid = [], None

    # -- labels from calls ----------------------------------------------------------------
    @staticmethod
    def _repository(url: str) -> str:
        from urllib.parse import urlsplit

        m = _REPO.match(urlsplit(url).path)
        return f"{m.group(1)}/{m.group(2)}".lower() if m else ""

    def _ratelimit(self, call: Call, minted: list[str], remaining: dict[tuple[str, str], int]) -> None:
        """The remaining-limit gauge of the call's bucket. ogr mints an installation token and
        uses it at once, so a new token right after a mint in one task is that installation's."""
        if call.method == "POST" and call.status == 201 and "/app/installations/" in call.url:
            mint = _MINT.search(call.url.split("?", 1)[0])
            if mint:
                minted.append(mint.group(1))
        if call.auth == "jwt":
            bucket = "app"
        elif call.auth_id is None:
            bucket = "anonymous"
        else:
            bucket = self._installations.get(call.auth_id, "")
            if not bucket and minted:
                self._installations[call.auth_id] = bucket = f"installation/{minted.pop()}"
                while len(self._installations) > _KNOWN_TOKENS:
                    self._installations.popitem(last=False)
            if not bucket:
                if call.auth_id in self._token_buckets or len(self._token_buckets) < TOKEN_BUCKETS:
                    self._token_buckets.add(call.auth_id)
                    bucket = f"token/{call.auth_id}"
                else:
                    bucket = "token/other"
        value = call.ratelimit.get("remaining")
        if value is not None and str(value).isdigit():
            remaining[(bucket, call.ratelimit.get("resource", "core"))] = int(value)
