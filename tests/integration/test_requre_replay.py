"""ogr's own recordings replayed by requre itself (which replaces ``Session.send``) with a tracer
on: exactly one logical call per recorded interaction, with the recorded status.

The fourteen recordings are read from ``../shared``; one of them is also kept in
``tests/data/ogr/requre`` (MIT, see ``tests/data/ogr/LICENSE``) so the replay is always tested.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from ogr_scenarios import SCENARIOS, app_key
from requre.exceptions import ItemNotInStorage
from requre.online_replacing import recording_requests

from paths import DATA
from tracer.capture import Tracer, handler
from tracer.recording.requre import import_requre

KEPT = DATA / "ogr" / "requre"


@pytest.fixture(scope="module")
def key() -> str:
    return app_key()


def replay(src: Path, tmp_path: Path, key: str) -> tuple[Counter, Counter, Tracer]:
    """(recorded (method, URL, status), traced ones, the tracer) of one requre replay."""
    storage = tmp_path / src.name
    shutil.copy(src, storage)  # requre may rewrite its storage file on exit: never the original
    recorded = Counter(
        (i["request"]["method"], i["request"]["uri"], i["response"]["status"]["code"])
        for i in import_requre(src, retries=0)
    )
    with Tracer() as tracer, recording_requests(storage_file=str(storage)), handler("ogr-test"):
        SCENARIOS[src.stem](key)
    traced = Counter((c.method, c.url, c.status) for c in tracer.trace())
    return recorded, traced, tracer


def test_kept_recording_replays_through_requre(tmp_path, key):
    recorded, traced, tracer = replay(KEPT / "GenericCommands.test_is_private.yaml", tmp_path, key)
    assert traced == recorded and sum(recorded.values()) == 2
    assert [(c.endpoint, c.category, c.charged) for c in tracer.trace()] == [
        ("GET /user", "other", True),
        ("GET /repos/{owner}/{repo}", "is_project_private", True),
    ]


#: recordings requre itself cannot replay with today's PyGithub, which asks for the commit with
#: ``?page=1`` where the 2019 recording has none (requre matches URLs exactly; vcrpy replays them,
#: tests/integration/test_capture_ogr.py)
PAGE_1 = "today's PyGithub asks GET commits/{sha}?page=1; requre matches the recorded URL exactly"
STEMS = [
    pytest.param(stem, marks=pytest.mark.xfail(strict=True, reason=PAGE_1, raises=ItemNotInStorage))
    if stem in ("GenericCommands.test_commit_comment", "GenericCommands.test_set_commit_status") else stem
    for stem in sorted(SCENARIOS)
]


@pytest.mark.parametrize("stem", STEMS)
def test_shared_recordings_one_logical_call_per_interaction(stem, shared_dir, tmp_path, key):
    recorded, traced, tracer = replay(shared_dir / "realdata" / "ogr-github-recordings" / f"{stem}.yaml", tmp_path, key)
    trace = tracer.trace()
    assert traced == recorded, f"{stem}: traced calls differ from the recorded interactions"
    assert trace.logical == trace.requests == sum(recorded.values())
    assert not trace.elsewhere and all(c.attempt == 1 for c in trace)
