"""The real packit-service at bc1f66bb (2023-02-08, the published model's "C") in its own era's
environment (``.ci/packit-service-bc1f66bb.txt``; ``$API_TRACER_PACKIT_PYTHON_C``, built in CI).

What must hold: the whole PR pipeline runs (34 tasks at 3 chroots, the reference worker's steps)
and asks GitHub what the reference worker's profile C asks, per event, handler and endpoint, but
for one call. The Copr build handler creates the PR's Copr project (the loopback Copr starts
without it, as for a PR's first build), and packit 0.67's ``CoprHelper.create_copr_project``
puts ``upstream_local_project.git_url`` into the project's instructions: that builds the
LocalProject, which clones the repository (the loopback git remote) and merges the PR into its
target branch, reading the target with ``get_pr`` (GET pulls/{n}) once more. The reference worker
does not model that clone: it is the one that is wrong (one request short at C, for a PR whose
Copr project does not exist yet).
"""

from __future__ import annotations

from collections import Counter

import pytest

from real_packit import ERA_C, packit_python_c, unpack
from tracer.capture import Trace
from tracer.packit.realworker.gitremote import GIT_FILE
from tracer.packit.worker.loopback_run import run_on_loopback
from tracer.packit.worker.pipeline import Pipeline
from tracer.recording.manifest import Manifest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

#: what the real packit-service asks beyond the reference worker (see the module docstring)
MERGE_PR_GET_PR = ("Submit Copr build", "CoprBuildHandler", "GET /repos/{owner}/{repo}/pulls/{pull_number}")


def test_bc1f66bb_pipeline_equals_reference_but_the_clones_get_pr(tmp_path):
    from tracer.packit.realworker import record_real, replay_real

    python = packit_python_c()
    source = unpack(ERA_C, tmp_path)
    run = tmp_path / "real-c-3ch"
    answer = record_real(run, {"chroots": 3}, source=source, profile="C", python=python)
    manifest = Manifest.load(run)
    assert manifest.worker["source"]["label"] == f"packit-service@{ERA_C}"
    assert (run / GIT_FILE).is_file() and manifest.worker["service_config"]["command_handler_work_dir"] == "(the world's)"
    reference = run_on_loopback("C", {"chroots": 3}).trace
    steps = [(e.event, e.handler, e.chroot) for e in manifest.cassettes]
    assert len(steps) == 34
    assert steps == [(s.event, s.handler, s.chroot) for s in Pipeline("C", {"chroots": 3}).steps()]
    trace = Trace.from_json(answer["trace"], str(run))
    for measure in ("requests", "charged"):
        real = Counter({k: v for k, v in trace.count_by("event", "handler", "endpoint", measure=measure).items() if v})
        ref = Counter({k: v for k, v in reference.count_by("event", "handler", "endpoint", measure=measure).items() if v})
        assert real - ref == Counter({MERGE_PR_GET_PR: 1}) and not ref - real, f"{measure}: real {real} reference {ref}"
    # the reference's profile C: 147 requests at 3 chroots, all charged (a token run); the real one asks one more
    assert (reference.requests, reference.charged) == (147, 147)
    assert (trace.requests, trace.charged) == (148, 148)
    # the recording's replay (a fresh process, the git remote built again from git-remote.json) agrees
    replayed = replay_real(run, python=python).trace
    assert replayed.count_by("event", "handler", "endpoint") == trace.count_by("event", "handler", "endpoint")
