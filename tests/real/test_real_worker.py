"""The real packit-service (b828c3d7, from the archive in ../shared) through a whole PR pipeline.

Recorded through ``api-tracer record --worker packit-service`` in packit-service's own
environment (``$API_TRACER_PACKIT_PYTHON``, built by ``.ci/packit-service-env``) against the
loopback GitHub, Copr, Testing Farm and releases, a throwaway PostgreSQL and Redis. What must hold:

- at 1, 3 and 5 chroots, per event and handler, its requests and charged calls equal the loopback
  GitHub's own count (read from the server), and per event, handler and endpoint the reference
  worker's with the same knobs; the totals are the design note's 15 + 32·N and 11 + 27·N;
- a run replays offline (sockets beyond loopback refused) to the same trace, twice, and to its
  call records;
- ``api-tracer drift`` reads a real run like any other.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tracer.capture import Trace
from tracer.cli import main
from tracer.packit.worker.loopback_run import run_on_loopback
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")


def _shape(trace: Trace) -> list[tuple[Any, ...]]:
    """Every call of a trace, GitHub's and other hosts', as what it was (durations aside)."""
    return [(c.seq, c.handler, c.event, c.invocation, c.method, c.url, c.route, c.category, c.charged, c.status,
             c.call_site, c.logical, c.attempt, c.auth, c.host) for c in trace.all_calls()]


def _server_by_step(run: Path, answer: dict[str, Any]) -> tuple[Counter[Any], Counter[Any]]:
    """The loopback GitHub's own count, per (event, handler): requests and charged."""
    steps = {e.step: (e.event, e.handler) for e in Manifest.load(run).cassettes}
    requests: Counter[Any] = Counter()
    charged: Counter[Any] = Counter()
    for row in answer["server"]:
        requests[steps[row["step"]]] += row["requests"]
        charged[steps[row["step"]]] += row["charged"]
    return requests, charged


@pytest.mark.parametrize("n", [1, 3, 5])
def test_head_equals_server_and_reference(real_runs, n):
    run, answer = real_runs[n]
    trace = Trace.from_json(answer["trace"], str(run))
    requests, charged = _server_by_step(run, answer)
    # the tracer's count per event and handler is the server's own
    assert +trace.count_by("event", "handler") == +requests
    assert +trace.count_by("event", "handler", measure="charged") == +charged
    # and the reference worker's, per event, handler and endpoint
    reference = run_on_loopback("HEAD", {"chroots": n}).trace
    for measure in ("requests", "charged"):
        real_counts = trace.count_by("event", "handler", "endpoint", measure=measure)
        ref_counts = reference.count_by("event", "handler", "endpoint", measure=measure)
        diff = {k: (real_counts.get(k, 0), ref_counts.get(k, 0)) for k in set(real_counts) | set(ref_counts)
                if real_counts.get(k, 0) != ref_counts.get(k, 0)}
        assert not diff, f"{measure} (real, reference) per event, handler, endpoint: {diff}"
    # the design note's totals for HEAD
    assert (trace.requests, trace.charged) == (15 + 32 * n, 11 + 27 * n)


def test_replay_is_offline_and_the_same_twice(real_runs, python):
    from tracer.packit.realworker import replay_real

    run, answer = real_runs[3]
    first = replay_real(run, python=python)
    second = replay_real(run, python=python)
    assert _shape(first.trace) == _shape(second.trace)
    recorded = Trace.from_json(answer["trace"], "recorded")
    assert first.trace.count_by("handler", "event", "endpoint") == recorded.count_by("handler", "event", "endpoint")
    stored, _ = callrecords.read(run)
    assert _shape(stored) == _shape(first.trace)
    # the replay went through the real worker (packit-service's tasks), not the reference one
    assert Manifest.load(run).worker["source"]["label"] == "packit-service@b828c3d7"


def test_run_folder_is_a_run(real_runs, capsys):
    """drift and stats read a real run as any other; its manifest says what ran."""
    run, answer = real_runs[3]
    manifest = Manifest.load(run)
    assert manifest.profile == "packit-service@b828c3d7" and manifest.knobs["chroots"] == 3
    assert [e.handler for e in manifest.cassettes][:3] == ["process_message", "CoprBuildHandler", "TestingFarmHandler"]
    assert manifest.worker["sent_not_run"][0]["task"] == "task.babysit_copr_build"
    incoming = json.loads((run / "incoming.json").read_text())
    assert [i["event"] for i in incoming][:3] == ["PR is updated", "SRPM build started", "SRPM build finished"]
    assert main(["drift", str(run), "--format", "json"]) == 1  # the model drifts
    totals = json.loads(capsys.readouterr().out)["runs"][0]["totals"]["total"]
    assert (totals["model"], totals["requests"], totals["charged"]) == (48, 111, 92)
