"""`api-tracer record` succeeds for combinations of the worker's configuration knobs, and every
recorded run replays exactly.

The knobs: profile (C, HEAD) × chroots (1, 3) × pr_action (3) × permission (4) × fmf × admin ×
success_comment × contributor (3). By default the runs cover every PAIR of values of any two
knobs (a covering array: 15 runs, about 15 s); set API_TRACER_ALL_COMBINATIONS=1 for the full
product of the five configuration knobs at both profiles and both sizes with the collaborator
(384 runs, several minutes). Each run is recorded through the CLI (`main(["record", ...])`),
then replayed offline with the network blocked; the replay must make the requests of every
cassette in order and classify them as the manifest recorded them.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracer.cli import main
from tracer.recording.manifest import Manifest
from tracer.packit.runs import replay

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FACTORS: dict[str, tuple[Any, ...]] = {
    "profile": ("C", "HEAD"),
    "chroots": (1, 3),
    "pr_action": ("opened", "synchronize", "reopened"),
    "permission": ("none", "read", "write", "admin"),
    "fmf": (True, False),
    "admin": (False, True),
    "success_comment": (False, True),
    "contributor": ("collaborator", "outside", "outside_author"),
}


def all_pairs(factors: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """A small set of rows in which every pair of values of any two factors occurs (greedy:
    each new row is the full combination covering the most pairs not yet covered)."""
    names = list(factors)
    uncovered = {
        ((a, va), (b, vb))
        for a, b in itertools.combinations(names, 2) for va in factors[a] for vb in factors[b]
    }
    candidates = [dict(zip(names, values)) for values in itertools.product(*factors.values())]
    rows = []
    while uncovered:
        best = max(candidates, key=lambda row: sum(
            ((a, row[a]), (b, row[b])) in uncovered for a, b in itertools.combinations(names, 2)))
        rows.append(best)
        uncovered -= {((a, best[a]), (b, best[b])) for a, b in itertools.combinations(names, 2)}
    return rows


def combinations() -> list[dict[str, Any]]:
    if os.environ.get("API_TRACER_ALL_COMBINATIONS") == "1":
        knobs = {k: v for k, v in FACTORS.items() if k != "contributor"}
        return [dict(zip(knobs, values)) for values in itertools.product(*knobs.values())]
    return all_pairs(FACTORS)


def flags(row: dict[str, Any]) -> list[str]:
    out = ["--profile", row["profile"], "--chroots", str(row["chroots"]), "--pr-action", row["pr_action"],
           "--permission", row["permission"], "--fmf" if row["fmf"] else "--no-fmf",
           "--admin" if row["admin"] else "--no-admin",
           "--success-comment" if row["success_comment"] else "--no-success-comment"]
    if "contributor" in row:
        out += ["--contributor", row["contributor"]]
    return out


def row_id(row: dict[str, Any]) -> str:
    return "-".join(f"{v}" if not isinstance(v, bool) else (k if v else f"no-{k}") for k, v in row.items())


ROWS = combinations()


def test_the_covering_array_covers_every_pair() -> None:
    rows = all_pairs(FACTORS)
    for a, b in itertools.combinations(FACTORS, 2):
        seen = {(row[a], row[b]) for row in rows}
        assert seen == set(itertools.product(FACTORS[a], FACTORS[b])), (a, b)
    assert len(rows) <= 18  # 12 is the least possible (permission × pr_action)


@pytest.mark.parametrize("row", ROWS, ids=[row_id(r) for r in ROWS])
def test_record_then_replay_exactly(row: dict[str, Any], tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["record", *flags(row), "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"recorded {out}:")
    manifest = Manifest.load(out)
    for knob in ("pr_action", "permission", "fmf", "admin", "success_comment"):
        assert manifest.knobs[knob] == row[knob]
    result = replay(out)
    by_step: dict[int, list[Any]] = {}
    for call in result.trace:
        by_step.setdefault(call.invocation, []).append(call)
    steps = iter(sorted(by_step))
    for entry in manifest.cassettes:
        recorded = yaml.safe_load((out / entry.file).read_text())["interactions"]
        calls = by_step[next(steps)] if entry.interactions else []
        assert [(c.method, c.url) for c in calls] == [
            (i["request"]["method"], i["request"]["uri"]) for i in recorded], entry.file
        assert [c.category for c in calls] == entry.categories, entry.file
    assert result.trace.requests == sum(e.interactions for e in manifest.cassettes)
