"""What the real-worker tests need: packit-service's source from ../shared and its interpreter.

- :func:`packit_source`: the archive ``../shared/realdata/packit-service-src/packit-service-<commit>.tar.gz``
  unpacked once per session (the tests skip, saying why, where ../shared is absent);
- :func:`packit_python`: ``$API_TRACER_PACKIT_PYTHON`` or this interpreter when it has packit-service's
  dependencies (else a skip naming ``.ci/packit-service-env``).

With ``API_TRACER_REQUIRE_REAL=1`` (CI) a missing piece fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from paths import SHARED

ARCHIVES = SHARED / "realdata" / "packit-service-src"
HEAD = "b828c3d7"


def _missing(why: str) -> None:
    if os.environ.get("API_TRACER_REQUIRE_REAL") == "1":
        pytest.fail(f"{why} (API_TRACER_REQUIRE_REAL=1: CI runs the real packit-service)", pytrace=False)
    pytest.skip(why)


def unpack(commit: str, into: Path) -> Path:
    """The archive of ``commit`` unpacked under ``into`` (once): the packit-service-<commit>/ folder."""
    archive = ARCHIVES / f"packit-service-{commit}.tar.gz"
    if not SHARED.is_dir():
        _missing(f"needs ../shared (packit-service's source archives), absent at {SHARED}")
    if not archive.is_file():
        _missing(f"needs {archive} (packit-service's source at {commit})")
    target = into / f"packit-service-{commit}"
    if not target.is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")
    return target


def packit_python() -> str:
    from tracer.packit.realworker.launch import PYTHON_ENV, has_packit_deps

    chosen = os.environ.get(PYTHON_ENV)
    if chosen:
        if not os.access(chosen, os.X_OK):
            _missing(f"${PYTHON_ENV}={chosen} is not an executable Python")
        return chosen
    if has_packit_deps():
        import sys

        return sys.executable
    _missing(f"needs packit-service's environment: build it with .ci/packit-service-env DIR and set "
             f"{PYTHON_ENV}=DIR/bin/python")
    raise AssertionError("unreachable")


#: the one-line change a packit-service developer might make: one more GitHub call (GET pulls/{n})
#: in CoprBuildHandler._run, once per pipeline ("Submit Copr build")
CHANGED_FILE = "packit_service/worker/handlers/copr.py"
CHANGED_LINE = "        return self.copr_build_helper.run_copr_build_from_source_script()\n"
ADDED_LINE = "        self.project.get_pr(self.data.pr_id)  # one more GitHub call\n"


def add_one_call(root: Path) -> None:
    """The one-line change, applied to the packit-service source at ``root``."""
    path = root / CHANGED_FILE
    text = path.read_text()
    assert text.count(CHANGED_LINE) == 1, f"{path}: the line to change is not there once"
    path.write_text(text.replace(CHANGED_LINE, ADDED_LINE + CHANGED_LINE))


#: packit-service's commit of 2023-02-08 (the published model's "C"), and the variable naming its interpreter
ERA_C = "bc1f66bb"
PYTHON_C_ENV = "API_TRACER_PACKIT_PYTHON_C"


def packit_python_c() -> str:
    """``$API_TRACER_PACKIT_PYTHON_C``: an environment built from ``.ci/packit-service-bc1f66bb.txt``
    (older ogr, PyGithub, Celery, SQLAlchemy); CI builds it beside b828c3d7's."""
    chosen = os.environ.get(PYTHON_C_ENV)
    if not chosen:
        _missing(f"needs packit-service {ERA_C}'s own environment: build it with .ci/packit-service-env DIR "
                 f"{ERA_C} and set {PYTHON_C_ENV}=DIR/bin/python")
    if not os.access(chosen, os.X_OK):
        pytest.fail(f"${PYTHON_C_ENV}={chosen} is not an executable Python", pytrace=False)
    return chosen
