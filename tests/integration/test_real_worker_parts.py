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
