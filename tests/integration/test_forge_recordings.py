"""ogr's own GitLab, Pagure and Forgejo recordings (tests/data/ogr-forges, MIT, copied from
../shared so they are there in CI): every interaction is one of its forge's described routes,
and ogr's tests re-enacted with real ogr objects, replayed by requre itself with a tracer on,
are seen call for call with the recorded status, their forge, packit's category and the forge's
charge."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from ogr_forge_scenarios import FORGEJO_HOST, SCENARIOS
from requre.helpers import recording_httpx
from requre.online_replacing import recording_requests

from paths import DATA
from tracer.capture import Tracer, handler
from tracer.capture.forges import FORGES
from tracer.capture.hosts import Hosts, host_of
from tracer.recording.requre import import_requre

RECORDINGS = DATA / "ogr-forges"
FORGES_RECORDED = ("gitlab", "pagure", "forgejo")
HOSTS = Hosts().with_hosts([f"forgejo={FORGEJO_HOST}"])


def recordings(forge: str) -> list[Path]:
    return sorted((RECORDINGS / forge).rglob("*.yaml"))


def test_the_copied_recordings_are_there_with_their_licence():
    assert "MIT License" in (RECORDINGS / "LICENSE").read_text()
    assert len((RECORDINGS / "OGR_COMMIT").read_text().strip()) == 40
    assert {forge: len(recordings(forge)) for forge in FORGES_RECORDED} == {"gitlab": 40, "pagure": 36, "forgejo": 53}


@pytest.mark.parametrize(("forge", "routes", "interactions"), [("gitlab", 28, 289), ("pagure", 23, 130), ("forgejo", 28, 173)])
def test_every_recorded_interaction_is_a_route_its_forge_describes(forge, routes, interactions):
    """Named by the forge's route table (or one of the web routes ogr reads), never by the
    fallback: so no literal value, no mixed or repeated placeholder name."""
    seen: Counter[str] = Counter()
    unnamed = set()
    for path in recordings(forge):
        for interaction in import_requre(path, retries=0):
            method, uri = interaction["request"]["method"], interaction["request"]["uri"]
            found, where, api = HOSTS.forge_of(uri, host_of(uri))
            assert found == forge, uri
            table = FORGES[forge].routes if api else FORGES[forge].web
            match = table.match(method, where)
            if match is None:
                unnamed.add(f"{method} {uri}")
            else:
                seen[f"{method} {match[0]}"] += 1
    assert unnamed == set()
    assert (len(seen), sum(seen.values())) == (routes, interactions)


def replay(recording: str, client: str, run, tmp_path: Path) -> tuple[Counter, Tracer]:
    """(recorded (method, URL, status) of the recording, the tracer) of one requre replay."""
    src = RECORDINGS / f"{recording}.yaml"
    storage = tmp_path / src.name
    shutil.copy(src, storage)  # requre may rewrite its storage file on exit: never the original
    recording_of = recording_httpx if client == "httpx" else recording_requests
    with Tracer(hosts=[f"forgejo={FORGEJO_HOST}"]) as tracer, recording_of(storage_file=str(storage)), handler("ogr-test"):
        run()
    recorded = Counter((i["request"]["method"], i["request"]["uri"], i["response"]["status"]["code"])
                       for i in import_requre(src, retries=0))
    return recorded, tracer


@pytest.mark.parametrize("recording", sorted(SCENARIOS))
def test_ogrs_tests_replayed_are_seen_with_status_forge_category_and_charge(recording, tmp_path):
    scenario = SCENARIOS[recording]
    forge = recording.split("/")[0]
    recorded, tracer = replay(recording, scenario.client, scenario.run, tmp_path)
    calls = tracer.trace().all_calls()
    traced = Counter((c.method, c.url, c.status) for c in calls)
    assert traced <= recorded  # each call seen is a recorded answer, with its status
    assert all(c.forge == forge and c.attempt == 1 for c in calls)
    view = tracer.trace().on(forge)
    assert [(c.endpoint, c.category, c.charged, c.status) for c in view] == scenario.calls
    assert not view.elsewhere
