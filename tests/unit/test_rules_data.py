"""Categories are rules data: the tracer's GitHub rules name none of packit's, the study declares
its own and registers them (tracer/registry.py), and a user's rules file may add more."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paths import ROOT
from tracer import registry
from tracer.capture import Rules
from tracer.capture.classify import Classifier
from tracer.errors import DataError
from tracer.packit.categories import CATEGORIES, MODEL_CATEGORIES
from tracer.packit.model import CallVector


def test_the_github_rules_know_no_application() -> None:
    github = Rules.github()
    assert github.categories == ("auth", "other")
    assert not github.sites
    data = yaml.safe_dump(yaml.safe_load((ROOT / "tracer/capture/github.yaml").read_text())).lower()
    for word in ("packit", "copr", "testing", "set_status", "load_packit_yaml", "fedora"):
        assert word not in data, word


def test_the_study_registers_packit_rules_and_they_are_the_default() -> None:
    assert sorted(registry.registered(registry.RULES)) == ["packit"]
    default = Rules.default()
    assert default.sources == ("tracer/packit/rules.yaml", "tracer/capture/github.yaml")
    assert default.categories == CATEGORIES
    assert set(Rules.github().routes) < set(default.routes) and len(default.sites) >= 10


def test_packit_rules_declare_the_models_categories() -> None:
    declared = yaml.safe_load((ROOT / "tracer/packit/rules.yaml").read_text())["categories"]
    assert tuple(declared) == MODEL_CATEGORIES == tuple(CallVector.__dataclass_fields__)


def test_a_users_file_adds_a_category_after_the_declared_ones(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("version: 1\ncategories: [dist_git]\nroutes:\n  - {route: 'GET /repos/{owner}/{repo}/forks', category: dist_git}\n"
                    "  - {route: 'GET /repos/{owner}/{repo}/tags', category: set_status}\n")
    rules = Rules.load(path)
    assert rules.categories == (*MODEL_CATEGORIES, "dist_git", "auth", "other")
    classifier = Classifier(rules)
    assert classifier.classify_at("GET", "https://api.github.com/repos/o/r/forks", None)[0] == "dist_git"
    assert classifier.classify_at("GET", "https://api.github.com/repos/o/r/tags", None)[0] == "set_status"  # a known one


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\nroutes:\n  - {route: 'GET /x', category: dist_git}\n",
     r"routes\[0\]: unknown category 'dist_git' \(one of .*; a new one is declared under 'categories'\)"),
    ("version: 1\ncategories: [auth]\n", "auth is the tracer's own"),
    ("version: 1\ncategories: [a, a]\n", "names a category twice"),
    ("version: 1\ncategories: [Bad Name]\n", "'categories' must be a list of names"),
    ("version: 1\ncategories: x\n", "'categories' must be a list of names"),
])
def test_bad_categories_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as info:
        Rules.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_without_the_default_a_file_must_declare_what_it_uses(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("version: 1\ncall_sites:\n  - {function: '*.f', category: set_status}\n")
    with pytest.raises(DataError, match="unknown category 'set_status'"):
        Rules.load(path, with_default=False)
    assert Rules.load(path).sites[0].category == "set_status"


def test_a_registered_file_that_cannot_be_read_is_one_line() -> None:
    missing = registry.DataFile("x", "tracer.packit", "no_such_file.yaml")
    with pytest.raises(DataError, match=r"tracer/packit/no_such_file.yaml: registered as 'x' but cannot be read"):
        missing.read()
