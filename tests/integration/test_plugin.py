"""The pytest plugin, run for real with pytester: budgets, markers, scaling, cassettes, bad arguments.

Each inner test run makes real HTTP calls to a loopback JSON server (the ``tiny_api`` fixture of
``tests/conftest.py``, copied into the inner run's conftest) through ``redirect_api``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paths import TESTS
from tracer.recording.cassette_io import dump_cassette


#: the inner run's conftest: tests/conftest.py (tiny_api), plus a session whose
#: https://api.github.com calls reach it
GH_FIXTURE = '''

import requests as _requests
from tracer.capture import redirect_api as _redirect_api

API = "https://api.github.com"


@pytest.fixture
def gh(tiny_api):
    """A requests session; its api.github.com calls are answered by tiny_api."""
    with _redirect_api(tiny_api.url):
        yield _requests.Session()
'''


def inner_conftest() -> str:
    return (TESTS / "conftest.py").read_text() + GH_FIXTURE


def lines_starting(out: str, text: str) -> int:
    """How many lines of a pytest run's output begin with ``text`` (its failure sections, not the
    short summary, whose copy depends on the terminal's width)."""
    return sum(line.startswith(text) for line in out.splitlines())


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(inner_conftest())
    return pytester


# -- the github_api_budget fixture --------------------------------------------------------------
def test_budget_met_passes_and_yields_the_trace(inner):
    inner.makepyfile(
        test_ok="""
        API = "https://api.github.com"

        def test_within(gh, github_api_budget):
            with github_api_budget(max_total=5, set_status=2, other=1) as trace:
                gh.post(f"{API}/repos/o/r/check-runs")
                gh.post(f"{API}/repos/o/r/statuses/abc")
                gh.get(f"{API}/repos/o/r/pulls/1")
                assert len(trace) == 3          # the trace fills while the block runs
            assert [c.category for c in trace] == ["set_status", "set_status", "other"]
            assert trace.calls[2].route == "/repos/{owner}/{repo}/pulls/{pull_number}"
            gh.get(f"{API}/repos/o/r")          # after the block: not counted
            assert len(trace) == 3
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_budget_exceeded_shows_the_table_and_the_extra_calls(inner):
    inner.makepyfile(
        test_over="""
        API = "https://api.github.com"

        def test_over(gh, github_api_budget):
            with github_api_budget(max_set_status=1, max_total=10):
                gh.post(f"{API}/repos/o/r/check-runs")
                gh.get(f"{API}/repos/o/r")
                gh.post(f"{API}/repos/o/r/statuses/abc123")
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "GitHub API budget exceeded at test_over.py:4 (measure: requests)",
            "category*budget*measured*",
            "set_status*<= 1*2*1 over",
            "other*1",
            "total*<= 10*3",
            "calls per handler (requests):",
            "(no handler)*2*1*3",
            "unexpected calls:",
            "  set_status: 2 calls, budget <= 1; the calls beyond the budget:",
            "    #3 POST /repos/{owner}/{repo}/statuses/{sha+} (/repos/o/r/statuses/abc123) → 200,"
            " handler (no handler), at test_over.test_over",
        ]
    )
    # only the exceeded category's extra call is listed, and no traceback is printed
    assert "#1 POST" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str() and "BudgetExceeded" not in result.stdout.str()


def test_exact_budget_fails_on_fewer_calls_too(inner):
    inner.makepyfile(
        test_exact="""
        API = "https://api.github.com"

        def test_fewer(gh, github_api_budget):
            with github_api_budget(total=3):
                gh.get(f"{API}/repos/o/r")
                gh.get(f"{API}/repos/o/r/branches/main")

        def test_equal(gh, github_api_budget):
            with github_api_budget(total=2, load_packit_yaml=0):
                gh.get(f"{API}/repos/o/r")
                gh.get(f"{API}/repos/o/r/branches/main")
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_fewer*",
            "total*== 3*2*1 short",
            "  total: 2 calls, budget == 3; the calls made:",
            "    #1 GET /repos/{owner}/{repo} (/repos/o/r) → 200, handler (no handler), at test_exact.test_fewer",
            "    #2 GET /repos/{owner}/{repo}/branches/{branch+} (/repos/o/r/branches/main) → 200, *",
        ]
    )


def test_budget_per_handler(inner):
    inner.makepyfile(
        test_handlers="""
        from tracer.capture import handler
        API = "https://api.github.com"

        def pipeline(gh):
            with handler("CoprBuildHandler", event="PR is updated"):
                gh.get(f"{API}/repos/o/r")
                gh.post(f"{API}/repos/o/r/check-runs")
            with handler("CoprBuildEndHandler", event="RPM build finished"):
                gh.get(f"{API}/repos/o/r")
                gh.post(f"{API}/repos/o/r/check-runs")
                gh.post(f"{API}/repos/o/r/check-runs")

        def test_copr_build_within(gh, github_api_budget):
            with github_api_budget(total=2, set_status=1, handler="CoprBuildHandler"):
                pipeline(gh)

        def test_build_end_over(gh, github_api_budget):
            with github_api_budget(max_set_status=1, handler="CoprBuildEndHandler"):
                pipeline(gh)

        def test_unknown_handler(gh, github_api_budget):
            with github_api_budget(total=1, handler="TestingFarmHandler"):
                pipeline(gh)
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_build_end_over*",
            "GitHub API budget exceeded at *(measure: requests, handler: CoprBuildEndHandler)",
            "set_status*<= 1*2*1 over",
            "calls per handler (requests):",
            "CoprBuildHandler*1*1*2",
            "CoprBuildEndHandler*2*1*3",
            "    #5 POST /repos/{owner}/{repo}/check-runs (/repos/o/r/check-runs) → 200, handler CoprBuildEndHandler, at *",
            "*test_unknown_handler*",
            "GitHub API budget cannot be checked: its filter matches no call at test_handlers.py:22"
            " (measure: requests, handler: TestingFarmHandler)",
            "handler 'TestingFarmHandler' matched no call (handlers seen: CoprBuildHandler, CoprBuildEndHandler)",
        ]
    )


def test_a_filter_that_matches_no_call_fails_naming_what_was_seen(inner):
    """A typo in handler= or event=, or calls made outside every handler scope, never passes
    on an empty selection: the fixture, the marker and the scaling fixture all fail."""
    inner.makepyfile(
        test_filters="""
        import pytest
        from tracer.capture import handler
        API = "https://api.github.com"

        def pipeline(gh):
            with handler("CoprBuildHandler", event="PR is updated"):
                gh.get(f"{API}/repos/o/r")
            with handler("CoprBuildEndHandler", event="RPM build finished"):
                gh.post(f"{API}/repos/o/r/check-runs")

        def test_typo_in_handler(gh, github_api_budget):
            with github_api_budget(max_total=0, handler="CoprBuildHandlr"):
                pipeline(gh)

        def test_calls_outside_any_handler(gh, github_api_budget):
            with github_api_budget(set_status=0, handler="MyHandler"):
                for _ in range(3):
                    gh.post(f"{API}/repos/o/r/check-runs")

        def test_typo_in_event(gh, github_api_budget):
            with github_api_budget(max_total=5, event="RPM build finishd"):
                pipeline(gh)

        def test_handler_under_another_event(gh, github_api_budget):
            with github_api_budget(max_total=5, handler="CoprBuildHandler", event="RPM build finished"):
                pipeline(gh)

        def test_event_matches(gh, github_api_budget):
            with github_api_budget(set_status=1, total=1, event="RPM build finished"):
                pipeline(gh)

        @pytest.mark.github_api_budget(max_total=9, handler="Nobody")
        def test_marker_typo(gh):
            pipeline(gh)

        def test_scaling_typo(gh, github_api_scaling):
            github_api_scaling(lambda n: pipeline(gh), per_unit={"total": 0}, event="Nothing")

        def test_check_typo(gh, github_api_budget):
            from tracer.capture import Tracer
            with Tracer() as t:
                pipeline(gh)
            github_api_budget.check(t.trace(), max_total=9, handler="copr")
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1, failed=7)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*test_typo_in_handler*",
            "handler 'CoprBuildHandlr' matched no call (handlers seen: CoprBuildHandler, CoprBuildEndHandler)",
            "*test_calls_outside_any_handler*",
            "handler 'MyHandler' matched no call (handlers seen: (no handler))",
            "*test_typo_in_event*",
            "event 'RPM build finishd' matched no call (events seen: PR is updated, RPM build finished)",
            "*test_handler_under_another_event*",
            "handler 'CoprBuildHandler' made no call under event 'RPM build finished' (its events: PR is updated)",
            "*test_marker_typo*",
            "handler 'Nobody' matched no call (handlers seen: CoprBuildHandler, CoprBuildEndHandler)",
            "*test_scaling_typo*",
            "GitHub API scaling cannot be checked: its filter matches no call at any factor at test_filters.py:* (measure: requests, event: Nothing)",
            "event 'Nothing' matched no call (events seen: PR is updated, RPM build finished)",
            "*test_check_typo*",
            "handler 'copr' matched no call (handlers seen: CoprBuildHandler, CoprBuildEndHandler)",
        ]
    )
    # once per failure section; the short summary may repeat it, cut to the terminal's width
    assert lines_starting(out, "GitHub API budget cannot be checked: its filter matches no call") == 6


def test_charged_measure_leaves_out_free_calls(inner):
    inner.makepyfile(
        test_charged="""
        import pytest
        API = "https://api.github.com"

        def calls(gh):
            for _ in range(3):
                gh.get(f"{API}/rate_limit")      # GitHub does not charge GET /rate_limit
            gh.post(f"{API}/repos/o/r/check-runs")

        def test_requests(gh, github_api_budget):
            with github_api_budget(total=4, other=3, set_status=1):
                calls(gh)

        def test_charged(gh, github_api_budget):
            with github_api_budget(total=1, other=0, set_status=1, measure="charged") as trace:
                calls(gh)
            assert trace.charged == 1 and trace.requests == 4

        def test_charged_over(gh, github_api_budget):
            with github_api_budget(max_total=0, measure="charged"):
                calls(gh)
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "GitHub API budget exceeded at *(measure: charged)",
            "total*<= 0*1*1 over",
            "calls per handler (charged):",
            "  total: 1 call, budget <= 0; the calls beyond the budget:",
            "    #4 POST /repos/{owner}/{repo}/check-runs (/repos/o/r/check-runs) → 200, handler (no handler), at *",
        ]
    )
    assert "GET /rate_limit" not in result.stdout.str()


def test_check_a_trace_made_elsewhere(inner):
    inner.makepyfile(
        test_check="""
        from tracer.capture import Tracer
        API = "https://api.github.com"

        def test_check(gh, github_api_budget):
            with Tracer() as t:
                gh.get(f"{API}/repos/o/r")
            result = github_api_budget.check(t.trace(), total=1)
            assert result.ok and result.counts["total"] == 1
            github_api_budget.check(t.trace(), max_other=0)
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["GitHub API budget exceeded at test_check.py:9 (measure: requests)", "other*<= 0*1*1 over"])


# -- the marker --------------------------------------------------------------------------------
def test_marker_traces_the_test_body(inner):
    inner.makepyfile(
        test_marked="""
        import pytest
        from tracer.capture import handler
        API = "https://api.github.com"

        @pytest.fixture
        def warmed(gh):
            gh.get(f"{API}/repos/o/r")           # fixture setup is not the test body: not counted
            return gh

        @pytest.mark.github_api_budget(total=2, set_status=1)
        def test_within(warmed):
            warmed.post(f"{API}/repos/o/r/check-runs")
            warmed.get(f"{API}/repos/o/r/pulls/1")

        @pytest.mark.github_api_budget(max_set_status=1, handler="CoprBuildEndHandler")
        @pytest.mark.github_api_budget(max_total=3)
        def test_two_budgets(gh):
            with handler("CoprBuildEndHandler"):
                gh.post(f"{API}/repos/o/r/check-runs")
                gh.post(f"{API}/repos/o/r/check-runs")

        @pytest.mark.github_api_budget(max_total=5)
        def test_error_in_body_is_reported_as_is(gh):
            gh.get(f"{API}/repos/o/r")
            raise ValueError("the test's own failure")
        """
    )
    result = inner.runpytest("--strict-markers")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_two_budgets*",
            "GitHub API budget exceeded at test_marked.py:15 (measure: requests, handler: CoprBuildEndHandler)",
            "set_status*<= 1*2*1 over",
            "*test_error_in_body_is_reported_as_is*",
            "E*ValueError: the test's own failure",
        ]
    )
    markers = inner.runpytest("--markers")
    markers.stdout.fnmatch_lines_random(  # ours and pytest-recording's, side by side
        [
            "@pytest.mark.github_api_budget(**limits, handler=None, event=None, measure='requests', forge=None, hosts=()): *",
            "@pytest.mark.github_api_record(name=None): *",
            "@pytest.mark.github_api_cassette(name=None, allowed_hosts=(), match_on=None): *",
            "@pytest.mark.vcr: *",
            "@pytest.mark.block_network: *",
        ]
    )


# -- scaling ----------------------------------------------------------------------------------
def test_scaling_assertion(inner):
    inner.makepyfile(
        test_scale="""
        API = "https://api.github.com"

        def report(gh, chroots):
            gh.get(f"{API}/repos/o/r")                      # once per run
            gh.get(f"{API}/repos/o/r/contents/.packit.yaml")
            for _ in range(chroots):                        # 2 per chroot: build + test
                gh.post(f"{API}/repos/o/r/check-runs")
                gh.post(f"{API}/repos/o/r/check-runs")

        def test_linear(gh, github_api_scaling):
            result = github_api_scaling(lambda n: report(gh, n), factors=(1, 2, 4),
                                        per_unit={"set_status": 2, "other": 0}, exact=True)
            assert result.counts[4]["set_status"] == 8 and result.growth("total") == 2

        def test_at_most(gh, github_api_scaling):
            github_api_scaling(lambda n: report(gh, n), per_unit={"total": 3})

        def test_quadratic(gh, github_api_scaling):
            def work(n):
                report(gh, n)
                for _ in range(n * n):
                    gh.get(f"{API}/repos/o/r/branches/main")
            github_api_scaling(work, per_unit={"set_status": 2, "other": 1})

        def test_constant_by_default(gh, github_api_scaling):
            github_api_scaling(lambda n: report(gh, n))
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_quadratic*",
            "GitHub API calls do not scale as allowed at test_scale.py:23 (measure: requests)",
            "category*×1*×2*×3*growth/unit*allowed*verdict",
            "set_status*2*4*6*2*<= 2",
            "other*2*5*10*3, 5 (not linear)*<= 1*✗",
            "endpoints whose calls change with the factor:",
            "GET /repos/{owner}/{repo}/branches/{branch+}*other*1*4*9*not linear",
            "POST /repos/{owner}/{repo}/check-runs*set_status*2*4*6*2",
            "*test_constant_by_default*",
            "total*4*6*8*2*<= 0*✗",
        ]
    )


# -- cassettes ---------------------------------------------------------------------------------
NOWHERE = "https://api.github.com"  # the network is blocked (test_socket_blocked): only the cassette answers


def interaction(method: str, uri: str, body: str, status: int = 200) -> dict:
    return {
        "request": {"body": None, "headers": {}, "method": method, "uri": uri},
        "response": {
            "body": {"string": body},
            "headers": {"Content-Type": ["application/json"]},
            "status": {"code": status, "message": "OK"},
        },
    }


def write_cassette(path: Path, *interactions: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_cassette({"interactions": list(interactions), "version": 1}))


def test_cassette_replayed_with_the_network_blocked(pytester):
    repo = interaction("GET", f"{NOWHERE}/repos/o/r", '{"full_name": "o/r"}')
    status = interaction("POST", f"{NOWHERE}/repos/o/r/check-runs", '{"id": 7}', 201)
    # pytest-recording's layout: cassettes/<module>/<test name>.yaml, <Class>.<test> for methods
    write_cassette(pytester.path / "cassettes" / "test_replay" / "test_served.yaml", repo, status)
    write_cassette(pytester.path / "cassettes" / "test_replay" / "test_not_in_cassette.yaml", repo)
    write_cassette(pytester.path / "cassettes" / "test_replay" / "test_swallowed.yaml", repo)
    write_cassette(pytester.path / "cassettes" / "test_replay" / "TestGroup.test_method.yaml", repo)
    write_cassette(pytester.path / "cassettes" / "test_replay" / "shared.yaml", status)
    pytester.makepyfile(
        test_replay=f"""
        import socket
        import pytest
        import requests
        NOWHERE = "{NOWHERE}"

        @pytest.mark.github_api_cassette
        @pytest.mark.github_api_budget(total=2, set_status=1)
        def test_served():
            s = requests.Session()
            assert s.get(f"{{NOWHERE}}/repos/o/r").json() == {{"full_name": "o/r"}}
            assert s.post(f"{{NOWHERE}}/repos/o/r/check-runs").status_code == 201

        @pytest.mark.github_api_cassette
        def test_not_in_cassette():
            requests.get(f"{{NOWHERE}}/repos/o/r")
            requests.get(f"{{NOWHERE}}/repos/o/r/pulls/1")

        @pytest.mark.github_api_cassette
        def test_swallowed():
            try:
                requests.get(f"{{NOWHERE}}/repos/o/other")
            except Exception:
                pass                          # a client that hides errors cannot hide the miss

        @pytest.mark.github_api_cassette("shared.yaml")
        def test_named():
            assert requests.post(f"{{NOWHERE}}/repos/o/r/check-runs").json() == {{"id": 7}}

        class TestGroup:
            @pytest.mark.github_api_cassette
            def test_method(self):
                assert requests.get(f"{{NOWHERE}}/repos/o/r").status_code == 200

        @pytest.mark.github_api_cassette("shared.yaml")
        def test_socket_blocked():
            listener = socket.create_server(("127.0.0.1", 0))
            try:
                socket.create_connection(listener.getsockname(), timeout=1)
            finally:
                listener.close()

        @pytest.mark.github_api_cassette
        def test_missing_cassette():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=3, failed=4)
    result.stdout.fnmatch_lines(
        [
            "*_ test_not_in_cassette _*",
            "GitHub API cassette has no answer for 1 request at test_replay.py:*",
            "cassette: *cassettes/test_replay/test_not_in_cassette.yaml (1 interaction, 1 played;"
            " record_mode none, network blocked)",
            "requests not in the cassette:",
            f"    #2 GET {NOWHERE}/repos/o/r/pulls/1, handler (no handler), at test_replay.test_not_in_cassette",
            "        not in the cassette, or every recorded answer to it already played; closest recorded: "
            f"GET {NOWHERE}/repos/o/r (test_not_in_cassette.yaml)",
            "*_ test_swallowed _*",
            f"    #1 GET {NOWHERE}/repos/o/other, handler (no handler), at test_replay.test_swallowed",
            "*_ test_socket_blocked _*",
            "*NetworkBlockedError: network blocked while replaying shared.yaml: connection to 127.0.0.1:* refused",
            "*_ test_missing_cassette _*",
            "@pytest.mark.github_api_cassette: *cassettes/test_replay/test_missing_cassette.yaml: no such cassette*",
        ]
    )


def test_cassette_honours_pytest_recording_fixtures(pytester):
    """A ``vcr_cassette_dir`` override (pytest-recording's fixture) moves our cassettes too."""
    write_cassette(pytester.path / "recorded" / "test_moved.yaml", interaction("GET", f"{NOWHERE}/user", "{}"))
    pytester.makepyfile(
        test_moved=f"""
        import os
        import pytest
        import requests

        @pytest.fixture(scope="module")
        def vcr_cassette_dir(request):
            return os.path.join(request.node.path.parent, "recorded")

        @pytest.mark.github_api_cassette
        def test_moved():
            assert requests.get("{NOWHERE}/user").json() == {{}}
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_both_cassette_markers_are_a_usage_error_and_rewrite_never_deletes_ours(pytester):
    """Beside pytest-recording: ``@pytest.mark.vcr`` and ``@pytest.mark.github_api_cassette`` on one
    test is a clear error before any fixture runs, so ``--record-mode=rewrite`` (which deletes the
    vcr test's cassette first) never touches an api-tracer cassette; a test with our marker alone
    replays, whatever the record mode."""
    ours = pytester.path / "cassettes" / "test_both" / "test_both.yaml"
    write_cassette(ours, interaction("GET", f"{NOWHERE}/user", "{}"))
    write_cassette(pytester.path / "cassettes" / "test_both" / "test_ours_alone.yaml", interaction("GET", f"{NOWHERE}/user", "{}"))
    before = ours.read_bytes()
    pytester.makepyfile(
        test_both=f"""
        import pytest
        import requests

        @pytest.mark.vcr
        @pytest.mark.github_api_cassette
        def test_both():
            requests.get("{NOWHERE}/user")

        @pytest.mark.github_api_cassette
        def test_ours_alone():
            assert requests.get("{NOWHERE}/user").json() == {{}}
        """
    )
    result = pytester.runpytest("--record-mode=rewrite", "-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.github_api_cassette and @pytest.mark.vcr (pytest-recording) on one test: use one;*",
    ])
    assert ours.read_bytes() == before


# -- invalid arguments --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("max_total=3, set_stauts=1",
         "*UsageError: github_api_budget: unknown budget argument 'set_stauts' (valid: is_project_private, *"
         "max_total, handler, event, forge, measure)"),
        ("max_total=-1", "*UsageError: github_api_budget: max_total=-1 is negative; a budget counts calls (0 or more)"),
        ("total=2, max_total=3",
         "*UsageError: github_api_budget: total= and max_total= both given; a category is either exact (==) or a maximum (<=)"),
        ("total=1, measure='cost'", "*UsageError: github_api_budget: unknown measure='cost' (one of: requests, charged)"),
        ("total=1.5", "*UsageError: github_api_budget: total=1.5 is not a whole number of calls"),
        ("handler='X'", "*UsageError: github_api_budget: no limit given (one or more of: is_project_private, *"),
    ],
)
def test_invalid_fixture_arguments(inner, call, message):
    inner.makepyfile(
        test_bad=f"""
        def test_bad(gh, github_api_budget):
            with github_api_budget({call}):
                pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])


def test_invalid_marker_and_scaling_arguments(inner):
    inner.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.github_api_budget(max_total=1, max_everything=2)
        def test_bad_budget():
            pass

        @pytest.mark.github_api_budget(5)
        def test_positional():
            pass

        @pytest.mark.github_api_cassette(record_mode="all")
        def test_bad_cassette():
            pass

        def test_bad_scaling(github_api_scaling):
            github_api_scaling(lambda n: None, factors=(2, 1), per_unit={"total": 1})

        def test_bad_per_unit(github_api_scaling):
            github_api_scaling(lambda n: None, per_unit={"statuses": 1})
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=3, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "@pytest.mark.github_api_budget: unknown budget argument 'max_everything' (valid: *)",
            "@pytest.mark.github_api_budget: takes keyword arguments only, got (5,)",
            "@pytest.mark.github_api_cassette: unknown argument(s) record_mode (valid: allowed_hosts, match_on)",
            "*UsageError: github_api_scaling: factors=(2, 1) must increase strictly",
            "*UsageError: github_api_scaling: unknown per_unit category 'statuses' (one of: is_project_private, *total)",
        ]
    )


# -- the loopback GitHub, re-exported, with real ogr ---------------------------------------------
def test_fakehub_fixture_with_real_ogr(pytester):
    pytester.makepyfile(
        test_ogr="""
        import pytest
        from ogr.services.github import GithubService
        from tracer.capture import handler, redirect_api

        def pr_opened(fakehub):
            token = fakehub.issue_token("alice")
            with redirect_api(fakehub.url), handler("CoprBuildHandler"):
                project = GithubService(token=token).get_project(namespace="packit", repo="hello-world")
                assert project.is_private() is False      # GET repo, paid once per project object
                project.get_file_content(".packit.yaml")
                project.get_pr(1)
                project.is_private()                      # cached: no call

        @pytest.mark.github_api_budget(total=3, is_project_private=1, handler="CoprBuildHandler")
        def test_within(fakehub):
            pr_opened(fakehub)

        @pytest.mark.github_api_budget(max_other=0)
        def test_over(fakehub):
            pr_opened(fakehub)
        """
    )
    result = pytester.runpytest("-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "other*<= 0*1*1 over",
            "CoprBuildHandler*1*0*1*0*0*1*3",  # get_file_content(".packit.yaml") is a config read
            "    #3 GET /repos/{owner}/{repo}/pulls/{pull_number} (/repos/packit/hello-world/pulls/1) → 200,"
            " handler CoprBuildHandler, at ogr.services.github.*",
        ]
    )


def test_loading_the_plugin_warns_nothing(pytester):
    """pytest-recording registers ``vcr.matchers`` for assertion rewriting; the plugin imports
    vcrpy only once a cassette is used, so no PytestAssertRewriteWarning (a fresh process: the
    outer suite has imported vcrpy long ago)."""
    write_cassette(pytester.path / "cassettes" / "test_quiet" / "test_replayed.yaml",
                   interaction("GET", f"{NOWHERE}/repos/o/r", '{"full_name": "o/r"}'))
    pytester.makepyfile(
        test_quiet=f"""
        import pytest
        import requests

        def test_plain(github_api_budget):
            with github_api_budget(max_total=0):
                pass

        @pytest.mark.github_api_cassette
        def test_replayed():
            assert requests.get("{NOWHERE}/repos/o/r").json() == {{"full_name": "o/r"}}
        """
    )
    result = pytester.runpytest_subprocess("-W", "default", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    assert "Warning" not in result.stdout.str(), result.stdout.str()


RECORDED_THROUGH_FAKEHUB = """
import pytest
from ogr.services.github import GithubService
from tracer.capture import redirect_api

def pr_opened(fakehub):
    token = fakehub.issue_token("alice")
    with redirect_api(fakehub.url):
        project = GithubService(token=token).get_project(namespace="packit", repo="hello-world")
        assert project.is_private() is False
        project.get_pr(1)

@pytest.mark.vcr
def test_through_pytest_recording(fakehub):
    pr_opened(fakehub)

@pytest.mark.github_api_cassette
@pytest.mark.github_api_budget(total=2)
def test_through_ours(fakehub):
    pr_opened(fakehub)
"""


def test_recording_through_pytest_recording_gives_api_tracer_cassettes(pytester):
    """``@pytest.mark.vcr`` with ``fakehub`` behind ``redirect_api`` records https://api.github.com
    URIs and no token (the plugin configures pytest-recording's VCR); the marker records the same
    with ``--github-api-cassettes=new``; both replay offline on another port."""
    from tracer.cli import main
    from tracer.recording.cassette_io import load_cassette

    pytester.makepyfile(test_rec=RECORDED_THROUGH_FAKEHUB)
    pytester.runpytest("-W", "ignore::DeprecationWarning", "--record-mode=once", "--github-api-cassettes=new"
                       ).assert_outcomes(passed=2)
    folder = pytester.path / "cassettes" / "test_rec"
    theirs, ours = (load_cassette(folder / f"{name}.yaml")["interactions"]
                    for name in ("test_through_pytest_recording", "test_through_ours"))
    assert [i["request"]["uri"] for i in theirs] == [
        "https://api.github.com/repos/packit/hello-world", "https://api.github.com/repos/packit/hello-world/pulls/1"]
    assert [(i["request"]["method"], i["request"]["uri"], i["response"]["body"]) for i in theirs] == [
        (i["request"]["method"], i["request"]["uri"], i["response"]["body"]) for i in ours]
    for cassette in folder.iterdir():
        text = cassette.read_text()
        assert "127.0.0.1" not in text and "ghp_" not in text, cassette
        for interaction in load_cassette(cassette)["interactions"]:
            headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
            assert "authorization" not in headers and headers["x-tracer-auth"] == ["token"], cassette
    assert main(["scan", str(folder)]) == 0  # nothing a secret scan finds
    # offline, a new loopback port: answered from the cassettes
    pytester.runpytest("-W", "ignore::DeprecationWarning", "--record-mode=none", "--block-network").assert_outcomes(passed=2)


def test_a_cassette_miss_says_the_command_that_records_it_again(pytester):
    pytester.makepyfile(test_rec=RECORDED_THROUGH_FAKEHUB)
    pytester.runpytest("-W", "ignore::DeprecationWarning", "--record-mode=once", "--github-api-cassettes=new"
                       ).assert_outcomes(passed=2)
    pytester.makepyfile(test_rec=RECORDED_THROUGH_FAKEHUB.replace("project.get_pr(1)", "project.get_pr(1)\n        project.get_pr(2)"))
    result = pytester.runpytest("-W", "ignore::DeprecationWarning", "-k", "ours")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "GitHub API cassette has no answer for 1 request at test_rec.py:*",
        "cassette: *test_through_ours.yaml (2 interactions, 2 played; record_mode none, network blocked)",
        "record the cassette again with: pytest 'test_rec.py::test_through_ours' --github-api-cassettes=rewrite;"
        " or stop the test from making these requests",
    ])
    result = pytester.runpytest("-W", "ignore::DeprecationWarning", "test_rec.py::test_through_ours",
                                "--github-api-cassettes=rewrite")
    result.assert_outcomes(failed=1)  # recorded again, and the budget (total=2) now says 3
    result.stdout.fnmatch_lines(["total*== 2*3*1 over"])
    from tracer.recording.cassette_io import load_cassette
    assert len(load_cassette(pytester.path / "cassettes" / "test_rec" / "test_through_ours.yaml")["interactions"]) == 3


def test_two_markers_print_their_message_once(pytester):
    pytester.makepyfile(test_two="""
        import pytest

        @pytest.mark.vcr
        @pytest.mark.github_api_cassette
        def test_both():
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert lines_starting(out, "@pytest.mark.github_api_cassette and @pytest.mark.vcr (pytest-recording) on one test") == 1
    assert "During handling" not in out
