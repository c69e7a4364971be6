"""The real packit-service at bc1f66bb (2023-02-08, the published model's "C") in its own era's
environment (``.ci/packit-service-bc1f66bb.txt``; ``$API_TRACER_PACKIT_PYTHON_C``, not built in CI).

What must hold: the PR webhook's tasks run (process_message, CoprBuildHandler, TestingFarmHandler)
and ask GitHub exactly what the reference worker's profile C asks for that event, per handler and
endpoint. The pipeline stops there today: the Copr build handler clones the repository with git
(``LocalProject``, not the REST API) and the loopback world has no git remote, so no Copr build is
submitted and no later event comes (the pin list's comment says what would unblock it).
"""

from __future__ import annotations

import pytest

from real_packit import ERA_C, packit_python_c, unpack
from tracer.capture import Trace
from tracer.packit.worker.loopback_run import run_on_loopback
from tracer.recording.manifest import Manifest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

FIRST_EVENT = "PR is updated"


def test_bc1f66bb_first_event_equals_reference(tmp_path):
    from tracer.packit.realworker import record_real

    python = packit_python_c()
    source = unpack(ERA_C, tmp_path)
    run = tmp_path / "real-c-3ch"
    answer = record_real(run, {"chroots": 3}, source=source, profile="C", python=python)
    manifest = Manifest.load(run)
    assert manifest.worker["source"]["label"] == f"packit-service@{ERA_C}"
    # the first event's three tasks ran; the git clone of the Copr build submission ends the pipeline
    assert [(e.event, e.handler) for e in manifest.cassettes] == [
        (FIRST_EVENT, "process_message"), ("Submit Copr build", "CoprBuildHandler"),
        ("Submit Copr build", "TestingFarmHandler")]
    trace = Trace.from_json(answer["trace"], str(run))
    reference = run_on_loopback("C", {"chroots": 3}).trace
    events = {e.event for e in manifest.cassettes}
    for measure in ("requests", "charged"):
        real = {k: v for k, v in trace.count_by("event", "handler", "endpoint", measure=measure).items() if v}
        ref = {k: v for k, v in reference.count_by("event", "handler", "endpoint", measure=measure).items()
               if k[0] in events and v}
        assert real == ref, f"{measure}: real {real} reference {ref}"
    # process_message 6 + 2N, CoprBuildHandler 2 + 2N, TestingFarmHandler 0 (the design note, N = 3)
    assert (trace.requests, trace.charged) == (20, 20)
