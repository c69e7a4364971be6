"""A loopback Copr frontend: the part of Copr's API v3 that python-copr calls in a PR pipeline.

::

    with FakeCopr() as copr:                       # the shipped services world
        copr.client_config()                       # ~/.config/copr text pointing python-copr here
        ...                                        # packit creates a project, submits a build
        build = copr.last_build()
        copr.set_state(build, "srpm-builds", "running")   # what Copr does as it builds
        copr.set_state(build, "fedora-42-x86_64", "succeeded")

Routes (``/api_3`` prefix): ``GET mock-chroots/list``, ``GET project``, ``POST project/add/{owner}``,
``PUT project/edit/{owner}/{project}``, ``POST build/create/{custom,upload,url,scm}``,
``GET build/{id}``, ``PUT build/cancel/{id}``, ``GET build-chroot``, ``GET build-chroot/list``,
``GET build-chroot/built-packages``, ``GET project-chroot``. Answers are shaped as Copr's (a 404
carries ``{"error": ...}``, which python-copr raises as ``CoprNoResultException``); build ids
count up from the world's ``first_build_id``, so a run makes the same ids every time.
"""

from __future__ import annotations

import copy
from typing import Any

from tracer.packit.loopback.jsonservice import Answer, Call, JsonService
from tracer.packit.loopback.services_world import ServicesWorld

SRPM_CHROOT = "srpm-builds"
STATES = ("pending", "importing", "starting", "running", "succeeded", "failed", "canceled", "skipped")
#: project fields python-copr sends on add/edit that Copr keeps under the same name
_PROJECT_FIELDS = (
    "description", "instructions", "homepage", "contact", "unlisted_on_hp", "enable_net", "persistent",
    "auto_prune", "bootstrap", "bootstrap_image", "isolation", "follow_fedora_branching", "devel_mode",
    "delete_after_days", "multilib", "module_hotfixes", "fedora_review", "appstream", "runtime_dependencies",
    "packit_forge_projects_allowed", "repo_priority", "storage",
)
#: what Copr keeps for a field python-copr sent as None (its own defaults)
_DEFAULTS: dict[str, Any] = {
    "bootstrap": "default", "isolation": "default", "unlisted_on_hp": False, "enable_net": False,
    "persistent": False, "auto_prune": True, "follow_fedora_branching": True, "devel_mode": False,
    "delete_after_days": None, "multilib": False, "module_hotfixes": False, "fedora_review": False,
    "appstream": False, "runtime_dependencies": "", "packit_forge_projects_allowed": [], "repo_priority": None,
    "storage": "pulp", "additional_repos": [],
}
#: a build's start time and the seconds each chroot takes (fixed: the same answers every run)
_T0 = 1754222400  # 2025-08-03T12:00:00Z


class FakeCopr(JsonService):
    """Copr's frontend API v3 over in-memory projects and builds."""

    PREFIX = "/api_3"
    ROUTES = (
        ("GET", r"/mock-chroots/list", "mock_chroots"),
        ("GET", r"/project", "get_project"),
        ("POST", r"/project/add/(?P<owner>[^/]+)", "add_project"),
        ("PUT", r"/project/edit/(?P<owner>[^/]+)/(?P<project>[^/]+)", "edit_project"),
        ("GET", r"/project-chroot", "get_project_chroot"),
        ("POST", r"/build/create/(?P<how>custom|upload|url|scm)", "create_build"),
        ("GET", r"/build/(?P<build_id>\d+)", "get_build"),
        ("PUT", r"/build/cancel/(?P<build_id>\d+)", "cancel_build"),
        ("GET", r"/build-chroot", "get_build_chroot"),
        ("GET", r"/build-chroot/list", "list_build_chroots"),
        ("GET", r"/build-chroot/built-packages", "built_packages"),
    )

    def __init__(self, world: ServicesWorld | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.world = world or ServicesWorld.load()
        self.projects: dict[tuple[str, str], dict[str, Any]] = {}
        self.builds: dict[int, dict[str, Any]] = {}
        self.chroot_states: dict[int, dict[str, str]] = {}
        self._next_id = self.world.first_build_id

    # -- what a client is configured with -------------------------------------------------------
    def client_config(self, token: str = "loopback") -> str:
        """The text of ``~/.config/copr`` for python-copr (``encrypted = False``: plain HTTP)."""
        user = self.world.copr_user
        return (f"[copr-cli]\nlogin = {user}\nusername = {user}\ntoken = {token}\n"
                f"copr_url = {self.url}\nencrypted = False\n")

    # -- what Copr does while it builds ------------------------------------------------------------
    def last_build(self) -> int:
        with self._lock:
            if not self.builds:
                raise LookupError("no Copr build was submitted")
            return max(self.builds)

    def build(self, build_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.builds[build_id])

    def set_state(self, build_id: int, chroot: str, state: str) -> None:
        """Advance one chroot of a build (``srpm-builds`` is the SRPM); the build's own state
        follows Copr's rule: running while any chroot runs, else the worst final state."""
        if state not in STATES:
            raise ValueError(f"Copr state {state!r}: one of {', '.join(STATES)}")
        with self._lock:
            build = self.builds[build_id]
            states = self.chroot_states[build_id]
            if chroot not in states:
                raise KeyError(f"build {build_id} has no chroot {chroot}")
            states[chroot] = state
            build["started_on"] = build["started_on"] or _T0 + 60
            finals = [s for s in states.values() if s in ("succeeded", "failed", "canceled", "skipped")]
            if len(finals) == len(states):
                build["state"] = "failed" if "failed" in finals else "succeeded"
                build["ended_on"] = _T0 + 600
            elif state in ("running", "succeeded"):
                build["state"] = "running"
            if chroot == SRPM_CHROOT and state == "succeeded":
                build["source_package"] = {"name": "hello-world", "url": self._result_url(build, SRPM_CHROOT)
                                           + "hello-world-0.1.0-1.src.rpm", "version": "0.1.0-1"}

    # -- routes ------------------------------------------------------------------------------------
    def mock_chroots(self, call: Call) -> Answer:
        return 200, {name: "" for name in self.world.copr_chroots}

    def get_project(self, call: Call) -> Answer:
        key = (call.arg("ownername") or "", call.arg("projectname") or "")
        project = self.projects.get(key)
        if project is None:
            return 404, {"error": f"Project {key[0]}/{key[1]} does not exist."}
        return 200, project

    def add_project(self, call: Call) -> Answer:
        body = call.body or {}
        owner, name = call.params["owner"], body.get("name")
        if not isinstance(name, str) or not name:
            return 400, {"error": "Project name is missing"}
        if (owner, name) in self.projects:
            if call.arg("exist_ok") == "True":
                return 200, self.projects[(owner, name)]
            return 400, {"error": f"You already have a project named '{name}'."}
        bad = [c for c in body.get("chroots") or [] if c not in self.world.copr_chroots]
        if bad:
            return 400, {"error": f"Such chroot is not enabled: {', '.join(bad)}"}
        project: dict[str, Any] = {
            "id": len(self.projects) + 1, "name": name, "ownername": owner, "full_name": f"{owner}/{name}",
            "chroot_repos": {}, "additional_repos": [],
        }
        for key in _PROJECT_FIELDS:
            value = body.get(key)
            project[key] = _DEFAULTS.get(key) if value is None else value
        project["additional_repos"] = body.get("additional_repos") or []
        project["chroot_repos"] = self._chroot_repos(owner, name, body.get("chroots") or [])
        self.projects[(owner, name)] = project
        return 200, project

    def edit_project(self, call: Call) -> Answer:
        project = self.projects.get((call.params["owner"], call.params["project"]))
        if project is None:
            return 404, {"error": f"Project {call.params['owner']}/{call.params['project']} does not exist."}
        for key, value in (call.body or {}).items():
            if value is None:
                continue
            if key == "chroots":
                project["chroot_repos"] = self._chroot_repos(project["ownername"], project["name"], value)
            elif key == "repos":
                project["additional_repos"] = value
            elif key in project:
                project[key] = value
        return 200, project

    def get_project_chroot(self, call: Call) -> Answer:
        key = (call.arg("ownername") or "", call.arg("projectname") or "")
        chroot = call.arg("chrootname") or ""
        project = self.projects.get(key)
        if project is None or chroot not in project["chroot_repos"]:
            return 404, {"error": f"Chroot {chroot} does not exist in {key[0]}/{key[1]}."}
        return 200, {"name": chroot, "additional_packages": [], "additional_repos": [], "additional_modules": [],
                     "comps_name": None, "delete_after_days": None, "isolation": "unchanged", "with_opts": [],
                     "without_opts": [], "bootstrap": None, "bootstrap_image": None}

    def create_build(self, call: Call) -> Answer:
        body = call.body or {}
        owner, project_name = body.get("ownername"), body.get("projectname")
        project = self.projects.get((str(owner), str(project_name)))
        if project is None:
            return 404, {"error": f"Project {owner}/{project_name} does not exist."}
        chroots = list(body.get("chroots") or project["chroot_repos"])
        build_id = self._next_id
        self._next_id += 1
        build = {
            "id": build_id, "ownername": owner, "projectname": project_name, "project_dirname": project_name,
            "state": "pending", "chroots": chroots, "submitter": self.world.copr_user, "is_background": False,
            "source_package": {"name": None, "url": None, "version": None},
            "submitted_on": _T0, "started_on": None, "ended_on": None,
            "repo_url": f"{self.url}/results/{owner}/{project_name}",
        }
        self.builds[build_id] = build
        self.chroot_states[build_id] = {SRPM_CHROOT: "pending", **{c: "pending" for c in chroots}}
        return 200, build

    def get_build(self, call: Call) -> Answer:
        build = self.builds.get(int(call.params["build_id"]))
        if build is None:
            return 404, {"error": f"Build {call.params['build_id']} does not exist."}
        return 200, build

    def cancel_build(self, call: Call) -> Answer:
        build = self.builds.get(int(call.params["build_id"]))
        if build is None:
            return 404, {"error": f"Build {call.params['build_id']} does not exist."}
        build["state"] = "canceled"
        return 200, build

    def get_build_chroot(self, call: Call) -> Answer:
        found = self._build_chroot(call)
        if isinstance(found, tuple):
            return found
        return 200, found

    def list_build_chroots(self, call: Call) -> Answer:
        build_id = int(call.arg("build_id") or 0)
        if build_id not in self.builds:
            return 404, {"error": f"Build {build_id} does not exist."}
        items = [self._chroot_entry(build_id, c) for c in self.chroot_states[build_id] if c != SRPM_CHROOT]
        return 200, {"items": items, "meta": {"limit": None, "offset": 0, "order": "name", "order_type": "ASC"}}

    def built_packages(self, call: Call) -> Answer:
        found = self._build_chroot(call)
        if isinstance(found, tuple):
            return found
        name = found["name"]
        dist = ".fc43" if "rawhide" in name else f".fc{name.split('-')[1]}" if name.startswith("fedora-") else ".el10"
        return 200, {"packages": [{"name": "hello-world", "epoch": 0, "version": "0.1.0", "release": f"1{dist}",
                                   "arch": "noarch"}]}

    # -- helpers -----------------------------------------------------------------------------------
    def _chroot_repos(self, owner: str, name: str, chroots: list[str]) -> dict[str, str]:
        return {c: f"{self.url}/results/{owner}/{name}/{c}/" for c in chroots}

    def _result_url(self, build: dict[str, Any], chroot: str) -> str:
        return f"{self.url}/results/{build['ownername']}/{build['projectname']}/{chroot}/{build['id']:08d}-hello-world/"

    def _chroot_entry(self, build_id: int, chroot: str) -> dict[str, Any]:
        build = self.builds[build_id]
        state = self.chroot_states[build_id][chroot]
        final = state in ("succeeded", "failed", "canceled", "skipped")
        return {"name": chroot, "state": state, "started_on": _T0 + 60 if state != "pending" else None,
                "ended_on": _T0 + 600 if final else None, "result_url": self._result_url(build, chroot)}

    def _build_chroot(self, call: Call) -> dict[str, Any] | Answer:
        build_id = int(call.arg("build_id") or 0)
        chroot = call.arg("chrootname") or ""
        if build_id not in self.builds or chroot not in self.chroot_states[build_id]:
            return 404, {"error": f"Build {build_id} has no chroot {chroot}."}
        return self._chroot_entry(build_id, chroot)
