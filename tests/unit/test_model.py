"""The published model: golden outputs, per-event vectors, scenarios, presets and rate limits."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace

import pytest

from paths import ROOT
from tracer.errors import DataError, UsageError
from tracer.packit.model import (
    CATEGORIES,
    CONFIG_FILE_NAMES,
    EVENTS,
    RATE_LIMIT_TIERS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    CallVector,
    ConfigFile,
    Scenario,
    binding_limit,
    config_calls,
    content_creating_per_pipeline,
    get_preset,
    grand_total,
    improvement,
    installation_rate_limit,
    load_presets,
    parse_presets,
    per_event,
    prs_per_hour,
    resolve_rate_limit,
    secondary_prs_per_hour,
    totals,
    worst_case,
)

# The seed's table, typed from packit-worker.md: (chroots, Y, tests, once, all_flags,
# private_once) -> (prs/h, private, approved, yaml, status, total), in the seed's order.
PUBLISHED_TABLE = [
    ((3, 3, True, False, True, False), (41, 19, 2, 57, 42, 120)),
    ((6, 3, True, False, True, False), (21, 37, 2, 111, 84, 234)),
    ((3, 6, True, False, True, False), (28, 19, 2, 114, 42, 177)),
    ((6, 6, True, False, True, False), (14, 37, 2, 222, 84, 345)),
    ((6, 3, False, False, True, False), (36, 25, 2, 75, 36, 138)),
    ((6, 6, True, True, True, False), (38, 37, 2, 6, 84, 129)),
    ((6, 6, True, True, False, False), (47, 37, 2, 6, 60, 105)),
    ((6, 2, True, True, False, False), (49, 37, 2, 2, 60, 101)),
    ((6, 2, True, True, False, True), (76, 1, 2, 2, 60, 65)),
    ((3, 2, True, True, False, True), (142, 1, 2, 2, 30, 35)),
]


def _scenario(row: tuple) -> Scenario:
    chroots, y, tests, once, flags, private_once = row
    return Scenario(
        chroots=chroots, load_packit_yaml=y, tests_enabled=tests,
        load_packit_yaml_once=once, all_flags=flags, is_private_once=private_once,
    )


def _outputs(scenario: Scenario) -> tuple[int, ...]:
    t = totals(scenario)
    return (prs_per_hour(scenario), *t.as_tuple(), t.total)


# --- golden ---------------------------------------------------------------------------------

def test_default_scenario_literal_numbers() -> None:
    s = Scenario()
    t = totals(s)
    assert t == CallVector(19, 2, 57, 42)
    assert t.total == 120 == grand_total(s)
    assert prs_per_hour(s) == 41


@pytest.mark.parametrize("params, expected", PUBLISHED_TABLE)
def test_published_table_reproduced(params: tuple, expected: tuple) -> None:
    assert _outputs(_scenario(params)) == expected


@pytest.mark.parametrize("preset", load_presets(), ids=lambda p: p.name)
def test_presets_computed_equal_published(preset) -> None:
    assert preset.computed.as_dict() == preset.published.as_dict()
    assert preset.published.total == preset.published.calls.total


def test_preset_file_holds_the_published_table_in_order() -> None:
    presets = load_presets()
    assert len(presets) == 10
    for preset, (params, expected) in zip(presets, PUBLISHED_TABLE):
        s = preset.scenario
        assert (s.chroots, s.load_packit_yaml, s.tests_enabled, s.load_packit_yaml_once,
                s.all_flags, s.is_private_once) == params
        assert (s.builds_enabled, s.rate_limit) == (True, 5000)
        pub = preset.published
        assert (pub.prs_per_hour, *pub.calls.as_tuple(), pub.total) == expected
        assert preset.description and "\n" not in preset.description


def test_preset_names_are_unique_and_the_default_is_first() -> None:
    names = [p.name for p in load_presets()]
    assert len(set(names)) == 10
    assert get_preset(names[0]).scenario == Scenario()


# --- per event -------------------------------------------------------------------------------

def test_per_event_default_scenario_from_the_formula_table() -> None:
    # N=3, Y=3, b=t=1, P=1, Y'=3, F=b+t=2
    assert per_event(Scenario()) == {
        "PR is updated": CallVector(1, 2, 3, 6),         # (1, 2, Y, N·(b+t))
        "Submit Copr build": CallVector(0, 0, 0, 6),     # (0, 0, 0, N·(b+t))
        "SRPM build started": CallVector(3, 0, 9, 6),    # N·(P, 0, Y', F)
        "SRPM build finished": CallVector(3, 0, 9, 6),
        "RPM build started": CallVector(3, 0, 9, 6),
        "RPM build finished": CallVector(3, 0, 9, 6),
        "Tests started": CallVector(3, 0, 9, 3),         # N·(P, 0, Y', t)
        "Tests finished": CallVector(3, 0, 9, 3),
    }
    assert list(per_event(Scenario())) == list(EVENTS)


def test_no_tests_drops_the_test_events_and_keeps_order() -> None:
    events = per_event(Scenario(tests_enabled=False))
    assert list(events) == list(EVENTS[:6])
    assert events["PR is updated"] == CallVector(1, 2, 3, 3)
    assert events["RPM build started"] == CallVector(3, 0, 9, 3)  # F = b


def test_quirk_srpm_events_charged_per_chroot() -> None:
    events = per_event(Scenario(chroots=5))
    assert events["SRPM build started"] == events["RPM build started"] == CallVector(5, 0, 15, 10)


def test_improvements_change_only_their_terms() -> None:
    base = Scenario(chroots=6, load_packit_yaml=6)
    once = per_event(replace(base, load_packit_yaml_once=True))
    assert once["PR is updated"].load_packit_yaml == 6
    assert all(once[e].load_packit_yaml == 0 for e in EVENTS[1:])
    private = per_event(replace(base, is_private_once=True))
    assert sum(v.is_project_private for v in private.values()) == 1
    flags = per_event(replace(base, all_flags=False))
    assert flags["SRPM build started"].set_status == 6
    assert flags["Tests started"].set_status == 6


def test_builds_disabled_as_published() -> None:
    events = per_event(Scenario(builds_enabled=False))
    assert events["PR is updated"] == CallVector(1, 2, 3, 3)
    assert events["SRPM build started"] == CallVector(3, 0, 9, 3)  # F = b + t = 1
    no_flags = per_event(Scenario(builds_enabled=False, all_flags=False))
    assert no_flags["RPM build started"] == CallVector(3, 0, 9, 0)  # F = b = 0


# --- CallVector ------------------------------------------------------------------------------

def test_call_vector_arithmetic() -> None:
    a, b = CallVector(1, 2, 3, 4), CallVector(10, 20, 30, 40)
    assert a + b == CallVector(11, 22, 33, 44)
    assert b - a == CallVector(9, 18, 27, 36)
    assert a * 3 == 3 * a == CallVector(3, 6, 9, 12)
    assert a.total == 10 and CallVector.zero().total == 0
    assert a.as_dict() == dict(zip(CATEGORIES, (1, 2, 3, 4)))
    assert list(a.as_dict()) == list(CATEGORIES)
    assert CallVector.from_mapping({"set_status": 7}) == CallVector(0, 0, 0, 7)
    with pytest.raises(TypeError):
        a * 1.5  # noqa: B018
    with pytest.raises(TypeError):
        a + 1  # noqa: B018


def test_call_vector_rejects_bad_values() -> None:
    with pytest.raises(UsageError):
        CallVector(True, 0, 0, 0)
    with pytest.raises(UsageError):
        CallVector(1.0, 0, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="other"):
        CallVector.from_mapping({"other": 3})
    with pytest.raises(AttributeError):
        CallVector().set_status = 3  # type: ignore[misc]


# --- Scenario and config names ---------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"chroots": 0}, "chroots must be at least 1"),
        ({"chroots": -2}, "chroots must be at least 1"),
        ({"chroots": True}, "chroots must be an integer"),
        ({"chroots": "3"}, "chroots must be an integer"),
        ({"rate_limit": 0}, "rate_limit must be at least 1"),
        ({"load_packit_yaml": 0}, "load_packit_yaml must be at least 1"),
        ({"load_packit_yaml": 2.0}, "load_packit_yaml must be an integer"),
        ({"tests_enabled": 1}, "tests_enabled must be true or false"),
    ],
)
def test_scenario_validation(kwargs: dict, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        Scenario(**kwargs)


def test_scenario_defaults() -> None:
    assert Scenario().as_dict() == {
        "chroots": 3, "rate_limit": 5000, "load_packit_yaml": 3, "builds_enabled": True,
        "tests_enabled": True, "load_packit_yaml_once": False, "all_flags": True,
        "is_private_once": False,
    }


def test_config_calls_reproduce_the_model_parameters() -> None:
    assert config_calls(".packit.yaml") == 3
    assert config_calls("packit.yaml") == 6
    assert config_calls(".packit.yaml", spec_search=False) == 2
    assert config_calls("packit.yaml", spec_search=False) == 5
    assert config_calls("packit.json", lookup="listing") == 3
    assert config_calls("packit.yaml", lookup="listing", spec_search=False) == 2
    assert [config_calls(n, spec_search=False) for n in CONFIG_FILE_NAMES] == [1, 2, 3, 4, 5, 6, 7]
    assert ConfigFile("packit.yml").calls == 7


def test_config_calls_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(UsageError) as err:
        config_calls("packit.toml")
    assert "packit.toml" in str(err.value)
    for name in CONFIG_FILE_NAMES:
        assert name in str(err.value)
    with pytest.raises(UsageError, match="lookup"):
        config_calls(".packit.yaml", lookup="scan")  # type: ignore[arg-type]


# --- presets and improvements ----------------------------------------------------------------

def test_worst_case_is_the_largest_and_slowest() -> None:
    worst = worst_case()
    assert worst.name == "6ch-packit-yaml"
    assert (worst.computed.total, worst.computed.prs_per_hour) == (345, 14)
    assert all(p.computed.total <= 345 and p.computed.prs_per_hour >= 14 for p in load_presets())


def test_improvement_over_worst_case() -> None:
    gain = improvement(Scenario())
    assert gain.baseline == "6ch-packit-yaml"
    assert gain.calls_saved == 345 - 120
    assert gain.prs_per_hour_factor == pytest.approx(41 / 14)
    best = improvement(get_preset("3ch-all-improvements").scenario)
    assert (best.calls_saved, round(best.prs_per_hour_factor, 2)) == (310, 10.14)
    assert improvement(worst_case().scenario).calls_saved == 0


def test_unknown_preset_lists_names() -> None:
    with pytest.raises(UsageError, match="3ch-dot-packit-yaml"):
        get_preset("nope")


def _doc(**changes) -> dict:
    entry = {
        "name": "x",
        "description": "d",
        "config": {"name": ".packit.yaml", "lookup": "loop", "spec_search": True},
        "parameters": {"chroots": 3, "load_packit_yaml": 3},
        "published": {"prs_per_hour": 41, "is_project_private": 19, "is_user_approved": 2,
                      "load_packit_yaml": 57, "set_status": 42, "total": 120},
    }
    entry.update(changes)
    return {"worst_case": "x", "scenarios": [entry]}


def test_parse_presets_accepts_a_good_document() -> None:
    presets, worst = parse_presets(_doc(), "t.yaml")
    assert worst == "x" and presets[0].computed == presets[0].published


@pytest.mark.parametrize(
    "doc, fragment",
    [
        ([], "expected a mapping"),
        (_doc(parameters={"chroots": 0}), "chroots must be at least 1"),
        (_doc(parameters={"chroots": 3, "colour": "red"}), "colour"),
        (_doc(parameters={"load_packit_yaml": 6}), "costs 3 calls but load_packit_yaml is 6"),
        (_doc(config={"name": "nope.yaml"}), "unknown config file name"),
        (_doc(published={"total": 1}), "published must have exactly"),
        ({"worst_case": "y", "scenarios": _doc()["scenarios"]}, "worst_case 'y'"),
        ({"worst_case": "x", "scenarios": _doc()["scenarios"] * 2}, "duplicate name"),
    ],
)
def test_parse_presets_rejects_bad_documents(doc, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment) as err:
        parse_presets(doc, "t.yaml")
    assert str(err.value).startswith("t.yaml")


# --- rate limits -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "repos, users, expected",
    [(0, 0, 5000), (20, 20, 5000), (21, 0, 5050), (0, 25, 5250), (30, 40, 6500), (1000, 1000, 12500)],
)
def test_installation_rate_limit(repos: int, users: int, expected: int) -> None:
    assert installation_rate_limit(repos, users) == expected


def test_installation_rate_limit_enterprise_and_errors() -> None:
    assert installation_rate_limit(5, 5, enterprise_cloud=True) == 15000
    with pytest.raises(UsageError):
        installation_rate_limit(-1, 0)


def test_resolve_rate_limit() -> None:
    assert RATE_LIMIT_TIERS == {"installation": 5000, "installation-max": 12500, "enterprise-cloud": 15000}
    assert resolve_rate_limit("installation-max") == 12500
    assert resolve_rate_limit("7000") == 7000
    assert resolve_rate_limit(42) == 42
    for bad in ("0", "-5", "abc", 0, True):
        with pytest.raises(UsageError):
            resolve_rate_limit(bad)


def test_secondary_limit_binds_for_the_default_scenario() -> None:
    s = Scenario()
    assert content_creating_per_pipeline(s) == 42
    assert secondary_prs_per_hour(s) == SECONDARY_CONTENT_CREATING_PER_HOUR // 42 == 11
    ceiling = binding_limit(s)
    assert (ceiling.primary, ceiling.secondary, ceiling.binding, ceiling.prs_per_hour) == (41, 11, "secondary", 11)
    assert binding_limit(s, "enterprise-cloud").primary == 125


def test_primary_limit_binds_when_the_rate_limit_is_small() -> None:
    s = Scenario()
    low = binding_limit(s, 500)  # int(500 / 120) = 4 < 11
    assert (low.binding, low.prs_per_hour) == ("primary", 4)
    tie = binding_limit(s, 1320)  # int(1320 / 120) = 11 == 11
    assert (tie.binding, tie.prs_per_hour) == ("primary", 11)


def test_prs_per_hour_rate_limit_argument() -> None:
    assert prs_per_hour(Scenario(), 12500) == 104
    assert prs_per_hour(Scenario(rate_limit=15000)) == 125
    with pytest.raises(UsageError):
        prs_per_hour(Scenario(), 0)


# --- boundaries of the room ------------------------------------------------------------------

def test_model_imports_only_the_leaves_of_ours() -> None:
    # errors, datafile (reading limits.yaml) and document (the output formats) are the leaves
    # every room may import
    leaves = {"tracer", "tracer.packit", "tracer.errors", "tracer.datafile", "tracer.document"}
    code = "import sys, tracer.packit.model; print(sorted(m for m in sys.modules if m.startswith('tracer')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(ast.literal_eval(out))
    assert loaded - leaves <= {m for m in loaded if m.startswith("tracer.packit.model")}
    package = ROOT / "tracer" / "packit" / "model"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracer"):
                assert node.module in leaves or node.module.startswith("tracer.packit.model"), source
