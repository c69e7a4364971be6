"""The house's shape: the tracer library never imports the packit study, nothing imports the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from imports import imports_of
from paths import ROOT

PACKAGE = ROOT / "tracer"
#: the generic library: it knows GitHub, never packit
LIBRARY = ["capture", "recording", "budget", "live", "pytest_plugin.py", "registry.py", "errors.py", "datafile.py", "__init__.py"]


def files(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        p = PACKAGE / part
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


def offenders(sources: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {m}" for p in sources for m in sorted(imports_of(p))
            if m == forbidden or m.startswith(forbidden)]


def test_the_library_never_imports_the_study_or_the_cli() -> None:
    assert files(*LIBRARY), "the library's files are where this test looks"
    assert offenders(files(*LIBRARY), ("tracer.packit", "tracer.cli")) == []


def test_the_study_never_imports_the_cli() -> None:
    assert offenders(files("packit"), ("tracer.cli",)) == []


def test_the_check_sees_an_offending_import(tmp_path: Path) -> None:
    bad = PACKAGE / "capture" / "_layout_probe.py"
    bad.write_text("from tracer.packit.model import Scenario\n")
    try:
        assert offenders([bad], ("tracer.packit",)) == ["tracer/capture/_layout_probe.py imports tracer.packit.model",
                                                        "tracer/capture/_layout_probe.py imports tracer.packit.model.Scenario"]
    finally:
        bad.unlink()


def test_using_the_library_loads_no_study_code() -> None:
    # the study's rules and label table reach the library as data (tracer/registry.py): only the
    # study's package markers are imported to find them, never a module with code
    code = ("import sys, requests; from tracer.capture import Tracer, Rules, handler; from tracer.live.labels import Labels;"
            "from tracer import budget, recording\n"
            "Rules.default(); Labels.load('packit-service')\n"
            "with Tracer() as t, handler('H'):\n"
            "    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('tracer.packit')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert eval(out) == ["tracer.packit", "tracer.packit.live"]  # noqa: S307 - our own subprocess's list
    for marker in ("packit/__init__.py", "packit/live/__init__.py"):
        body = ast.parse((PACKAGE / marker).read_text()).body
        assert [type(n) for n in body] == [ast.Expr], f"tracer/{marker} holds only its docstring"


def compile_warnings(path: Path) -> list[str]:
    """What compiling one file warns about (an invalid escape in a docstring, say): a fresh clone
    compiles every file, and its users would see these on their first import."""
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {w.message}" for w in seen]


def test_every_file_compiles_without_a_warning() -> None:
    sources = files(".") + sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    assert [w for p in sources for w in compile_warnings(p)] == []


def test_the_compile_check_sees_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "escape.py"
    bad.write_text('"""a :class:`Measurement`\\ s"""\n')
    assert any("invalid escape sequence" in w for w in compile_warnings(bad))
