"""Count and classify the calls in cassette files alone, without running anything."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tracer.capture import NO_HANDLER, Call, Classifier, Rules, Trace
from tracer.capture.charging import header, is_charged, ratelimit_keys
from tracer.capture.hosts import host_of
from tracer.errors import DataError
from tracer.recording import callrecords
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import MANIFEST, Manifest, is_hidden
from tracer.recording.retries import RETRIED_STATUSES, RETRIES
from tracer.recording.secrets import AUTH_KIND_HEADER


def _files(paths: list[str | Path]) -> list[tuple[Path, Manifest | None]]:
    """Cassette files under ``paths``, each with the manifest of its run if it has one."""
    found: list[tuple[Path, Manifest | None]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise DataError(f"{p}: no such file or directory")
        if p.is_file():
            manifest = Manifest.load(p.parent) if (p.parent / MANIFEST).is_file() else None
            found.append((p, manifest))
            continue
        runs = [p] if (p / MANIFEST).is_file() else sorted(
            {m.parent for m in p.rglob(MANIFEST) if not is_hidden(m.parent, p)}
        )
        for run in runs:
            manifest = Manifest.load(run)
            found.extend((run / e.file, manifest) for e in manifest.cassettes)
        if not runs:
            found.extend((f, None) for f in sorted(p.rglob("*")) if f.suffix in (".yaml", ".yml", ".json")
                         and f.name not in (MANIFEST, callrecords.RECORDS) and not is_hidden(f, p))
    if not found:
        raise DataError(f"{', '.join(map(str, paths))}: no cassettes found")
    unique = {item[0].resolve(): item for item in reversed(found)}  # each file once
    return [item for item in found if unique.get(item[0].resolve()) is item]


def trace_from_cassettes(
    paths: list[str | Path], rules: Rules | None = None, hosts: Iterable[str] = ()
) -> Trace:
    """A :class:`Trace` of the interactions recorded in cassettes (a file, a run, a folder).

    A whole run whose call records are current (:mod:`tracer.recording.callrecords`) is read
    from them: the trace its replay gives. Otherwise route templates come from each forge's
    route table; categories from the call sites the run's manifest kept when it was recorded,
    else from the route rules alone. Hosts (``hosts``: more, ``FORGE=HOST[/PREFIX]``) and what is
    charged follow the same rules as live tracing (:mod:`tracer.capture.charging`); consecutive
    identical requests answered with a status ogr's retry sends again are attempts of one
    logical call, as a replay counts them.
    """
    rules = rules or Rules.default()
    classifier = Classifier(rules, rules.hosts.with_hosts(hosts, "--host"))
    calls: list[Call] = []
    logical = 0
    files = _files(paths)
    recorded = set() if hosts else _from_records(files, rules, calls)
    logical = max((c.logical for c in calls), default=0)
    for path, manifest in files:
        if path in recorded:
            continue
        entry = next((e for e in manifest.cassettes if e.file == path.name), None) if manifest else None
        interactions = load_cassette(path)["interactions"]
        if entry is not None:
            entry.check_count(len(interactions), path)
        kept = entry.categories if entry and len(entry.categories) == len(interactions) else None
        previous: tuple[str, str, int | None] | None = None
        attempt = 1
        for i, interaction in enumerate(interactions):
            request, response = interaction["request"], interaction["response"]
            method, uri = request["method"], request["uri"]
            status = (response.get("status") or {}).get("code")
            headers = response.get("headers") or {}
            found = classifier.classify_at(method, uri, kept[i] if kept else None)
            if previous is not None and previous[:2] == (method, uri) and previous[2] in RETRIED_STATUSES \
                    and attempt <= RETRIES:
                attempt += 1
            else:
                logical, attempt = logical + 1, 1
            previous = (method, uri, status)
            auth = header(request.get("headers") or {}, AUTH_KIND_HEADER) or "none"
            calls.append(
                Call(
                    seq=len(calls) + 1,
                    method=method,
                    url=uri,
                    route=found.route,
                    category=found.category,
                    charged=is_charged(
                        forge=found.forge, free=found.free, status=status,
                        auth=auth, category=found.category, headers=headers,
                    ),
                    status=status,
                    handler=entry.handler if entry else NO_HANDLER,
                    event=entry.event if entry else None,
                    invocation=entry.step if entry else 0,
                    call_site=None,
                    logical=logical,
                    attempt=attempt,
                    auth=auth,
                    ratelimit={
                        k: str(v) for k, name in ratelimit_keys(found.forge)
                        if (v := header(headers, name)) is not None
                    },
                    host=host_of(uri),
                    forge=found.forge,
                )
            )
    return Trace(calls)


def _from_records(files: list[tuple[Path, Manifest | None]], rules: Rules | None, calls: list[Call]) -> set[Path]:
    """Add the calls of every whole run whose call records are current; their cassette files."""
    done: set[Path] = set()
    for path, manifest in files:
        if manifest is None or path in done:
            continue
        run = path.parent
        wanted = {run / e.file for e in manifest.cassettes}
        if not wanted <= {f for f, m in files if m is manifest}:
            continue  # only some of the run's cassettes were asked for
        trace, _ = callrecords.load_current(run, manifest, rules)
        if trace is None:
            continue
        seq, logical = len(calls), max((c.logical for c in calls), default=0)
        for call in trace.all_calls():
            call.seq += seq
            call.logical += logical
            calls.append(call)
        done |= wanted
    return done
