"""Shared by the worker's knob tests: one loopback run per (profile, chroots, knobs), and the
change a knob makes per (event, endpoint) and per category."""

from __future__ import annotations

from functools import lru_cache

from tracer.packit.loopback import generate_app_key
from tracer.packit.worker.loopback_run import LoopbackRun, run_on_loopback

C, HEAD = "packit-service@bc1f66bb", "packit-service@b828c3d7"
R = "GET /repos/{owner}/{repo}"
FILE = "GET /repos/{owner}/{repo}/contents/{path+}"
PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
BRANCH = "GET /repos/{owner}/{repo}/branches/{branch+}"
PERMISSION = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
COMMENTS = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
RATE_LIMIT = "GET /rate_limit"
INSTALLATION = "GET /repos/{owner}/{repo}/installation"
ACCESS_TOKEN = "POST /app/installations/{installation_id}/access_tokens"


@lru_cache(maxsize=None)
def app_key() -> str:
    # 1024 bits: PyJWT re-reads the PEM for every JWT (5 ms at 1024 bits, 40 ms at 2048); the
    # requests are the same whatever the key's size
    return generate_app_key(1024)


@lru_cache(maxsize=None)
def _run(profile: str, n: int, knobs: tuple[tuple[str, object], ...]) -> LoopbackRun:
    settings = dict(knobs)
    return run_on_loopback(profile, {"chroots": n, **settings},
                           app_key=app_key() if settings.get("auth") == "app" else None)


def run(profile: str, n: int, **knobs: object) -> LoopbackRun:
    return _run(profile, n, tuple(sorted(knobs.items())))


def nonzero(rows: dict) -> dict:
    return {k: v for k, v in rows.items() if v}


def delta(profile: str, n: int, base: dict[str, object] | None = None, **knobs: object) -> tuple[dict, dict]:
    """(change per (event, endpoint), change per category), zeros left out, of ``knobs``
    against ``base`` (default: the profile's defaults)."""
    base = base or {}
    before, after = run(profile, n, **base).trace, run(profile, n, **base, **knobs).trace
    endpoints = dict(after.count_by("event", "endpoint"))
    for key, count in before.count_by("event", "endpoint").items():
        endpoints[key] = endpoints.get(key, 0) - count
    categories = {k: after.categories().get(k, 0) - v for k, v in before.categories().items()}
    return nonzero(endpoints), nonzero(categories)


def charged_delta(profile: str, n: int, base: dict[str, object] | None = None, **knobs: object) -> int:
    base = base or {}
    return run(profile, n, **base, **knobs).trace.charged - run(profile, n, **base).trace.charged
