"""Label tables: a Celery task (its name and kwargs) → handler, event and scenario labels.

A table is data (packit-service's, at both eras, is registered by the packit study as
``packit-service``; give your own file for another app)::

    labels = Labels.load("packit-service")            # or a path to a YAML table
    labels.handler("task.run_copr_build_handler")     # "CoprBuildHandler"
    labels.event("CoprBuildHandler", {"event": {"event_type": "github.pr.Action"}})
    labels.chroots({"job_config": {"targets": ["fedora-41-x86_64"]}})   # 1
    labels.pipeline({"event": {"project_url": URL, "commit_sha": SHA}})  # "URL@SHA"

Nothing here raises on what a task carries: an unknown task is labelled with its own name, an
event dict no rule matches gives no event, unreadable kwargs give no scenario. Only a bad table
is an error (a one-line :class:`~tracer.errors.DataError` naming the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from tracer import registry
from tracer.capture.call import NO_EVENT  # noqa: F401  (tracer.live re-exports it)
from tracer.datafile import check_header, parse_yaml, read_yaml
from tracer.errors import DataError

FORMAT = "api-tracer/live-labels"
VERSION = 1
#: the event label of a task no rule names
_ANY = "*"
_MISSING = object()


@dataclass(frozen=True)
class EventRule:
    event: str
    handlers: frozenset[str] | None  # None: any handler
    match: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (path, accepted globs)

    def matches(self, handler: str, data: Mapping[str, Any]) -> bool:
        if self.handlers is not None and handler not in self.handlers:
            return False
        for path, accepted in self.match:
            values = list(_lookup(data, path))
            if not values:
                return False
            if accepted == (_ANY,):
                continue
            if not any(fnmatchcase(str(v), glob) for v in values for glob in accepted):
                return False
        return True


def _lookup(data: Any, path: tuple[str, ...]) -> list[Any]:
    """Values at a dotted path (``*`` spans every key of a mapping); none when absent."""
    found = [data]
    for key in path:
        nxt: list[Any] = []
        for item in found:
            if not isinstance(item, Mapping):
                continue
            if key == _ANY:
                nxt.extend(item.values())
            elif key in item:
                nxt.append(item[key])
        found = nxt
    return [v for v in found if v is not None]


def _count(value: Any) -> int | None:
    """How many targets a ``targets`` value names (list, mapping or one string)."""
    if isinstance(value, str):
        return 1 if value else None
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) or None
    return None


@dataclass(frozen=True)
class Labels:
    """A label table: task names to handlers, event rules, scenario paths, the pipeline start."""

    name: str
    tasks: Mapping[str, str]
    events: tuple[EventRule, ...]
    event_kwarg: str = "event"
    from_published: frozenset[str] = frozenset()
    chroots_paths: tuple[tuple[str, ...], ...] = ()
    pipeline_handler: str | None = None
    pipeline_event: str | None = None
    pipeline_paths: tuple[tuple[tuple[str, ...], ...], ...] = ()  # alternatives, each joined by "@"
    eras: tuple[str, ...] = ()
    source: str = ""

    # -- reading --------------------------------------------------------------------------
    @classmethod
    def load(cls, table: str | Path | None = None) -> Labels:
        """A registered table by name (``packit-service``, under the entry point group
        ``api_tracer.label_tables``), or a YAML file; None: an empty table (every task labelled
        with its own name, no events).

        >>> Labels.load("packit-service").handler("task.run_copr_build_handler")
        'CoprBuildHandler'
        """
        if table is None:
            return cls("(none)", {}, ())
        if isinstance(table, str) and "/" not in table and not table.endswith((".yaml", ".yml")):
            tables = registry.registered(registry.LABEL_TABLES)
            if table not in tables:
                raise DataError(f"no label table named {table!r} (registered: {', '.join(tables) or 'none'}; or give a YAML file)")
            text, source = tables[table].read()
            return cls.from_dict(parse_yaml(text, source), source)
        return cls.from_dict(read_yaml(table), str(table))

    @classmethod
    def from_dict(cls, data: Any, source: str) -> Labels:
        check_header(data, source, FORMAT, VERSION, "an api-tracer label table")
        tasks = data.get("tasks") or {}
        if not isinstance(tasks, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tasks.items()):
            raise DataError(f"{source}: 'tasks' must map task names to handler names")
        rules = []
        for i, raw in enumerate(data.get("events") or []):
            where = f"{source}: events[{i}]"
            if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
                raise DataError(f"{where} must be a mapping with an 'event' name")
            unknown = set(raw) - {"event", "handlers", "match"}
            if unknown:
                raise DataError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
            handlers = raw.get("handlers")
            if handlers is not None and not (isinstance(handlers, list) and all(isinstance(h, str) for h in handlers)):
                raise DataError(f"{where}.handlers must be a list of handler names")
            match = raw.get("match") or {}
            if not isinstance(match, dict):
                raise DataError(f"{where}.match must map dotted paths to accepted values")
            conditions = []
            for path, accepted in match.items():
                values = [accepted] if isinstance(accepted, str) else accepted
                if not isinstance(values, list) or not values or not all(isinstance(v, (str, int)) for v in values):
                    raise DataError(f"{where}.match.{path} must be a value, a list of values or \"*\"")
                conditions.append((tuple(str(path).split(".")), tuple(str(v) for v in values)))
            rules.append(EventRule(raw["event"], frozenset(handlers) if handlers is not None else None, tuple(conditions)))
        scenario = data.get("scenario") or {}
        chroots = scenario.get("chroots", []) if isinstance(scenario, dict) else None
        if not isinstance(chroots, list) or not all(isinstance(p, str) for p in chroots):
            raise DataError(f"{source}: scenario.chroots must be a list of dotted paths")
        pipeline = data.get("pipeline") or {}
        if not isinstance(pipeline, dict):
            raise DataError(f"{source}: 'pipeline' must be a mapping with 'handler' and 'event'")
        key_paths = pipeline.get("key") or []
        if not isinstance(key_paths, list) or not all(
            isinstance(k, list) and k and all(isinstance(part, str) for part in k) for k in key_paths
        ):
            raise DataError(f"{source}: pipeline.key must be a list of alternatives, each a list of dotted paths")
        published = data.get("from_published") or []
        if not isinstance(published, list):
            raise DataError(f"{source}: 'from_published' must be a list of handler names")
        return cls(
            name=str(data.get("name") or Path(source).stem),
            tasks=dict(tasks),
            events=tuple(rules),
            event_kwarg=str(data.get("event_kwarg") or "event"),
            from_published=frozenset(map(str, published)),
            chroots_paths=tuple(tuple(p.split(".")) for p in chroots),
            pipeline_handler=pipeline.get("handler"),
            pipeline_event=pipeline.get("event"),
            pipeline_paths=tuple(tuple(tuple(part.split(".")) for part in k) for k in key_paths),
            eras=tuple(map(str, data.get("eras") or ())),
            source=source,
        )

    # -- labelling ------------------------------------------------------------------------
    def handler(self, task_name: str) -> str:
        """The handler a task runs; an unknown task is its own handler."""
        return self.tasks.get(task_name, task_name)

    def event(self, handler: str, kwargs: Any) -> str | None:
        """The model's event of a task from the event dict in its kwargs; None if no rule says."""
        data = kwargs.get(self.event_kwarg) if isinstance(kwargs, Mapping) else None
        if not isinstance(data, Mapping):
            return None
        for rule in self.events:
            try:
                if rule.matches(handler, data):
                    return rule.event
            except Exception:  # noqa: BLE001 - a task's odd payload never breaks the worker
                return None
        return None

    def learns_from_published(self, handler: str) -> bool:
        """Whether a task's event and scenario may come from the tasks it sends."""
        return handler in self.from_published

    def chroots(self, kwargs: Any) -> int | None:
        """The number of chroots of the job a task runs (the model's main parameter)."""
        if not isinstance(kwargs, Mapping):
            return None
        for path in self.chroots_paths:
            for value in _lookup(kwargs, path):
                n = _count(value)
                if n is not None:
                    return n
        return None

    def pipeline(self, kwargs: Any) -> str | None:
        """Which PR pipeline a task works for (e.g. the head commit), when its kwargs say."""
        if not isinstance(kwargs, Mapping):
            return None
        for alternative in self.pipeline_paths:
            parts = []
            for path in alternative:
                values = [v for v in _lookup(kwargs, path) if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)]
                if not values:
                    break
                parts.append(str(values[0]))
            else:
                return "@".join(parts)
        return None

    def starts_pipeline(self, handler: str, event: str | None) -> bool:
        return self.pipeline_handler is not None and handler == self.pipeline_handler and event == self.pipeline_event
