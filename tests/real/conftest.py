"""Session fixtures of the real-worker tests: packit-service's source from ../shared (unpacked
once), its interpreter, and the runs several tests read (each recording is ~20 s of work)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from real_packit import HEAD, add_one_call, packit_python, unpack

@pytest.fixture(scope="session")
def head_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(HEAD, tmp_path_factory.mktemp("packit-src"))


@pytest.fixture(scope="session")
def changed_source(head_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of HEAD's source with the one-line change."""
    copy = tmp_path_factory.mktemp("packit-changed") / f"packit-service-{HEAD}-changed"
    shutil.copytree(head_source, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "tests_openshift"))
    add_one_call(copy)
    return copy


@pytest.fixture(scope="session")
def python() -> str:
    return packit_python()


@pytest.fixture(scope="session")
def real_runs(head_source: Path, python: str, tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict[str, Any]]]:
    """HEAD at 1, 3 and 5 chroots, recorded (and, as every recording, replayed for its records)."""
    from tracer.packit.realworker import record_real

    out = tmp_path_factory.mktemp("real-runs")
    runs = {}
    for n in (1, 3, 5):
        answer = record_real(out / f"real-{n}ch", {"chroots": n}, source=head_source, python=python)
        runs[n] = (out / f"real-{n}ch", answer)
    return runs
