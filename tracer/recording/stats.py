"""Count and classify the calls in cassette files alone, without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracer.capture import AUTH, NO_HANDLER, OTHER, Call, Classifier, Rules, Trace
from tracer.errors import DataError
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import MANIFEST, Manifest
from tracer.recording.secrets import AUTH_KIND_HEADER


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) and value else value
    return None


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
        runs = [p] if (p / MANIFEST).is_file() else sorted({m.parent for m in p.rglob(MANIFEST)})
        for run in runs:
            manifest = Manifest.load(run)
            found.extend((run / e.file, manifest) for e in manifest.cassettes)
        if not runs:
            found.extend((f, None) for f in sorted(p.rglob("*.yaml")) if f.name != MANIFEST)
    if not found:
        raise DataError(f"{', '.join(map(str, paths))}: no cassettes found")
    return found


def trace_from_cassettes(paths: list[str | Path], rules: Rules | None = None) -> Trace:
    """A :class:`Trace` of the interactions recorded in cassettes (a file, a run, a folder).

    Route templates come from the rules; categories from the call sites the run's
    manifest kept when it was recorded, else from the route rules alone.
    """
    classifier = Classifier(rules)
    calls: list[Call] = []
    for path, manifest in _files(paths):
        entry = next((e for e in manifest.cassettes if e.file == path.name), None) if manifest else None
        interactions = load_cassette(path)["interactions"]
        kept = entry.categories if entry and len(entry.categories) == len(interactions) else None
        for i, interaction in enumerate(interactions):
            request, response = interaction["request"], interaction["response"]
            method, uri = request["method"], request["uri"]
            rule = classifier.route(method, uri)
            category = kept[i] if kept else (rule.category if rule and rule.category else OTHER)
            status = (response.get("status") or {}).get("code")
            auth = _header(request.get("headers") or {}, AUTH_KIND_HEADER) or "none"
            charged = (rule.charged if rule else True) and status != 304 and auth != "jwt" and category != AUTH
            headers = response.get("headers") or {}
            calls.append(
                Call(
                    seq=len(calls) + 1,
                    method=method,
                    url=uri,
                    route=rule.template if rule else uri,
                    category=category,
                    charged=charged,
                    status=status,
                    handler=entry.handler if entry else NO_HANDLER,
                    event=entry.event if entry else None,
                    invocation=entry.step if entry else 0,
                    call_site=None,
                    logical=len(calls) + 1,
                    auth=auth,
                    ratelimit={
                        k: str(v) for k in ("limit", "remaining", "used", "reset", "resource")
                        if (v := _header(headers, f"x-ratelimit-{k}")) is not None
                    },
                )
            )
    return Trace(calls)
