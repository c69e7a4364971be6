"""`api-tracer whatif`: today's pipeline, each fix alone and the best together, measured and
ranked. Expected figures are derived in comments (bc1f66bb, 1 chroot, a token: 61 requests,
all charged; 16 check runs: PR 2N, Copr submission 2N, SRPM 2N + 2N, RPM 2N + 2N, test
submission 2N, test results N + N)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from worker_runs import C
from tracer.cli import main
from tracer.errors import DataError, UsageError
from tracer.packit.whatif import get_fixes, parse_fixes, render_text, whatif

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

FIXES = ["cache-target-branch", "private-once", "build-flags-only"]


@pytest.fixture(scope="module")
def result():
    return whatif(C, 1, FIXES, auth="token")


def test_every_variant_is_measured_and_ranked(result) -> None:
    today = result.today
    assert (today.load.requests, today.load.charged, today.load.writes) == (61, 61, 16)
    by_label = {v.label: v for v in result.ranked}
    # build-flags-only: -4N check runs (SRPM start/end N each, RPM start/end 1 per chroot):
    # 12 content-generating requests, 500 // 12 = 41 PRs/h against 500 // 16 = 31 (+10); charged
    # 57: 5000 // 57 = 87 against 81 if statuses are free (+6)
    flags = by_label["build-flags-only"]
    assert (flags.load.charged, flags.load.writes) == (57, 12)
    assert (result.gain(flags, 0), result.gain(flags, 1)) == (500 // 12 - 500 // 16, 5000 // 57 - 5000 // 61)
    # cache-target-branch: -2 GET branches per submission: 59 charged, no status saved
    cache = by_label["cache-target-branch"]
    assert (cache.load.charged, result.gain(cache, 0), result.gain(cache, 1)) == (59, 0, 5000 // 59 - 5000 // 61)
    # private-once at C moves GET repo to the config lookup: nothing saved, so it joins no
    # combination, while the model promises 1 call fewer in each of its 6 result events (its
    # 6 + 38N = 44 calls at N = 1 -> 38)
    private = by_label["private-once"]
    assert private.load.requests == 61 and result.gain(private, 1) == 0
    assert result.model_gain(private, 1) == 5000 // 38 - 5000 // 44
    assert result.model_gain(cache, 0) is None and not cache.in_model
    # together, in ranking order: build-flags-only + cache-target-branch, 55 charged
    both = by_label["build-flags-only + cache-target-branch"]
    assert both.fixes == ("build-flags-only", "cache-target-branch") and both.load.charged == 55
    assert [v.label for v in result.ranked] == [
        "build-flags-only + cache-target-branch", "build-flags-only", "cache-target-branch", "private-once"]


def test_the_rendering_says_what_it_assumes(result) -> None:
    text = render_text(result, "github")
    assert text.startswith("### What would lift the ceiling: packit-service@bc1f66bb, 1 chroot, with a token")
    assert "| build-flags-only + cache-target-branch |" in text.replace("  ", " ")
    assert "content/h 41 (+10)" in text and "not in the model" in text
    assert "`api-tracer whatif --profile packit-service@bc1f66bb --chroots 1 --auth token`" in text


def test_fixes_a_profile_already_has_are_named_not_run() -> None:
    result = whatif("HEAD", 1, ["load-once", "private-once", "cache-target-branch"], auth="token")
    assert [f.name for f in result.already] == ["load-once", "private-once"]
    assert [v.label for v in result.ranked] == ["cache-target-branch"]


def test_the_cli_json_chart_and_saved_runs(tmp_path: Path, capsys) -> None:
    chart, save = tmp_path / "w.png", tmp_path / "runs"
    args = ["whatif", "--profile", "C", "--chroots", "1", "--auth", "token", "--fix", "cache-target-branch",
            "--format", "json", "--chart", str(chart), "--save", str(save)]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["version"]) == ("api-tracer/whatif", 2) and doc["chart"] == str(chart)
    assert chart.read_bytes()[:4] == b"\x89PNG"
    assert doc["today"]["charged"] == 61 and doc["ranked"][0]["charged"] == 59
    assert doc["ranked"][0]["measured"]["statuses_free"]["binding"] == "primary"
    # the runs were recorded: they replay, and drift compares them with the model
    assert sorted(p.name for p in save.iterdir()) == ["cache-target-branch", "today"]
    assert main(["replay", str(save / "cache-target-branch")]) == 0
    capsys.readouterr()
    assert main(["drift", str(save), "--summary"]) in (0, 1)
    assert "cache-target-branch" in capsys.readouterr().out


def test_bad_fixes_are_one_line_errors(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["whatif", "--profile", "C", "--fix", "faster-please"])
    assert exit_info.value.code == 2 and "invalid choice: 'faster-please'" in capsys.readouterr().err
    with pytest.raises(UsageError, match="unknown fix 'nope'"):
        get_fixes(["nope"])
    bad = "format: api-tracer/fixes\nversion: 1\nfixes:\n  - {name: x, what: y, where: z, knobs: {tests: maybe}}\n"
    with pytest.raises(DataError, match=r"^f\.yaml: fixes\[0\] \(x\): knob 'tests' must be on or off"):
        parse_fixes(bad, "f.yaml")
    with pytest.raises(DataError, match="duplicate fix"):
        parse_fixes(bad.replace("tests: maybe", "tests: true") + "  - {name: x, what: y, where: z, knobs: {tests: true}}\n",
                    "f.yaml")


def test_a_repeat_reads_each_variant_s_records_and_a_change_runs_it_again(tmp_path: Path) -> None:
    """whatif's records: a repeat with nothing changed runs nothing; a key that no longer holds
    (here: the loopback's code, as seen by the key) runs the variant again."""
    from tracer.packit.whatif import loopback_runner
    from tracer.packit.whatif.cache import cached_runner, variant_key

    ran: list[str] = []
    real = loopback_runner()

    def counting(profile, knobs, label):  # the real runner, counted
        ran.append(label)
        return real(profile, knobs, label)

    cache = tmp_path / "whatif"
    first = whatif(C, 1, ["cache-target-branch"], auth="token", runner=cached_runner(counting, cache))
    assert sorted(ran) == ["cache-target-branch", "today"] and len(list(cache.glob("*.json"))) == 2
    ran.clear()
    again = whatif(C, 1, ["cache-target-branch"], auth="token", runner=cached_runner(counting, cache))
    assert ran == []  # every variant from its records
    assert render_text(again, "plain") == render_text(first, "plain")
    assert [v.trace.requests for v in again.ranked] == [v.trace.requests for v in first.ranked]
    # a stored key that no longer holds is not trusted
    for path in cache.glob("*.json"):
        doc = json.loads(path.read_text())
        doc["key"]["code"] = "0" * 64
        path.write_text(json.dumps(doc))
    whatif(C, 1, ["cache-target-branch"], auth="token", runner=cached_runner(counting, cache))
    assert sorted(ran) == ["cache-target-branch", "today"]
    today = next(iter(cache.glob("*.json")))
    assert set(json.loads(today.read_text())["key"]) == set(variant_key(first.profile, first.today.knobs))
