"""A trace: the calls of a run, with totals by handler, event, category and endpoint."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from tracer.capture.call import AUTH_KINDS, NO_HANDLER, Call
from tracer.capture.hosts import Hosts
from tracer.capture.rules import Rules
from tracer.datafile import check_header, checked_fields, read_text
from tracer.errors import DataError

TRACE_FORMAT = "api-tracer/trace"
TRACE_VERSION = 1

#: what a count counts: every HTTP request, or only those charged to the rate limit
MEASURES = ("requests", "charged")


@dataclass(frozen=True)
class RateLimitGap:
    """Between two responses of one bucket, GitHub counted more than the tracer saw."""

    bucket: str
    after_seq: int
    at_seq: int
    used_delta: int
    seen: int

    def __str__(self) -> str:
        return (
            f"bucket {self.bucket}: x-ratelimit-used rose by {self.used_delta} between calls "
            f"#{self.after_seq} and #{self.at_seq}, the tracer saw {self.seen} charged call(s)"
        )


def _counted_in_bucket(call: Call) -> bool:
    """Whether GitHub counts the call in the bucket its response reports on.

    Charged calls count in the installation's (or user's) bucket; app-JWT calls are not
    charged to the installation but count in the app's own bucket.
    """
    if call.charged:
        return True
    return call.forge == "github" and call.auth == "jwt" and call.status not in (None, 304) and call.route != "/rate_limit"


class Trace:
    """An ordered list of :class:`Call` with the views the reports need.

    ``calls`` are the calls to one forge's API (``forge``, GitHub by default: the view every
    report about GitHub's limits takes), the ones every count and category is about;
    ``elsewhere`` holds the others (other forges' calls, and calls to other hosts, kept and
    reported per host apart (:meth:`other_hosts`), never in a category, never charged).
    :meth:`on` gives another forge's view of the same calls, :meth:`forges` their counts::

        trace = tracer_.trace()                     # or Trace.load("run.trace.json")
        trace.categories()                          # {'is_project_private': 1, ..., 'other': 3}
        trace.count_by("handler", "endpoint", measure="charged")
        print(trace.table(by="event"))
        trace.on("gitlab").categories()             # the same calls, GitLab's view
    """

    #: the forge whose calls are :attr:`calls` (a class default for views built without __init__)
    forge: str = "github"

    def __init__(self, calls: Iterable[Call] = (), forge: str = "github") -> None:
        self.forge = forge
        self.calls: list[Call] = []
        self.elsewhere: list[Call] = []
        for call in calls:
            (self.calls if call.forge == forge else self.elsewhere).append(call)

    def on(self, forge: str) -> Trace:
        """The same calls, seen from ``forge``'s API (its calls in :attr:`calls`)."""
        return Trace(self.all_calls(), forge)

    def forges(self) -> dict[str, int]:
        """Requests per forge (forges with calls only, GitHub first)."""
        counts = Counter(c.forge for c in self.all_calls() if c.forge is not None)
        return {f: n for f, n in sorted(counts.items(), key=lambda kv: (kv[0] != "github", kv[0]))}

    def __len__(self) -> int:
        return len(self.calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and self.calls == other.calls and self.elsewhere == other.elsewhere

    def __add__(self, other: Trace) -> Trace:
        return Trace(self.all_calls() + other.all_calls(), self.forge)

    def all_calls(self) -> list[Call]:
        """GitHub calls and calls to other hosts, in the order they were made."""
        if not self.elsewhere:
            return list(self.calls)
        return sorted(self.calls + self.elsewhere, key=lambda c: c.seq)

    # -- selections ----------------------------------------------------------
    def where(self, predicate: Callable[[Call], bool]) -> Trace:
        return Trace((c for c in self.all_calls() if predicate(c)), self.forge)

    def measured(self, measure: str = "requests") -> Trace:
        """All requests, or only those charged to the rate limit."""
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r} (one of {', '.join(MEASURES)})")
        return self if measure == "requests" else self.where(lambda c: c.charged)

    # -- counts --------------------------------------------------------------
    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def charged(self) -> int:
        return sum(c.charged for c in self.calls)

    @property
    def logical(self) -> int:
        return len({c.logical for c in self.calls})

    def count_by(self, *keys: str, measure: str = "requests") -> Counter[Any]:
        """Counts by one attribute (``"category"``) or a tuple of them."""
        calls = self.measured(measure).calls
        if len(keys) == 1:
            return Counter(getattr(c, keys[0]) for c in calls)
        return Counter(tuple(getattr(c, k) for k in keys) for c in calls)

    def category_names(self) -> tuple[str, ...]:
        """The default rules' categories in report order, then any other category a call has."""
        known = Rules.default().categories
        return known + tuple(dict.fromkeys(c.category for c in self.calls if c.category not in known))

    def categories(self, measure: str = "requests") -> dict[str, int]:
        """Every category (zeros included), in report order (:meth:`category_names`)."""
        counts = self.count_by("category", measure=measure)
        return {cat: counts.get(cat, 0) for cat in self.category_names()}

    def nested(self, outer: str, measure: str = "requests") -> dict[str, dict[str, int]]:
        """``{handler|event|…: {category: n}}`` in order of first appearance."""
        out: dict[str, dict[str, int]] = {}
        names = self.category_names()
        for call in self.measured(measure).calls:
            key = getattr(call, outer) or NO_HANDLER
            row = out.setdefault(key, dict.fromkeys(names, 0))
            row[call.category] += 1
        return out

    def handlers(self) -> list[str]:
        return list(dict.fromkeys(c.handler for c in self.calls))

    def other_hosts(self, hosts: Hosts | None = None) -> dict[str, int]:
        """Requests outside this view, by the host's name (``Testing Farm: 12``); another
        forge's as ``gitlab API (gitlab.com)``."""
        names = hosts or Rules.default().hosts
        return dict(Counter(names.label(c.host) if c.forge is None else f"{c.forge} API ({c.host})"
                            for c in self.elsewhere).most_common())

    def other_hosts_line(self, hosts: Hosts | None = None) -> str:
        """``other hosts (not GitHub, never charged): Testing Farm 12, Copr 3``, or "" if none
        (another forge's view: ``other hosts (not GitLab's API, not counted here): ...``)."""
        counts = self.other_hosts(hosts)
        if not counts:
            return ""
        what = "not GitHub, never charged" if self.forge == "github" else f"not {self.forge}'s API, not counted here"
        return f"other hosts ({what}): " + ", ".join(f"{k} {n}" for k, n in counts.items())

    # -- rate-limit cross-check ----------------------------------------------
    def ratelimit_gaps(self) -> list[RateLimitGap]:
        """Compare ``x-ratelimit-used`` deltas with the calls seen in between, per bucket.

        A rise larger than the calls the tracer recorded on that bucket means calls went
        past the tracer (another client, or a missed one). A bucket is told apart by the
        auth kind and the response's resource, limit and reset (the tokens of one
        installation share one bucket; app-JWT calls count in the app's own).
        """
        gaps: list[RateLimitGap] = []
        last: dict[str, tuple[int, int]] = {}  # bucket -> (seq, used)
        seen: Counter[str] = Counter()
        for call in sorted(self.calls, key=lambda c: c.seq):
            rl = call.ratelimit
            used = rl.get("used")
            if "reset" in rl:
                bucket = f"{call.auth}/{rl.get('resource', 'core')}/{rl.get('limit', '?')}/{rl['reset']}"
            else:
                bucket = f"{call.auth_id or 'anonymous'}/{rl.get('resource', 'core')}"
            if _counted_in_bucket(call):
                seen[bucket] += 1
            if used is None or not str(used).isdigit():
                continue
            used_now = int(used)
            if bucket in last:
                prev_seq, prev_used = last[bucket]
                delta = used_now - prev_used
                if delta > seen[bucket]:
                    gaps.append(RateLimitGap(bucket, prev_seq, call.seq, delta, seen[bucket]))
            last[bucket] = (call.seq, used_now)
            seen[bucket] = 0
        return gaps

    # -- rendering -----------------------------------------------------------
    def table(self, by: str = "handler", fmt: str = "simple", measure: str = "requests") -> str:
        """A table of calls per ``by`` (handler, event, endpoint, call_site) and category."""
        rows = []
        for key, cats in self.nested(by, measure).items():
            rows.append([key, *cats.values(), sum(cats.values())])
        totals = self.categories(measure)
        rows.append(["total", *totals.values(), sum(totals.values())])
        return tabulate(rows, headers=[by, *totals, "total"], tablefmt=fmt)

    def endpoint_table(self, fmt: str = "simple") -> str:
        counts = self.count_by("endpoint", "category")
        charged = self.count_by("endpoint", "category", measure="charged")
        rows = [[ep, cat, n, charged.get((ep, cat), 0)] for (ep, cat), n in counts.most_common()]
        return tabulate(rows, headers=["endpoint", "category", "requests", "charged"], tablefmt=fmt)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "charged": self.charged,
            "logical": self.logical,
            "categories": self.categories(),
            "charged_categories": self.categories("charged"),
            "handlers": self.nested("handler"),
            "events": self.nested("event"),
            "endpoints": dict(self.count_by("endpoint").most_common()),
            "other_hosts": self.other_hosts(),
            "forge": self.forge,
            "forges": self.forges(),
        }

    # -- JSON ----------------------------------------------------------------
    def to_json(self, **meta: Any) -> dict[str, Any]:
        return {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            **({"meta": meta} if meta else {}),
            "summary": self.summary(),
            "calls": [c.to_dict() for c in self.all_calls()],
        }

    @classmethod
    def from_json(cls, data: Any, source: str = "<trace>") -> Trace:
        check_header(data, source, TRACE_FORMAT, TRACE_VERSION, "an api-tracer trace")
        raw_calls = data.get("calls")
        if not isinstance(raw_calls, list):
            raise DataError(f"{source}: 'calls' must be a list")
        return cls(call_from_json(raw, f"{source}: calls[{i}]") for i, raw in enumerate(raw_calls))

    def save(self, path: str | Path, **meta: Any) -> None:
        Path(path).write_text(json.dumps(self.to_json(**meta), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        return cls.from_json(read_json(path), source=str(path))


def call_from_json(raw: Any, where: str) -> Call:
    """One call record of a trace file, checked field by field (one-line DataError): each
    value of its field's type and possible (``attempt`` 1 or more, a status 100–599, ...). A
    record written before forges were a fact says ``github: true|false`` instead of its forge."""
    if isinstance(raw, dict) and "github" in raw:
        raw = {"forge": "github" if raw["github"] is True else None} | {k: v for k, v in raw.items() if k != "github"}
    call = Call(**checked_fields(Call, raw, where))
    known = Rules.default().categories
    if call.category not in known:
        raise DataError(f"{where}: unknown category {call.category!r:.60} (one of {', '.join(known)})")
    problem = _impossible(call)
    if problem:
        raise DataError(f"{where}: {problem}")
    return call


def _impossible(call: Call) -> str:
    """What no tracer could have recorded in ``call`` ("" when nothing)."""
    for name, least in (("seq", 0), ("logical", 0), ("invocation", 0), ("attempt", 1)):
        value = getattr(call, name)
        if value < least:
            return f"{name!r} must be {least} or more, got {value}"
    if call.status is not None and not 100 <= call.status <= 599:
        return f"'status' must be an HTTP status (100–599) or null, got {call.status}"
    if not math.isfinite(call.duration_ms) or call.duration_ms < 0:
        return f"'duration_ms' must be a time of 0 or more, got {call.duration_ms}"
    if not call.method.isascii() or not call.method.isalpha() or not call.method.isupper():
        return f"'method' must be an HTTP method such as GET, got {call.method!r:.60}"
    if call.auth not in AUTH_KINDS:
        return f"'auth' must be one of {', '.join(AUTH_KINDS)}, got {call.auth!r:.60}"
    if not call.route.startswith("/"):
        return f"'route' must be a path template starting with '/', got {call.route!r:.60}"
    if call.charged and call.forge is None:
        return "'charged' is true on a call to a host that is no forge's API (never charged)"
    return ""


def read_json(path: str | Path) -> Any:
    """A JSON file's data, or a one-line DataError naming the file."""
    p = Path(path)
    text = read_text(p, "JSON file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}: not JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise DataError(f"{p}: not JSON we read (nested too deeply)") from None
