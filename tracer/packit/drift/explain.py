"""Known causes of drift, kept as data (``explanations.yaml``), matched against drifted figures."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


from tracer.capture import Call
from tracer.packit.categories import CATEGORIES
from tracer.packit.drift.compare import Cell, EventComparison, RunComparison
from tracer.datafile import check_header, parse_yaml, read_text
from tracer.errors import DataError

FORMAT = "api-tracer/drift-explanations"
VERSION = 1
DIRECTIONS = ("more", "fewer", "any")
ENDPOINT_CALLS = ("present", "difference", "repeated")
_ENTRY_KEYS = {"id", "events", "in_model", "categories", "when", "text"}
_WHEN_KEYS = {"direction", "measured", "model_is_chroots_times_measured", "endpoint", "endpoint_calls"}
_TOKEN = re.compile(r"\{(event|category|chroots|model|measured|difference|handlers|endpoint_count|calls_per_chroot)\}")


@dataclass(frozen=True)
class Explanation:
    """One known cause: where it applies, the condition on the difference, and its text."""

    id: str
    text: str
    events: tuple[str, ...] | None = None  # None: any event
    in_model: bool | None = None
    categories: tuple[str, ...] | None = None  # None: any category
    direction: str = "any"
    measured: int | None = None
    model_is_chroots_times_measured: bool = False
    endpoint: str | None = None
    endpoint_calls: str = "present"

    def matches(self, cell: Cell, event: EventComparison, chroots: int) -> bool:
        """Whether this cause fits the measured difference of ``cell``."""
        if self.events is not None and cell.event not in self.events:
            return False
        if self.in_model is not None and event.in_model != self.in_model:
            return False
        if self.categories is not None and cell.category not in self.categories:
            return False
        d = cell.difference
        if d == 0 or (self.direction == "more" and d < 0) or (self.direction == "fewer" and d > 0):
            return False
        if self.measured is not None and cell.measured != self.measured:
            return False
        if self.model_is_chroots_times_measured and not (
            cell.measured > 0 and cell.model == chroots * cell.measured
        ):
            return False
        if self.endpoint is not None:
            calls = [c for c in event.calls if c.category == cell.category and c.endpoint == self.endpoint]
            if not calls:
                return False
            if self.endpoint_calls == "difference" and len(calls) < abs(d):
                return False
            if self.endpoint_calls == "repeated":
                runs = Counter((c.handler, c.invocation) for c in calls)
                if max(runs.values()) < 2:
                    return False
        return True

    def render(self, cell: Cell, event: EventComparison, chroots: int) -> str:
        """The text with its placeholders filled in from the figure and its event."""
        cell_calls = [c for c in event.calls if c.category == cell.category]
        values = {
            "event": str(cell.event),
            "category": cell.category,
            "chroots": str(chroots),
            "model": str(cell.model),
            "measured": str(cell.measured),
            "difference": f"{cell.difference:+d}",
            "handlers": ", ".join(dict.fromkeys(c.handler for c in event.calls)),
            "endpoint_count": str(sum(1 for c in cell_calls if c.endpoint == self.endpoint)),
            "calls_per_chroot": calls_per(event.calls, chroots),
        }
        return _TOKEN.sub(lambda m: values[m.group(1)], self.text)


def short_endpoint(endpoint: str) -> str:
    """``GET /repos/{owner}/{repo}/pulls/{pull_number}`` → ``GET pulls/{pull_number}``."""
    method, _, route = endpoint.partition(" ")
    prefix = "/repos/{owner}/{repo}"
    if route == prefix:
        return f"{method} repo"
    if route.startswith(prefix + "/"):
        return f"{method} {route[len(prefix) + 1:]}"
    return endpoint


def calls_per(calls: Iterable[Call], chroots: int) -> str:
    """``GET repo, GET pulls/{pull_number} ×2, POST check-runs ×2`` (counts divided by chroots)."""
    counts = Counter(c.endpoint for c in calls)
    parts = []
    for endpoint, n in counts.items():
        per = n / chroots
        times = "" if per == 1 else f" ×{per:g}"
        parts.append(f"{short_endpoint(endpoint)}{times}")
    return ", ".join(parts)


def _names(value: Any, key: str, where: str, allowed: Iterable[str] | None = None) -> tuple[str, ...] | None:
    if value == "*":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise DataError(f"{where}.{key} must be \"*\" or a list of names")
    if allowed is not None:
        allowed = tuple(allowed)
        for v in value:
            if v not in allowed:
                raise DataError(f"{where}.{key}: unknown {v!r} (expected {', '.join(allowed)})")
    return tuple(value)


def parse_explanations(data: Any, source: str) -> list[Explanation]:
    """Validate an explanations document (see ``explanations.yaml`` for the format)."""
    check_header(data, source, FORMAT, VERSION, "a drift explanations file")
    entries = data.get("explanations")
    if not isinstance(entries, list):
        raise DataError(f"{source}: 'explanations' must be a list")
    out = []
    for i, raw in enumerate(entries):
        where = f"{source}: explanations[{i}]"
        if not isinstance(raw, Mapping):
            raise DataError(f"{where} must be a mapping")
        unknown = set(raw) - _ENTRY_KEYS
        if unknown:
            raise DataError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        for key in ("id", "text"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise DataError(f"{where}.{key} must be a non-empty string")
        when = raw.get("when", {})
        if not isinstance(when, Mapping):
            raise DataError(f"{where}.when must be a mapping")
        unknown = set(when) - _WHEN_KEYS
        if unknown:
            raise DataError(f"{where}.when: unknown condition {sorted(unknown)[0]!r}")
        direction = when.get("direction", "any")
        if direction not in DIRECTIONS:
            raise DataError(f"{where}.when.direction must be one of {', '.join(DIRECTIONS)}")
        endpoint_calls = when.get("endpoint_calls", "present")
        if endpoint_calls not in ENDPOINT_CALLS:
            raise DataError(f"{where}.when.endpoint_calls must be one of {', '.join(ENDPOINT_CALLS)}")
        measured = when.get("measured")
        if measured is not None and (isinstance(measured, bool) or not isinstance(measured, int)):
            raise DataError(f"{where}.when.measured must be an integer")
        endpoint = when.get("endpoint")
        if endpoint is not None and (not isinstance(endpoint, str) or " " not in endpoint):
            raise DataError(f"{where}.when.endpoint must be \"METHOD /route\"")
        in_model = raw.get("in_model")
        if in_model is not None and not isinstance(in_model, bool):
            raise DataError(f"{where}.in_model must be true or false")
        times = when.get("model_is_chroots_times_measured", False)
        if not isinstance(times, bool):
            raise DataError(f"{where}.when.model_is_chroots_times_measured must be true or false")
        out.append(Explanation(
            id=raw["id"],
            text=raw["text"].strip(),
            events=_names(raw.get("events", "*"), "events", where),
            in_model=in_model,
            categories=_names(raw.get("categories", "*"), "categories", where, CATEGORIES),
            direction=direction,
            measured=measured,
            model_is_chroots_times_measured=times,
            endpoint=endpoint,
            endpoint_calls=endpoint_calls,
        ))
    return out


def load_explanations(path: str | Path | None = None) -> list[Explanation]:
    """The packaged explanations, or those of ``path``."""
    if path is None:
        text = resources.files("tracer.packit.drift").joinpath("explanations.yaml").read_text()
        source = "tracer/packit/drift/explanations.yaml"
    else:
        text = read_text(path, "explanations file")
        source = str(path)
    data = parse_yaml(text, source)
    return parse_explanations(data, source)


def explain(run: RunComparison, tolerance: float, explanations: list[Explanation]) -> None:
    """Attach, to each event, the texts of the causes that fit its drifted figures.

    In the order of ``explanations``; a text is given once per event.
    """
    chroots = run.scenario.chroots
    for event in run.events:
        texts: list[str] = []
        drifted = [c for c in event.cells.values() if c.compared and not c.within(tolerance)]
        for exp in explanations:  # in the file's order
            for cell in drifted:
                if exp.matches(cell, event, chroots):
                    text = exp.render(cell, event, chroots)
                    if text not in texts:
                        texts.append(text)
        event.explanations = texts
