"""Knobs are declared once (tracer/packit/knobs.py); the CLI flags, validation, the manifest, the
model mapping, the re-record command and the README's table are derived from the declarations."""

from __future__ import annotations

import argparse

import pytest

from paths import ROOT
from tracer.errors import DataError, UsageError
from tracer.packit import knobs
from tracer.packit.knobs import KNOBS, MAX_CHROOTS, Knobs


def test_the_readme_table_is_the_declarations() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("| knob (flag) |")
    assert readme[start: readme.index("\n\n", start)] == knobs.markdown_table()


def test_each_knob_is_a_flag_and_back() -> None:
    parser = argparse.ArgumentParser()
    knobs.add_flags(parser)
    assert knobs.from_args(parser.parse_args([])) == Knobs()
    args = parser.parse_args(["--chroots", "5", "--no-tests", "--all-flags", "--load-once", "--auth", "app"])
    assert knobs.from_args(args) == Knobs(chroots=5, tests=False, build_flags_only=False, load_config_once=True, auth="app")
    with pytest.raises(SystemExit):
        parser.parse_args(["--build-flags-only", "--all-flags"])  # one or the other
    with pytest.raises(SystemExit):
        parser.parse_args(["--auth", "oauth"])


@pytest.mark.parametrize(("value", "ok"), [(1, True), (MAX_CHROOTS, True), (0, False), (MAX_CHROOTS + 1, False), (True, False)])
def test_chroots_at_their_bounds(value: object, ok: bool) -> None:
    if ok:
        assert Knobs(chroots=value).chroots == value  # type: ignore[arg-type]
    else:
        with pytest.raises(UsageError, match=f"knob 'chroots' must be a whole number from 1 to {MAX_CHROOTS}"):
            Knobs(chroots=value)  # type: ignore[arg-type]


def test_strings_are_read_as_each_knob_declares() -> None:
    assert Knobs.from_mapping({"chroots": " 3 ", "tests": "on", "fmf": "No", "auth": "app"}) == Knobs(
        chroots=3, tests=True, fmf=False, auth="app")
    for mapping, words in [({"chroots": "three"}, "must be a whole number"), ({"tests": "maybe"}, "must be on or off"),
                           ({"auth": "oauth"}, "must be one of token, app"), ({"nope": 1}, "unknown knob 'nope'")]:
        with pytest.raises(UsageError, match=words):
            Knobs.from_mapping(mapping, source="x.yaml")


def test_a_profiles_defaults_set_every_knob_but_the_worlds() -> None:
    full = {name: value for name, value in Knobs(**_values()).as_dict().items()}
    assert Knobs.defaults_from({**full, "permission": None}, "p.yaml").permission is None
    with pytest.raises(DataError, match="p.yaml: defaults: missing knob 'tests'"):
        Knobs.defaults_from({k: v for k, v in full.items() if k != "tests"}, "p.yaml")
    with pytest.raises(DataError, match="p.yaml: defaults: knob 'chroots' must be a whole number"):
        Knobs.defaults_from({**full, "chroots": 0}, "p.yaml")


def _values() -> dict[str, object]:
    return {name: (True if spec.kind is bool else 3 if spec.kind is int else spec.choices[0]) for name, spec in KNOBS.items()}


def test_the_re_record_flags_name_every_set_knob_once() -> None:
    values = _values()
    flags = knobs.command_flags(values)
    assert sum(f.startswith("--") for f in flags) == len(KNOBS)
    assert knobs.command_flags({"build_flags_only": False, "tests": None}) == ["--all-flags"]
