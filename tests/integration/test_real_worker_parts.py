"""The real worker's parts that need no packit-service: the loopback Copr, Testing Farm and
releases servers, knobs as configuration, the CLI's one-line errors, and compare on shipped runs."""

from __future__ import annotations

import json

import pytest
import requests

from paths import CASSETTES
from tracer.cli import main
from tracer.errors import DataError, UsageError
from tracer.packit.loopback.copr import FakeCopr
from tracer.packit.loopback.releases import FakeReleases
from tracer.packit.loopback.services_world import ServicesWorld
from tracer.packit.loopback.testing_farm import FakeTestingFarm
from tracer.packit.knobs import KNOBS
from tracer.packit.realworker.config import check_knobs, configurable
from tracer.packit.realworker.source import PackitSource
from tracer.packit.worker import Knobs, load_profile


def test_copr_project_build_and_states():
    with FakeCopr() as copr:
        base = copr.url + "/api_3"
        assert "fedora-42-x86_64" in requests.get(base + "/mock-chroots/list").json()
        missing = requests.get(base + "/project", params={"ownername": "packit", "projectname": "p"})
        assert missing.status_code == 404 and "error" in missing.json()
        added = requests.post(base + "/project/add/packit", params={"exist_ok": "True"},
                              json={"name": "p", "chroots": ["fedora-42-x86_64"], "bootstrap": None})
        assert added.json()["bootstrap"] == "default" and list(added.json()["chroot_repos"]) == ["fedora-42-x86_64"]
        bad = requests.post(base + "/project/add/packit", json={"name": "q", "chroots": ["no-such-x86_64"]})
        assert bad.status_code == 400
        build = requests.post(base + "/build/create/custom", json={"ownername": "packit", "projectname": "p"}).json()
        assert build["id"] == ServicesWorld.load().first_build_id and build["state"] == "pending"
        copr.set_state(build["id"], "srpm-builds", "running")
        copr.set_state(build["id"], "srpm-builds", "succeeded")
        copr.set_state(build["id"], "fedora-42-x86_64", "succeeded")
        assert requests.get(f"{base}/build/{build['id']}").json()["state"] == "succeeded"
        chroot = requests.get(base + "/build-chroot", params={"build_id": build["id"], "chrootname": "fedora-42-x86_64"})
        assert chroot.json()["state"] == "succeeded"
        assert copr.count("POST") == 3


def test_testing_farm_requests():
    with FakeTestingFarm() as tf:
        assert {"name": "Fedora-42"} in requests.get(tf.url + "/composes/public").json()["composes"]
        payload = {"test": {"tmt": {"url": "https://github.com/o/r", "ref": "abc"}},
                   "environments": [{"arch": "x86_64", "artifacts": [{"id": "7:fedora-42-x86_64", "type": "fedora-copr-build"}]}]}
        first = requests.post(tf.url + "/requests", json=payload).json()["id"]
        assert requests.post(tf.url + "/requests", json=payload).json()["id"] == first  # the same request, the same id
        tf.set_state(first, "complete", "passed")
        details = requests.get(f"{tf.url}/requests/{first}").json()
        assert details["state"] == "complete" and details["result"]["overall"] == "passed"
        assert details["test"]["fmf"]["url"] == "https://github.com/o/r"
        assert requests.get(tf.url + "/requests/00000000-0000-0000-0000-000000000000").status_code == 404


def test_releases_answer_the_aliases_libraries():
    with FakeReleases() as releases:
        bodhi = requests.get(releases.url + "/releases/", params={"state": ["current"]}).json()
        assert {r["state"] for r in bodhi["releases"]} == {"current"} and bodhi["pages"] == 1
        assert "Leap" in requests.get(releases.url + "/api/v0/distributions.json").json()
        assert requests.get(releases.url + "/public/source/openSUSE").text.startswith("<productlist")
        oidc = requests.get(releases.url + "/openidc/.well-known/openid-configuration").json()
        assert oidc["token_endpoint"] == "https://id.fedoraproject.org/openidc/Token"  # bodhi-client's BodhiClient()


def test_services_world_is_checked():
    with pytest.raises(DataError, match="releases.bodhi must be a list"):
        ServicesWorld.from_dict({"format": "api-tracer/loopback-services", "version": 1,
                                 "copr": {"user": "u", "chroots": []}, "testing_farm": {"ranch": "r", "composes": ["c"]},
                                 "releases": {"bodhi": [], "opensuse": {}}}, "w.yaml")


def test_code_knobs_keep_the_profile_value():
    head = load_profile("HEAD")
    check_knobs(Knobs.from_mapping({"chroots": 2, "load_config_once": True}), head)
    with pytest.raises(UsageError, match="not configuration of packit-service"):
        check_knobs(Knobs.from_mapping({"project_reuse": "pipeline"}), head)
    assert set(configurable()) | {k for k, spec in KNOBS.items() if spec.real == "code"} == set(Knobs.names())


def test_every_knob_says_how_the_real_worker_realises_it():
    from tracer.packit.knobs import Knob

    with pytest.raises(TypeError, match="real= must say how the real packit-service realises it"):
        Knob("new_knob", bool, "help", "does")


def test_source_needs_packit_service(tmp_path):
    with pytest.raises(UsageError, match="holds no packit_service"):
        PackitSource.find(tmp_path)


@pytest.mark.parametrize("args, message", [
    (["--python", "/no/such/python"], "not an executable Python"),
    (["--project-reuse", "task"], "not configuration of packit-service"),
    (["--source", "/no/such/dir"], "no such folder"),
])
def test_record_real_bad_input_is_one_line(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("API_TRACER_PACKIT_PYTHON", "/no/such/python" if "--python" in args else "/bin/true")
    code = main(["record", "--worker", "packit-service", "--out", str(tmp_path / "run"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


def test_compare_shipped_runs(capsys):
    head, comment = str(CASSETTES / "head-3ch"), str(CASSETTES / "head-3ch-success-comment")
    assert main(["compare", head, head]) == 0
    assert "no change: 111 requests (92 charged)" in capsys.readouterr().out
    assert main(["compare", head, comment, "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["added"] == 12 and result["totals"]["requests"] == [111, 123]
    assert {"handler": "CoprBuildEndHandler", "event": "RPM build finished",
            "endpoint": "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
            "requests": [0, 3], "charged": [0, 3]} in result["rows"]
    assert main(["compare", head, comment, "--tolerance", "12"]) == 0
    capsys.readouterr()
    assert main(["compare", head, comment, "--tolerance", "-1"]) == 2


def test_redirects_reach_another_process_through_the_environment(monkeypatch):
    """A world's redirects travel to another process (a real Celery worker) in its environment."""
    from tracer.packit.realworker.world import REDIRECTS_ENV, redirects_from_env

    with FakeReleases() as releases:
        monkeypatch.setenv(REDIRECTS_ENV, json.dumps({"https://bodhi.fedoraproject.org": releases.url}))
        with redirects_from_env() as redirects:
            answer = requests.get("https://bodhi.fedoraproject.org/releases/", params={"state": "current"})
        assert redirects == {"https://bodhi.fedoraproject.org": releases.url}
        assert answer.json()["releases"] and releases.count("GET", "/releases") == 1


def _git(*args: str, env: dict[str, str], cwd=None) -> str:
    import subprocess

    return subprocess.run(["git", *args], env=env, cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_git_remote_serves_what_the_loopback_github_serves(tmp_path):
    """packit's LocalProject, step by step with real git: clone the https URL, fetch the PR head
    and the target branch, merge; the files are the loopback GitHub's at the PR head, and the
    same spec built elsewhere (a replay) gives the same commits."""
    import os

    from tracer.packit.loopback import World
    from tracer.packit.realworker.gitremote import build_remotes, git_env, git_spec
    from tracer.packit.worker import resolve_knobs, scenario_world

    knobs = resolve_knobs(load_profile("C"), Knobs.from_mapping({"chroots": 3}))
    world = World.from_dict(scenario_world(knobs), source="scenario")
    spec = git_spec(world)
    root = build_remotes(spec, tmp_path / "git")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", **git_env(root)}
    work = tmp_path / "sandcastle"
    _git("clone", "--quiet", "https://github.com/packit/hello-world.git", str(work), env=env)
    _git("fetch", "--quiet", "origin", "+refs/pull/1/head:refs/remotes/origin/pr-head/1", env=env, cwd=work)
    _git("checkout", "--quiet", "-b", "pr-head/1", "origin/pr-head/1", env=env, cwd=work)
    _git("checkout", "--quiet", "main", env=env, cwd=work)
    _git("merge", "--quiet", "pr-head/1", env=env, cwd=work)  # a fast-forward: no identity needed
    repo = world.repositories["packit/hello-world"]
    head_sha = repo.pulls[1].head_sha
    tree = repo.tree(head_sha)
    assert tree and knobs.config_file in tree
    files = sorted(_git("ls-files", env=env, cwd=work).split())
    assert files == sorted(tree)
    assert all((work / path).read_text() == text for path, text in tree.items())
    assert _git("log", "-1", "--format=%s", env=env, cwd=work).strip() == f"world commit {head_sha}"
    again = build_remotes(spec, tmp_path / "again")
    shas = [_git("--git-dir", str(r / "packit/hello-world.git"), "show-ref", env=env) for r in (root, again)]
    assert shas[0] == shas[1] and "refs/pull/2/head" in shas[0]


@pytest.mark.parametrize("spec, message", [
    ({"repositories": {"a/b": {"head": "refs/heads/main", "refs": {"refs/heads/main": "1" * 40}, "commits": {}}}},
     "a/b refs/heads/main names commit 1111111111111111111111111111111111111111, which it does not hold"),
    ({"repositories": {"a/b": {"head": "refs/heads/x", "refs": {}, "commits": {}}}}, "a/b's head refs/heads/x is none"),
    ({"repositories": {"a/b": {}}}, "not a loopback git spec (KeyError"),
])
def test_git_spec_bad_input_is_one_line(spec, message, tmp_path):
    from tracer.packit.realworker.gitremote import build_remotes, load_spec

    with pytest.raises(DataError, match="^the git spec: " + message.replace("(", r"\(").replace(".", r"\.")) as err:
        build_remotes(spec, tmp_path)
    assert "\n" not in str(err.value)
    (tmp_path / "git-remote.json").write_text("{")
    with pytest.raises(DataError, match=r"git-remote\.json: cannot read the loopback git spec"):
        load_spec(tmp_path / "git-remote.json")
