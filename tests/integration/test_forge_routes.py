"""Each forge's route table: templates from its API description, one placeholder naming rule, no
value ever shown, matched exactly at the edges (literal over placeholder over span, trailing
slash, a HEAD named as its GET)."""

from __future__ import annotations

import pytest

from paths import CASSETTES

from tracer.capture.forges import FORGE_NAMES, FORGES, load
from tracer.capture.hosts import Hosts, parse_forge_host
from tracer.capture.routes import RouteTable, literals, problems, snake
from tracer.errors import DataError


@pytest.mark.parametrize("forge", FORGE_NAMES)
def test_every_template_keeps_the_naming_rule(forge):
    table = FORGES[forge].routes
    assert len(table.routes) > 100
    bad = [(m, t, problems(t)) for m, t in table.routes + FORGES[forge].web.routes if problems(t)]
    assert bad == []


def test_the_naming_rule_is_checked_at_its_edges():
    assert problems("/repos/{owner}/{repo}") == []
    assert problems("/repos/{owner}/{owner}") == ["placeholder {owner} repeated"]
    assert problems("/repos/{id}/x/{id+}") == ["placeholder {id} repeated"]
    assert problems("/a/{diffType}") == ["placeholder {diffType} is not lower snake case"]
    assert problems("a/{b}") == ["does not start with /"]
    assert [snake(n) for n in ("repository-id", "diffType", "pageName", "merge_request_iid", "path+")] == [
        "repository_id", "diff_type", "page_name", "merge_request_iid", "path+"]


@pytest.mark.parametrize(("forge", "method", "path", "template"), [
    # the GitHub fixes of issue 20: no literal value, no mixed or repeated names
    ("github", "PUT", "/repos/o/r/collaborators/alice", "/repos/{owner}/{repo}/collaborators/{username}"),
    ("github", "GET", "/repos/o/r/labels/bug", "/repos/{owner}/{repo}/labels/{name}"),
    ("github", "GET", "/repos/o/r/issues/5", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("github", "GET", "/repos/o/r/pulls/5", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("github", "GET", "/repos/o/r/contents/a/b/c.yaml", "/repos/{owner}/{repo}/contents/{path+}"),
    ("github", "GET", "/repos/o/r/contents/", "/repos/{owner}/{repo}/contents/"),
    ("github", "GET", "/repos/o/r/contents", "/repos/{owner}/{repo}/contents"),
    ("github", "GET", "/rate_limit", "/rate_limit"),
    ("gitlab", "GET", "/projects/packit%2Fogr/merge_requests/3", "/projects/{id}/merge_requests/{merge_request_iid}"),
    ("gitlab", "GET", "/projects/1/repository/files/.packit.yaml/raw", "/projects/{id}/repository/files/{file_path}/raw"),
    ("gitlab", "HEAD", "/projects/1/repository/commits/abc", "/projects/{id}/repository/commits/{sha}"),  # as its GET
    ("gitlab", "POST", "/projects/1/statuses/abcdef1", "/projects/{id}/statuses/{sha}"),
    ("pagure", "POST", "/ogr-tests/pull-request/5/flag", "/{repo}/pull-request/{requestid}/flag"),
    ("pagure", "POST", "/-/whoami", "/-/whoami"),
    ("pagure", "GET", "/fork/me/ogr-tests", "/fork/{username}/{repo}"),
    ("pagure", "GET", "/rpms/python-ogr/issues", "/{namespace}/{repo}/issues"),
    ("forgejo", "GET", "/repos/o/r/contents/a/b.md", "/repos/{owner}/{repo}/contents/{filepath+}"),
    ("forgejo", "GET", "/repos/o/r/collaborators/bob/permission", "/repos/{owner}/{repo}/collaborators/{collaborator}/permission"),
    ("forgejo", "POST", "/repos/o/r/statuses/abcdef1", "/repos/{owner}/{repo}/statuses/{sha}"),
])
def test_paths_are_named_as_the_description_names_them(forge, method, path, template):
    assert FORGES[forge].routes.template(method, path) == template


@pytest.mark.parametrize(("forge", "path", "template"), [
    ("pagure", "/ogr-tests/raw/master/f/README.md", "/{repo}/raw/{identifier+}/f/{filename+}"),
    ("pagure", "/rpms/ogr/raw/main/f/a/b.spec", "/{namespace}/{repo}/raw/{identifier+}/f/{filename+}"),
    ("pagure", "/ogr-tests/pull-request/5.patch", "/{repo}/pull-request/{requestid}.patch"),
    ("gitlab", "/packit/ogr-tests/-/merge_requests/3.patch", "/{namespace+}/-/merge_requests/{merge_request_iid}.patch"),
    ("forgejo", "/o/r/pulls/7.patch", "/{owner}/{repo}/pulls/{index}.patch"),
])
def test_the_web_routes_ogr_reads(forge, path, template):
    assert FORGES[forge].web.template("GET", path) == template


def test_literals_win_over_placeholders_and_spans_over_nothing():
    table = RouteTable([("GET", "/a/{x}"), ("GET", "/a/b"), ("GET", "/a/{x}/c"), ("GET", "/s/{p+}"), ("GET", "/s/{p+}/end")])
    assert table.match("GET", "/a/b") == ("/a/b", {})
    assert table.match("GET", "/a/z") == ("/a/{x}", {"x": "z"})
    assert table.match("GET", "/a/b/c") == ("/a/{x}/c", {"x": "b"})
    assert table.match("GET", "/s/one") == ("/s/{p+}", {"p": "one"})
    assert table.match("GET", "/s/one/two/end") == ("/s/{p+}/end", {"p": "one/two"})
    assert table.match("GET", "/s/one/two") == ("/s/{p+}", {"p": "one/two"})
    assert table.match("GET", "/s") is None and table.match("GET", "/a") is None
    assert table.match("GET", "/a/") is None  # an empty segment is no value
    assert table.match("POST", "/a/b") == ("/a/b", {})  # no POST route: named as the GET
    assert RouteTable().match("GET", "/a") is None


def test_a_path_no_template_names_never_shows_a_value():
    table = FORGES["github"].routes
    assert table.fallback("/repositories/123/statuses/abcdef1") == "/repositories/{id}/statuses/{sha}"
    assert table.fallback("/repos/alice/x/no-such-thing/7") == "/repos/{name}/{name_2}/{name_3}/{id}"
    for template in (table.fallback(p) for p in ("/a/b/c", "/1/2/3", "/repos/x/y")):
        assert problems(template) == [] and set(literals(template)) <= table.vocabulary


def test_every_github_route_in_ogrs_suite_and_the_shipped_runs_is_a_described_one(shared_dir):
    """Checked over every request of ogr's GitHub recordings and of the shipped runs: each is
    named by a template of GitHub's description (or the contents root listing), never by
    the fallback; so no literal value, no mixed or repeated placeholder name."""
    from tracer.capture.hosts import host_of
    from tracer.recording.cassette_io import load_cassette
    from tracer.recording.requre import import_requre

    hosts = Hosts()
    uris = [(i["request"]["method"], i["request"]["uri"])
            for f in sorted((shared_dir / "realdata" / "ogr-github-recordings").glob("*.yaml"))
            for i in import_requre(f, retries=0)]
    root = CASSETTES
    uris += [(i["request"]["method"], i["request"]["uri"])
             for f in sorted(root.rglob("*.yaml")) if f.name != "manifest.yaml"
             for i in load_cassette(f)["interactions"]]
    assert len(uris) > 3000
    table = FORGES["github"].routes
    unnamed = set()
    templates = set()
    for method, uri in uris:
        forge, path, api = hosts.forge_of(uri, host_of(uri))
        if forge == "github" and api:
            found = table.match(method, path)
            if found is None:
                unnamed.add(f"{method} {path}")
            else:
                templates.add(found[0])
    assert unnamed == set()
    assert len(templates) > 15
    assert [(t, problems(t)) for t in templates if problems(t)] == []  # no placeholder repeated
    assert mixed_names(templates) == {}  # one route, one name: no issues/{id} next to issues/{issue_number}
    assert "/repos/{owner}/{repo}/collaborators/{username}/permission" in templates  # no literal login


def mixed_names(templates: set[str]) -> dict[str, set[str]]:
    """The routes named more than one way (``/repos/{owner}/{repo}/issues/{id}`` next to
    ``/repos/{owner}/{repo}/issues/{issue_number}``): the route's shape (each placeholder as
    ``{}``) → its templates, where more than one."""
    shapes: dict[str, set[str]] = {}
    for template in templates:
        shape = "/".join("{}" if s.startswith("{") else s for s in template.split("/"))
        shapes.setdefault(shape, set()).add(template)
    return {shape: found for shape, found in shapes.items() if len(found) > 1}


def test_mixed_placeholder_names_are_found():
    issues = {"/repos/{owner}/{repo}/issues/{id}", "/repos/{owner}/{repo}/issues/{issue_number}"}
    assert mixed_names(issues | {"/repos/{owner}/{repo}/pulls/{pull_number}"}) == {"/repos/{}/{}/issues/{}": issues}
    assert mixed_names({"/repos/{owner}/{repo}/issues/{issue_number}", "/repos/{owner}/{repo}/pulls/{pull_number}",
                        "/repos/{owner}/{repo}/commits/{ref+}"}) == {}

def test_hosts_name_forges_and_refuse_what_is_not_one():
    hosts = Hosts().with_hosts(["forgejo=v10.next.forgejo.org", "github.example.com/api/v3", "gitlab=git.example.org/gl/api/v4"])
    assert hosts.forge_of("https://v10.next.forgejo.org/api/v1/user") == ("forgejo", "/user", True)
    assert hosts.forge_of("https://v10.next.forgejo.org/o/r/pulls/1.patch") == ("forgejo", "/o/r/pulls/1.patch", False)
    assert hosts.forge_of("https://github.example.com/api/v3/user") == ("github", "/user", True)
    assert hosts.forge_of("https://github.example.com/api/v3") == ("github", "/", True)
    assert hosts.forge_of("https://github.example.com/api/v30/user")[2] is False
    assert hosts.forge_of("https://git.example.org/gl/api/v4/user") == ("gitlab", "/user", True)
    assert hosts.forge_of("https://codeberg.org/api/v1/version") == ("forgejo", "/version", True)  # known
    assert hosts.forge_of("https://src.fedoraproject.org/api/0/rpms/ogr")[0] == "pagure"
    assert hosts.forge_of("https://copr.fedorainfracloud.org/api_3/")[0] is None
    assert parse_forge_host("gitlab=gitlab.gnome.org") == ("gitlab", "gitlab.gnome.org", "/api/v4")
    assert parse_forge_host("github.example.com/api/v3") == ("github", "github.example.com", "/api/v3")
    with pytest.raises(DataError, match="unknown forge 'gitea'"):
        parse_forge_host("gitea=gitea.com")
    with pytest.raises(DataError, match="is not a host"):
        parse_forge_host("gitlab=")


def test_each_forge_states_its_limits_and_their_source():
    forges = load()
    assert list(forges) == ["github", "gitlab", "pagure", "forgejo"]
    gitlab = forges["gitlab"]
    assert "docs.gitlab.com" in gitlab.limits_source and gitlab.limited_hosts == ("gitlab.com",)
    assert {(c.name, c.limit, c.window_s) for c in gitlab.ceilings} >= {("authenticated API", 2000, 60), ("GET /projects/{id}", 400, 60)}
    for ceiling in gitlab.ceilings:
        if ceiling.route:  # a limit on one endpoint names a route of the table
            method, _, template = ceiling.route.partition(" ")
            values = {"id": "1"} if "{id}" in template else {}
            assert gitlab.routes.match(method, template.replace("{id}", "1")) == (template, values)
    for name in ("pagure", "forgejo"):
        assert forges[name].limits_source.startswith("none documented") and forges[name].ceilings == ()
