"""The public face: a small curated ``tracer.__all__``, each name documented with an example, and
``import tracer`` importing nothing until a name is used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tracer
from paths import ROOT

sys.path.insert(0, str(ROOT / "docs"))
import hooks  # noqa: E402 - the mkdocs hook that fails the strict docs build


def test_the_public_api_is_small_and_every_name_resolves() -> None:
    assert 10 <= len(tracer.__all__) <= 16
    assert len(set(tracer.__all__)) == len(tracer.__all__)
    for name in tracer.__all__:
        assert getattr(tracer, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'Classifier'"):
        tracer.Classifier  # noqa: B018 - internal: not at the root


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    assert hooks.missing_examples() == []


@pytest.mark.parametrize(("doc", "has_example"), [
    ("Trace a block.\n\n>>> t.trace()\n", True),
    ("Trace a block::\n\n    with tracer.Tracer(): ...\n", True),
    ("Trace a block.\n\nSee the README.", False),
    ("Trace a block::", False),
    ("", False),
])
def test_the_docs_check_tells_an_example_from_none(doc: str, has_example: bool) -> None:
    assert bool(hooks._EXAMPLE.search(doc)) is has_example  # noqa: SLF001 - the check itself


def test_import_tracer_loads_no_submodule() -> None:
    code = "import sys, tracer; print(sorted(m for m in sys.modules if m.startswith('tracer.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_api_reference_lists_every_public_name() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    for name in tracer.__all__:
        assert f".{name}\n" in page, name
