"""Baseline files (``test_foo.github-api.yml``) with the plugin run for real: update, check, strict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paths import TESTS
from tracer.budget import BaselineFile


GH_FIXTURE = '''

import requests as _requests
from tracer.capture import redirect_api as _redirect_api


@pytest.fixture
def gh(tiny_api):
    """A requests session; its api.github.com calls are answered by tiny_api."""
    with _redirect_api(tiny_api.url):
        yield _requests.Session()
'''

PIPELINE = """
import pytest
from tracer.capture import handler
API = "https://api.github.com"

def pipeline(gh, statuses):
    gh.get(f"{API}/rate_limit")
    with handler("CoprBuildHandler", event="PR is updated"):
        gh.get(f"{API}/repos/o/r")
        for _ in range(statuses):
            gh.post(f"{API}/repos/o/r/check-runs")

@pytest.mark.github_api_record
def test_pr(gh):
    pipeline(gh, STATUSES)

def test_fixture(gh, github_api_record):
    gh.get(f"{API}/repos/o/r/pulls/1")           # outside the block: not recorded
    with github_api_record() as trace:
        gh.get(f"{API}/repos/o/r/branches/main")
    assert len(trace) == 1
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest((TESTS / "conftest.py").read_text() + GH_FIXTURE)
    return pytester


def write_tests(pytester: pytest.Pytester, statuses: int) -> Path:
    return pytester.makepyfile(test_pipe=f"STATUSES = {statuses}\n" + PIPELINE)


def baseline(pytester: pytest.Pytester) -> Path:
    return pytester.path / "test_pipe.github-api.yml"


def test_update_writes_the_baseline_file(inner):
    write_tests(inner, statuses=2)
    result = inner.runpytest("--github-api-budget=update")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["github-api-budget: baseline mode update", "*GitHub API baselines*", "wrote 2 records to test_pipe.github-api.yml: *"]
    )
    text = baseline(inner).read_text()
    assert text.startswith("# GitHub API calls per test")
    assert yaml.safe_load(text) == {
        "test_pr": {
            "requests": 4,
            "charged": 3,  # GET /rate_limit is free
            "handlers": {
                "(no handler)": {
                    "requests": 1, "charged": 0,
                    "categories": {"other": 1},
                    "endpoints": {"GET /rate_limit": 1},
                },
                "CoprBuildHandler": {
                    "requests": 3, "charged": 3,
                    "categories": {"other": 1, "set_status": 2},
                    "endpoints": {"GET /repos/{owner}/{repo}": 1, "POST /repos/{owner}/{repo}/check-runs": 2},
                },
            },
        },
        "test_fixture": {
            "requests": 1, "charged": 1,
            "handlers": {
                "(no handler)": {
                    "requests": 1, "charged": 1,
                    "categories": {"other": 1},
                    "endpoints": {"GET /repos/{owner}/{repo}/branches/{branch+}": 1},
                }
            },
        },
    }
    # stable: sorted keys, block style; no temporary file left behind
    assert text.index("test_fixture:") < text.index("test_pr:")
    assert "{" not in text.replace("{owner}", "").replace("{repo}", "").replace("{branch+}", "")
    assert sorted(p.name for p in inner.path.iterdir() if p.name.startswith(".test_pipe")) == []


def test_check_mode_passes_against_the_baseline_and_leaves_it_alone(inner):
    write_tests(inner, statuses=2)
    inner.runpytest("--github-api-budget=update").assert_outcomes(passed=2)
    before = baseline(inner).stat().st_mtime_ns, baseline(inner).read_text()
    result = inner.runpytest()  # check is the default
    result.assert_outcomes(passed=2)
    assert "GitHub API baselines" not in result.stdout.str()
    assert (baseline(inner).stat().st_mtime_ns, baseline(inner).read_text()) == before
    inner.runpytest("--github-api-budget=strict").assert_outcomes(passed=2)


def test_an_added_call_fails_check_mode_with_a_diff(inner):
    write_tests(inner, statuses=2)
    inner.runpytest("--github-api-budget=update").assert_outcomes(passed=2)
    recorded = baseline(inner).read_text()
    write_tests(inner, statuses=3)  # one more check run
    result = inner.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "GitHub API calls differ from the baseline record 'test_pr' in *test_pipe.github-api.yml (mode check)",
            "changes:",
            "  CoprBuildHandler / categories / set_status: 2 → 3 (+1)",
            "  CoprBuildHandler / charged: 3 → 4 (+1)",
            "  CoprBuildHandler / endpoints / POST /repos/{owner}/{repo}/check-runs: 2 → 3 (+1)",
            "  CoprBuildHandler / requests: 3 → 4 (+1)",
            "  charged: 3 → 4 (+1)",
            "  requests: 4 → 5 (+1)",
            "--- *test_pipe.github-api.yml (recorded)",
            "+++ this run",
            "@@ *",
            "-        POST /repos/{owner}/{repo}/check-runs: 2",
            "+        POST /repos/{owner}/{repo}/check-runs: 3",
            "*",
            "if the change is intended: pytest --github-api-budget=update, then commit test_pipe.github-api.yml",
        ]
    )
    assert baseline(inner).read_text() == recorded  # check mode never rewrites a differing record
    # update accepts the change, rewriting only the record that differs
    inner.runpytest("--github-api-budget=update").assert_outcomes(passed=2)
    records = BaselineFile(baseline(inner)).load()
    assert records["test_pr"]["handlers"]["CoprBuildHandler"]["categories"]["set_status"] == 3
    assert records["test_fixture"] == yaml.safe_load(recorded)["test_fixture"]
    inner.runpytest().assert_outcomes(passed=2)


def test_strict_mode_fails_on_a_missing_record(inner):
    write_tests(inner, statuses=1)
    result = inner.runpytest("--github-api-budget=strict")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "github-api-budget: baseline mode strict",
            "GitHub API baseline: no record 'test_pr' in *test_pipe.github-api.yml (mode strict)",
            "create it with: pytest --github-api-budget=update, then commit test_pipe.github-api.yml",
            "this run:",
            "test_pr:",
        ]
    )
    assert not baseline(inner).exists()


def test_check_mode_writes_missing_records_and_keeps_the_others(inner):
    write_tests(inner, statuses=1)
    others = {"test_gone": {"requests": 99, "charged": 99, "handlers": {}}}
    baseline(inner).write_text(yaml.safe_dump(others))
    result = inner.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["wrote 2 records to test_pipe.github-api.yml: test_fixture, test_pr"])
    records = BaselineFile(baseline(inner)).load()
    assert set(records) == {"test_gone", "test_pr", "test_fixture"}
    assert records["test_gone"] == others["test_gone"]


def test_the_summary_survives_xdist_and_says_one_record(inner):
    """Under ``-n 2`` each worker writes its records; the controller's summary lists them all."""
    write_tests(inner, statuses=1)
    inner.makepyfile(test_solo="""
        import pytest
        API = "https://api.github.com"

        @pytest.mark.github_api_record
        def test_one(gh):
            gh.get(f"{API}/repos/o/r")
    """)
    result = inner.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*GitHub API baselines*"])
    result.stdout.fnmatch_lines_random([
        "wrote 2 records to test_pipe.github-api.yml: test_fixture, test_pr",
        "wrote 1 record to test_solo.github-api.yml: test_one",
    ])
    assert set(BaselineFile(baseline(inner)).load()) == {"test_pr", "test_fixture"}


def test_record_names_repeats_classes_and_parameters(inner):
    inner.makepyfile(
        test_names="""
        import pytest
        API = "https://api.github.com"

        def test_many(gh, github_api_record):
            with github_api_record("opened"):
                gh.get(f"{API}/repos/o/r")
            with github_api_record():
                gh.get(f"{API}/repos/o/r/pulls/1")
            with github_api_record():
                pass

        class TestGroup:
            @pytest.mark.parametrize("n", [1, 2])
            @pytest.mark.github_api_record
            def test_param(self, gh, n):
                for _ in range(n):
                    gh.post(f"{API}/repos/o/r/check-runs")

        @pytest.mark.github_api_record("named")
        def test_marker_named(gh):
            pass

        def test_same_name_twice(github_api_record):
            with github_api_record("x"):
                pass
            with github_api_record("x"):
                pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*UsageError: github_api_record: record name 'x' used twice in test_names.py::test_same_name_twice"])
    records = BaselineFile(inner.path / "test_names.github-api.yml").load()
    assert sorted(records) == [
        "TestGroup.test_param[1]", "TestGroup.test_param[2]",
        "test_many", "test_many.2", "test_many.opened", "test_marker_named.named",
    ]  # not test_same_name_twice.x: that test failed, so it writes nothing
    assert records["test_many.opened"]["requests"] == 1
    assert records["test_many.2"] == {"requests": 0, "charged": 0, "handlers": {}}
    assert records["TestGroup.test_param[2]"]["handlers"]["(no handler)"]["categories"] == {"set_status": 2}


def test_malformed_baseline_file_is_named(inner):
    write_tests(inner, statuses=1)
    baseline(inner).write_text("- just\n- a list\n")
    result = inner.runpytest()
    result.assert_outcomes(passed=0, failed=2)
    result.stdout.fnmatch_lines(
        ["*test_pipe.github-api.yml: not a GitHub API baseline file (expected a mapping of record name → record)"]
    )


def test_unknown_mode_is_a_usage_error(inner):
    write_tests(inner, statuses=1)
    result = inner.runpytest("--github-api-budget=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--github-api-budget: invalid choice: 'sometimes' (choose from *check*update*strict*)"])


def test_no_baseline_is_written_for_a_failing_or_interrupted_test(inner):
    """A record compared inside a test that then fails, errors in teardown, xfails or is
    interrupted is never written; the passing test's record is."""
    inner.makepyfile(
        test_pipe="""
        import pytest
        API = "https://api.github.com"

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown fails")

        def test_fails_after_the_block(gh, github_api_record):
            with github_api_record():
                gh.get(f"{API}/repos/o/r")
            assert False, "the test fails after its record was compared"

        @pytest.mark.github_api_record
        def test_marker_fails(gh):
            gh.get(f"{API}/repos/o/r")
            raise AssertionError("the body fails")

        @pytest.mark.github_api_record
        def test_teardown_errors(gh, broken_teardown):
            gh.get(f"{API}/repos/o/r")

        @pytest.mark.xfail(strict=True)
        @pytest.mark.github_api_record
        def test_xfails(gh):
            gh.get(f"{API}/repos/o/r")
            assert False

        @pytest.mark.github_api_record
        def test_passes(gh):
            gh.get(f"{API}/repos/o/r/pulls/1")
        """
    )
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=2, errors=1, xfailed=1)
    assert sorted(yaml.safe_load(baseline(inner).read_text())) == ["test_passes"]

    inner.makepyfile(
        test_pipe="""
        import pytest
        API = "https://api.github.com"

        @pytest.mark.github_api_record
        def test_interrupted(gh):
            gh.get(f"{API}/repos/o/r")
            raise KeyboardInterrupt
        """
    )
    baseline(inner).unlink()
    result = inner.runpytest_subprocess("-p", "no:randomly")  # in process, the interrupt would reach us
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not baseline(inner).exists()


def test_unittest_testcases_get_budgets_records_and_cassette_messages(inner):
    """Markers on ``unittest.TestCase`` methods (and classes) act as on functions: the same
    budget failure, no record for a failing test, the plugin's own cassette-miss message."""
    cassettes = inner.path / "cassettes" / "test_pipe"
    cassettes.mkdir(parents=True)
    (cassettes / "T.test_cassette_miss.yaml").write_text("interactions: []\nversion: 1\n")
    inner.makepyfile(
        test_pipe="""
        import unittest
        import pytest
        import requests
        from tracer.capture import redirect_api
        API = "https://api.github.com"

        class T(unittest.TestCase):
            def setUp(self):
                self.tiny = None

            @pytest.mark.github_api_budget(max_total=1, set_status=0)
            def test_over_budget(self):
                with redirect_api(self.url):
                    requests.get(f"{API}/repos/o/r")
                    requests.post(f"{API}/repos/o/r/check-runs")

            @pytest.mark.github_api_record
            def test_failing_record(self):
                with redirect_api(self.url):
                    requests.get(f"{API}/repos/o/r")
                self.fail("the test itself fails")

            @pytest.mark.github_api_record
            def test_passing_record(self):
                with redirect_api(self.url):
                    requests.get(f"{API}/repos/o/r")

            @pytest.mark.github_api_cassette
            def test_cassette_miss(self):
                requests.get(f"{API}/repos/o/r")

        @pytest.fixture(autouse=True)
        def _url(request, tiny_api):
            if request.cls is not None:
                request.cls.url = tiny_api.url
        """
    )
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*T.test_cassette_miss*",
            "GitHub API cassette has no answer for 1 request at test_pipe.py:*",
            "*T.test_over_budget*",
            "GitHub API budget exceeded at test_pipe.py:*",
            "set_status*== 0*1*1 over",
            "total*<= 1*2*1 over",
        ]
    )
    assert "CannotOverwriteExistingCassetteException" not in result.stdout.str()
    assert sorted(yaml.safe_load(baseline(inner).read_text())) == ["T.test_passing_record"]
