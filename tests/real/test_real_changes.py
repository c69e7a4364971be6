"""A packit-service change that adds one GitHub call, caught on packit-service's own code.

- ``api-tracer compare`` on the real runs before and after a one-line change (one more
  ``get_pr`` in ``CoprBuildHandler._run``) names that handler, event and endpoint and exits 1;
  on two identical runs it says "no change" and exits 0;
- the ``packit_pipeline`` fixture, from a test file inside a packit-service checkout (the
  README's), passes at the measured numbers and fails with a per-handler diff after the change.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest

from real_packit import add_one_call
from tracer.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: the test file a packit-service maintainer adds (the README shows it)
MAINTAINER_TEST = textwrap.dedent('''
    """GitHub API calls of one PR pipeline, on packit-service's own code (api-tracer)."""


    def test_pr_pipeline_github_api(packit_pipeline, github_api_budget, github_api_record):
        trace = packit_pipeline(chroots=3)
        github_api_record.check(trace)  # per handler and endpoint: test_github_api.github-api.yml
        github_api_budget.check(trace, max_total=111)
        github_api_budget.check(trace, max_total=92, measure="charged")
''')


def test_compare_names_the_added_call(real_runs, changed_source, python, tmp_path, capsys):
    from tracer.packit.realworker import record_real

    before, _ = real_runs[3]
    after = tmp_path / "real-3ch-changed"
    record_real(after, {"chroots": 3}, source=changed_source, python=python)
    assert main(["compare", str(before), str(after)]) == 1
    out = capsys.readouterr().out
    changed = [line for line in out.splitlines() if "1 → 2 (+1)" in line]
    assert len(changed) == 1, out
    assert changed[0].split()[:4] == ["CoprBuildHandler", "Submit", "Copr", "build"]
    assert "GET /repos/{owner}/{repo}/pulls/{pull_number}" in changed[0]
    assert "requests 111 → 112 (+1), charged 92 → 93 (+1); 1 call(s) added, 0 removed" in out
    assert main(["compare", str(before), str(after), "--tolerance", "1"]) == 0
    capsys.readouterr()
    assert main(["compare", str(before), str(before)]) == 0
    assert "no change: 111 requests (92 charged)" in capsys.readouterr().out


def test_fixture_in_a_checkout(head_source, python, pytester):
    checkout = pytester.path
    shutil.copytree(head_source / "packit_service", checkout / "packit_service",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (checkout / "tests").mkdir()
    (checkout / "tests" / "test_github_api.py").write_text(MAINTAINER_TEST)

    first = pytester.runpytest_subprocess("-p", "no:randomly", f"--packit-python={python}", "tests")
    first.assert_outcomes(passed=1)
    baseline = checkout / "tests" / "test_github_api.github-api.yml"
    assert baseline.is_file() and "charged: 92" in baseline.read_text()

    add_one_call(checkout)
    second = pytester.runpytest_subprocess("-p", "no:randomly", f"--packit-python={python}", "tests")
    second.assert_outcomes(failed=1)
    text = second.stdout.str()
    assert f"rootdir: {checkout}" in text  # the checkout's own packit_service ran
    diff = [line for line in text.splitlines() if "GET /repos/{owner}/{repo}/pulls/{pull_number}" in line]
    assert diff and "CoprBuildHandler" in text, text
