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


@pytest.mark.parametrize(("method", "url", "category", "route"), [
    # GitLab: commit statuses; packit's config read through the files API (a path URL-encoded)
    ("POST", "https://gitlab.com/api/v4/projects/14233409/statuses/abcdef1", "set_status", "/projects/{id}/statuses/{sha}"),
    ("GET", "https://gitlab.com/api/v4/projects/1/repository/files/.packit.yaml?ref=main", "load_packit_yaml",
     "/projects/{id}/repository/files/{file_path}"),
    ("GET", "https://gitlab.com/api/v4/projects/1/repository/files/.distro%2Fsource-git.yaml/raw", "load_packit_yaml",
     "/projects/{id}/repository/files/{file_path}/raw"),
    ("GET", "https://gitlab.com/api/v4/projects/1/repository/files/README.md", "other", "/projects/{id}/repository/files/{file_path}"),
    # Pagure: pull-request and commit flags; the config read from the raw file view (a web route)
    ("POST", "https://pagure.io/api/0/ogr-tests/pull-request/6/flag", "set_status", "/{repo}/pull-request/{requestid}/flag"),
    ("POST", "https://src.fedoraproject.org/api/0/rpms/python-ogr/c/abcdef1/flag", "set_status", "/{namespace}/{repo}/c/{commit_hash}/flag"),
    ("GET", "https://src.fedoraproject.org/rpms/python-ogr/raw/main/f/.packit.yaml", "load_packit_yaml",
     "/{namespace}/{repo}/raw/{identifier+}/f/{filename+}"),
    ("GET", "https://src.fedoraproject.org/rpms/python-ogr/raw/main/f/python-ogr.spec", "other",
     "/{namespace}/{repo}/raw/{identifier+}/f/{filename+}"),
    # Forgejo: statuses, permissions, config reads
    ("POST", "https://codeberg.org/api/v1/repos/o/r/statuses/abcdef1", "set_status", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("GET", "https://codeberg.org/api/v1/repos/o/r/collaborators/bob/permission", "is_user_approved",
     "/repos/{owner}/{repo}/collaborators/{collaborator}/permission"),
    ("GET", "https://codeberg.org/api/v1/repos/o/r/raw/packit.yaml", "load_packit_yaml", "/repos/{owner}/{repo}/raw/{filepath+}"),
    # the same paths on another forge are that forge's own routes: GitHub's statuses are {sha+}
    ("POST", "https://api.github.com/repos/o/r/statuses/abcdef1", "set_status", "/repos/{owner}/{repo}/statuses/{sha+}"),
    ("GET", "https://api.github.com/repos/o/r/collaborators/bob/permission", "is_user_approved",
     "/repos/{owner}/{repo}/collaborators/{username}/permission"),
])
def test_packits_route_rules_hold_on_every_forge(method, url, category, route) -> None:
    found = Classifier(Rules.default()).classify_at(method, url, None)
    assert (found.category, found.route) == (category, route)


def test_a_forges_token_minting_and_free_routes_are_its_data_not_a_rules_file() -> None:
    classifier = Classifier(Rules.github())
    minted = classifier.classify_at("POST", "https://api.github.com/app/installations/7/access_tokens", "set_status")
    assert (minted.category, minted.free) == ("auth", False)  # auth wins over the call site
    assert classifier.classify_at("GET", "https://api.github.com/rate_limit", None).free
    assert not yaml.safe_load((ROOT / "tracer/capture/github.yaml").read_text()).get("routes")


@pytest.mark.parametrize(("route", "message"), [
    ("{route: 'GET /repos/{owner}/{repo}/nope', category: set_status}",
     r"routes\[0\]: 'GET /repos/\{owner\}/\{repo\}/nope' is not a route of github's"),
    ("{route: 'POST /repos/{owner}/{repo}/statuses/{sha}', category: set_status}",  # Forgejo's, not GitHub's
     r"'POST /repos/\{owner\}/\{repo\}/statuses/\{sha\}' is not a route of github's"),
    ("{route: 'POST /projects/{id}/statuses/{sha}', forge: gitea, category: set_status}", r"'forge' must be one of github, gitlab"),
    ("{route: 'GET /projects/{id}', forge: gitlab, params: {ref: [x]}}", r"'params': 'ref' is no placeholder of 'GET /projects/\{id\}'"),
    ("{route: [], category: set_status}", r"'route' must look like"),
])
def test_a_route_rule_names_a_route_its_forge_describes(tmp_path: Path, route: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"version: 1\nroutes:\n  - {route}\n")
    with pytest.raises(DataError, match=message) as info:
        Rules.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_rules_file_adds_forge_hosts(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("version: 1\nhosts: [gitlab=gitlab.example.org, forgejo=git.example.org/forgejo/api/v1]\n")
    hosts = Rules.load(path).hosts
    assert hosts.forge_of("https://gitlab.example.org/api/v4/user") == ("gitlab", "/user", True)
    assert hosts.forge_of("https://git.example.org/forgejo/api/v1/version") == ("forgejo", "/version", True)
    assert hosts.forge_of("https://gitlab.cee.redhat.com/api/v4/user")[0] == "gitlab"  # packit's, from its rules
    path.write_text("version: 1\nhosts: [gitea=gitea.com]\n")
    with pytest.raises(DataError, match="unknown forge 'gitea'"):
        Rules.load(path)
