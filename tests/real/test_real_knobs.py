"""The knobs both workers share give the same calls, per event and endpoint, on both workers.

Every knob that is packit-service configuration, repository content or event content
(``real=`` in the knob's declaration, :mod:`tracer.packit.knobs`) is a factor; the rows cover every pair of
values of any two factors (a covering array, greedy: about a dozen real recordings). A row whose
calls differ fails with the per-event, per-endpoint diff. A genuine disagreement is a test of its
own below, naming the behaviour and which worker is wrong (its combinations are left out of the
array).
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from tracer.capture import Trace
from tracer.packit.realworker.config import configurable
from tracer.packit.worker.loopback_run import run_on_loopback

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

FACTORS: dict[str, tuple[Any, ...]] = {
    "chroots": (1, 2),
    "tests": (True, False),
    "config_file": (".packit.yaml", "packit.yaml"),
    "spec_search": (True, False),
    "fmf": (True, False),
    # "outside" (a sender who is not the PR's author) is the disagreement below
    "contributor": ("collaborator", "outside_author"),
    "permission": ("read", "write", "admin"),
    "admin": (False, True),
    "success_comment": (False, True),
    "auth": ("token", "app"),
    "build_flags_only": (False, True),
    "osh_scan": (True, False),
    "pr_action": ("opened", "synchronize"),
}


def all_pairs(factors: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows in which every pair of values of any two factors occurs (greedy, deterministic)."""
    names = list(factors)
    pairs = list(itertools.combinations(names, 2))
    uncovered = {((a, va), (b, vb)) for a, b in pairs for va in factors[a] for vb in factors[b]}
    candidates = [dict(zip(names, values)) for values in itertools.product(*factors.values())]
    rows = []
    while uncovered:
        best = max(candidates, key=lambda row: sum(((a, row[a]), (b, row[b])) in uncovered for a, b in pairs))
        rows.append(best)
        uncovered -= {((a, best[a]), (b, best[b])) for a, b in pairs}
    return rows


ROWS = all_pairs(FACTORS)


def test_the_factors_are_the_shared_knobs():
    """Every knob the real worker takes as configuration is a factor (a new knob joins the array)."""
    assert sorted(FACTORS) == sorted(configurable())


def _row_id(row: dict[str, Any]) -> str:
    return "-".join(str(v) if not isinstance(v, bool) else (k if v else f"no-{k}") for k, v in row.items())


def _diff(real: Trace, reference: Trace) -> str:
    lines = []
    for measure in ("requests", "charged"):
        a, b = real.count_by("event", "endpoint", measure=measure), reference.count_by("event", "endpoint", measure=measure)
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key, 0) != b.get(key, 0):
                lines.append(f"  {measure:8}  {key[0]:20}  {key[1]:62}  real {a.get(key, 0):3}  reference {b.get(key, 0):3}")
    return "\n".join(lines)


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_same_calls_as_the_reference_worker(row, head_source, python, tmp_path):
    from tracer.packit.realworker import record_real

    answer = record_real(tmp_path / "run", row, source=head_source, python=python, replay=False)
    real = Trace.from_json(answer["trace"], "real")
    reference = run_on_loopback("HEAD", row).trace
    diff = _diff(real, reference)
    assert not diff, f"the workers differ, per event and endpoint:\n{diff}"


def test_disagreement_pr_actor_is_the_author_the_reference_worker_is_wrong(head_source, python, tmp_path):
    """packit-service takes a PR event's actor from ``pull_request.user.login`` (the PR's author;
    ``Parser.parse_pr_event`` at both commits), not from the webhook's ``sender``. The reference
    worker reads the sender, so for ``contributor: outside`` (trudy pushes to mallory's PR) it
    refuses the pipeline after process_message, where packit-service checks mallory, the author,
    and runs the whole pipeline. The reference worker is wrong; this test fails once it is fixed."""
    from tracer.packit.realworker import record_real

    knobs = {"chroots": 1, "contributor": "outside"}
    answer = record_real(tmp_path / "run", knobs, source=head_source, python=python, replay=False)
    real = Trace.from_json(answer["trace"], "real")
    reference = run_on_loopback("HEAD", knobs).trace
    real_handlers = Counter(c.handler for c in real)
    ref_handlers = Counter(c.handler for c in reference)
    assert set(ref_handlers) == {"process_message"}  # the reference: refused, nothing sent
    assert {"CoprBuildHandler", "TestingFarmResultsHandler"} <= set(real_handlers)  # packit-service: the whole pipeline
    # the permission it checks is the author's
    checked = {c.url.rsplit("/", 2)[-2] for c in real if c.endpoint.endswith("/permission")}
    assert checked == {"mallory"}
