"""Start the real worker in packit-service's own interpreter, one fresh process per run.

packit-service is not a dependency of api-tracer: it lives in an environment of its own
(``.ci/packit-service-env`` builds one), with api-tracer's dependencies beside it. This module
finds that interpreter and runs ``python -m tracer.packit.realworker MODE`` there, this
api-tracer's code first on its path, a JSON request on stdin and a JSON answer on stdout::

    python = packit_python(None)                       # --python, $API_TRACER_PACKIT_PYTHON, or this one
    answer = run_child("record", {"out": "runs/real-3ch", "knobs": {"chroots": 3}}, python)
    replay_in_child("runs/real-3ch", python=python)    # {"trace": {...}}

A child's one-line error comes back as the same error class (exit 2 for bad input); its own
output (packit-service's logs) is kept in a file named in the error when it failed otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracer.errors import DataError, TracerError, UsageError

#: the environment variable that names packit-service's interpreter
PYTHON_ENV = "API_TRACER_PACKIT_PYTHON"
#: what packit-service imports that api-tracer never needs: present, this interpreter will do
_PACKIT_DEPS = ("packit", "celery", "sqlalchemy", "copr", "psycopg2", "lazy_object_proxy")
_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds api-tracer's package `tracer`
_ERRORS: dict[str, type[TracerError]] = {"usage": UsageError, "data": DataError}


def has_packit_deps() -> bool:
    """Whether this interpreter can import packit-service's dependencies."""
    return all(importlib.util.find_spec(name) is not None for name in _PACKIT_DEPS)


def packit_python(python: str | None = None) -> str:
    """packit-service's interpreter: ``python``, else ``$API_TRACER_PACKIT_PYTHON``, else this one
    when it has packit-service's dependencies; a one-line UsageError says how to get one."""
    chosen = python or os.environ.get(PYTHON_ENV)
    if chosen:
        path = shutil.which(chosen) or chosen
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise UsageError(f"{chosen}: not an executable Python (--python or ${PYTHON_ENV})")
        return path
    if has_packit_deps():
        return sys.executable
    raise UsageError(
        "packit-service's dependencies are not importable here: build its environment with "
        f".ci/packit-service-env DIR and pass --python DIR/bin/python (or set {PYTHON_ENV})"
    )


def run_child(mode: str, request: Mapping[str, Any], python: str) -> dict[str, Any]:
    """Run ``mode`` (record, replay) in a fresh packit-service process; its answer, or its error."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.NamedTemporaryFile("w+", prefix=f"api-tracer-{mode}-", suffix=".log", delete=False) as log:
        proc = subprocess.run([python, "-m", "tracer.packit.realworker", mode], input=json.dumps(dict(request)),
                              stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=str(_ROOT))
    lines = proc.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "error" in answer:
        kind = str(answer.get("kind"))
        if kind in _ERRORS:
            os.unlink(log.name)
            raise _ERRORS[kind](str(answer["error"]))
        raise RuntimeError(f"{answer['error']} (the traceback: {log.name})")
    if proc.returncode != 0 or not isinstance(answer, dict):
        with open(log.name, errors="replace") as f:
            tail = [line for line in f.read().splitlines() if line.strip()][-1:] or ["(no output)"]
        raise DataError(f"the packit-service {mode} process failed (exit {proc.returncode}): {tail[0][:300]} "
                        f"(its output: {log.name})")
    os.unlink(log.name)
    return answer


def replay_in_child(run: str | Path, *, python: str | None = None, refresh: bool = False,
                    source: str | None = None, database: str | None = None) -> dict[str, Any]:
    """Replay a real run in a fresh packit-service process; ``refresh`` writes its call records."""
    if python is None:
        python = packit_python(None)
    request = {"run": str(run), "refresh": refresh, "source": source, "database": database}
    return run_child("replay", request, python)
