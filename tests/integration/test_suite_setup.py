"""The project's own test command: what it prints so that a failure can be repeated."""

from __future__ import annotations

import pytest

from paths import TESTS


def test_the_random_seed_is_printed_under_q(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS")  # the pytester fixture turns random order off: on again
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest("-q", "-p", "randomly", "--randomly-seed=1234")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["random order: repeat it with --randomly-seed=1234"])
    result = pytester.runpytest("-q", "-p", "no:randomly")
    assert "random order" not in result.stdout.str()
