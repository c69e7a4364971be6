"""A scenario's data: the PR it runs for and the loopback world that serves it.

The world template (``worlds/packit-pipeline.yaml``) is a loopback world file; its ``x-worker``
block says which PR and sender each ``contributor`` knob value means, and holds the part of
packit-service's service config the worker reads (``admins``, ``deployment``).
:func:`resolve_knobs` fills in what the world decides (the sender's permission, unless the
``permission`` knob sets it). :func:`scenario_world` adds what the knobs decide: at the PR heads
the packit config file (its name, the targets, the tests job, ``specfile_path``,
``sync_test_job_statuses_with_builds``, ``notifications``), the spec file and, with ``fmf``
off, no ``.fmf`` tree; the sender's permission on the repository; the sender among the
admins with ``admin`` on. This module imports nothing from the loopback: :func:`scenario_world`
returns plain data, which ``tracer.packit.loopback.World.from_dict`` reads.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tracer.datafile import parse_yaml, read_text
from tracer.errors import DataError
from tracer.packit.worker.events import PullRequestTarget
from tracer.packit.knobs import PERMISSIONS, Knobs
from tracer.packit.worker.profile import Profile

WORLD_TEMPLATE = "packit-pipeline.yaml"
#: packit-service's deployments and their GitHub account names (config.get_github_account_name)
GITHUB_ACCOUNT_NAMES = {
    "prod": "packit-as-a-service[bot]",
    "stg": "packit-as-a-service-stg[bot]",
    "dev": "packit-as-a-service-dev[bot]",
}
#: how GitHub's permission endpoint reports the finer repository roles
_ROLE_AS_PERMISSION = {"maintain": "write", "triage": "read"}
#: the files of a repository's fmf tree (dropped when the ``fmf`` knob is off)
FMF_PREFIXES = (".fmf/", "plans/")
PACKAGE = "hello-world"
SPEC_FILE = "hello-world.spec"
SPEC = """Name:           hello-world
Version:        0.1.0
Release:        1%{?dist}
Summary:        The simplest python CLI tool
License:        MIT
URL:            https://github.com/packit/hello-world
Source0:        %{url}/archive/%{version}/%{name}-%{version}.tar.gz
BuildArch:      noarch
BuildRequires:  python3-devel

%description
The simplest python CLI tool used to demonstrate packit service functionality.

%prep
%autosetup -n %{name}-%{version}

%build
%py3_build

%install
%py3_install

%files
%license LICENSE
%{python3_sitelib}/hello_world*
%{_bindir}/hello

%changelog
* Thu May 02 2019 Alice Admin <alice@example.com> - 0.1.0-1
- initial package
"""


def _read_template(path: str | Path | None) -> tuple[dict[str, Any], str]:
    if path is None:
        text = resources.files("tracer.packit.worker.worlds").joinpath(WORLD_TEMPLATE).read_text(encoding="utf-8")
        source = f"tracer/packit/worker/worlds/{WORLD_TEMPLATE}"
    else:
        source = str(path)
        text = read_text(path, "world file")
    data = parse_yaml(text, source)
    if not isinstance(data, dict):
        raise DataError(f"{source}: expected a loopback world mapping")
    return data, source


@lru_cache(maxsize=1)
def _shipped_template() -> tuple[dict[str, Any], str]:
    return _read_template(None)


def world_template(path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """(a fresh copy of the world template's data, its source name); a file is read each time."""
    if path is not None:
        return _read_template(path)
    data, source = _shipped_template()
    return copy.deepcopy(data), source


def _worker_block(data: dict[str, Any], source: str) -> dict[str, Any]:
    worker = data.get("x-worker")
    if not isinstance(worker, dict):
        raise DataError(f"{source}: missing the 'x-worker' block (repository, contributors)")
    return worker


def _target_repository(data: dict[str, Any], source: str) -> dict[str, Any]:
    full_name = _worker_block(data, source).get("repository")
    if not isinstance(full_name, str) or full_name.count("/") != 1:
        raise DataError(f"{source}: x-worker.repository must be owner/repo, got {full_name!r}")
    repo = next(
        (r for r in data.get("repositories") or [] if isinstance(r, dict) and str(r.get("full_name")).lower() == full_name.lower()),
        None,
    )
    if repo is None:
        raise DataError(f"{source}: x-worker.repository {full_name!r} is not in repositories")
    return repo


def _contributor(data: dict[str, Any], source: str, contributor: str) -> dict[str, Any]:
    contributors = _worker_block(data, source).get("contributors")
    if not isinstance(contributors, dict) or contributor not in contributors:
        raise DataError(f"{source}: x-worker.contributors has no entry {contributor!r}")
    who = contributors[contributor]
    if not isinstance(who, dict) or not isinstance(who.get("pr"), int) or not isinstance(who.get("actor"), str):
        raise DataError(f"{source}: x-worker.contributors.{contributor} must be {{pr: number, actor: login}}")
    return who


def pipeline_target(contributor: str, world_path: str | Path | None = None) -> PullRequestTarget:
    """The PR and sender a ``contributor`` knob value means in the world template."""
    data, source = world_template(world_path)
    who = _contributor(data, source, contributor)
    repo = _target_repository(data, source)
    full_name = str(repo["full_name"])
    pull = next((p for p in repo.get("pulls") or [] if isinstance(p, dict) and p.get("number") == who["pr"]), None)
    if pull is None:
        raise DataError(f"{source}: {full_name} has no pull request #{who['pr']}")
    try:
        head = pull["head"]
        base = pull["base"]["ref"] if isinstance(pull["base"], dict) else pull["base"]
        namespace, name = full_name.split("/")
        return PullRequestTarget(
            namespace=namespace,
            repo=name,
            pr_id=who["pr"],
            head_sha=head["sha"],
            head_ref=head["ref"],
            head_repo=head.get("repo", full_name),
            base_ref=base,
            author=pull["author"],
            actor=who["actor"],
        )
    except (KeyError, TypeError) as exc:
        raise DataError(f"{source}: pull request #{who['pr']} of {full_name} is missing {exc}") from None
    except DataError as exc:
        raise DataError(f"{source}: pull request #{who['pr']} of {full_name}: {exc}") from None


def world_permission(contributor: str, world_path: str | Path | None = None) -> str:
    """The sender's permission on the repository as the world template grants it (GitHub's
    permission endpoint's words: ``maintain`` is ``write``, ``triage`` is ``read``)."""
    data, source = world_template(world_path)
    actor = str(_contributor(data, source, contributor)["actor"]).lower()
    repo = _target_repository(data, source)
    collaborators = {str(k).lower(): v for k, v in (repo.get("collaborators") or {}).items()}
    role = collaborators.get(actor, "none")
    permission = _ROLE_AS_PERMISSION.get(role, role)
    if permission not in PERMISSIONS:
        raise DataError(f"{source}: collaborators.{actor} must be one of {', '.join(PERMISSIONS)}, got {role!r}")
    return permission


def resolve_knobs(profile: Profile, knobs: Knobs, world_path: str | Path | None = None) -> Knobs:
    """``knobs`` resolved against the profile's defaults, then the world's (the permission);
    knobs that are already complete are returned as they are (a knob is resolved once)."""
    if knobs.complete:
        return knobs
    resolved = knobs.resolved(profile)
    if resolved.permission is None:
        resolved = replace(resolved, permission=world_permission(resolved.contributor or "collaborator", world_path))
    return resolved


@dataclass(frozen=True)
class ServiceSettings:
    """What the worker reads of packit-service's service config."""

    deployment: str
    admins: frozenset[str]

    @property
    def github_account_name(self) -> str:
        """packit-service's ``get_github_account_name()``: whose comments are packit's."""
        return GITHUB_ACCOUNT_NAMES[self.deployment]


def service_settings(knobs: Knobs, world_path: str | Path | None = None) -> ServiceSettings:
    """The world's service config, with the sender among the admins when the ``admin`` knob is on.

    A sender the world already lists as an admin with the knob off is a one-line DataError:
    the knob must say what the run is.
    """
    data, source = world_template(world_path)
    raw = _worker_block(data, source).get("service_config") or {}
    if not isinstance(raw, dict):
        raise DataError(f"{source}: x-worker.service_config must be a mapping (deployment, admins)")
    deployment = raw.get("deployment", "prod")
    if deployment not in GITHUB_ACCOUNT_NAMES:
        raise DataError(f"{source}: x-worker.service_config.deployment must be one of {', '.join(GITHUB_ACCOUNT_NAMES)}, got {deployment!r}")
    admins = raw.get("admins") or []
    if not isinstance(admins, list) or not all(isinstance(a, str) and a for a in admins):
        raise DataError(f"{source}: x-worker.service_config.admins must be a list of logins")
    actor = str(_contributor(data, source, knobs.contributor or "collaborator")["actor"])
    if actor in admins and not knobs.admin:
        raise DataError(f"{source}: x-worker.service_config.admins lists the sender {actor!r} but knob 'admin' is off")
    if knobs.admin:
        admins = [*admins, actor]
    return ServiceSettings(deployment, frozenset(admins))


def package_config_data(knobs: Knobs) -> dict[str, Any]:
    """The packit config the scenario's repository carries (as data)."""
    chroots = knobs.chroot_list
    build_job: dict[str, Any] = {"job": "copr_build", "trigger": "pull_request", "targets": list(chroots)}
    if knobs.build_flags_only:
        build_job["sync_test_job_statuses_with_builds"] = False
    if not knobs.osh_scan:
        build_job["osh_diff_scan_after_copr_build"] = False
    config: dict[str, Any] = {"upstream_package_name": PACKAGE}
    if not knobs.spec_search:
        config["specfile_path"] = SPEC_FILE
        config["downstream_package_name"] = PACKAGE
    jobs = [build_job]
    if knobs.tests:
        jobs.append({"job": "tests", "trigger": "pull_request", "targets": list(chroots)})
    if knobs.success_comment:
        config["notifications"] = {"pull_request": {"successful_build": True}}
    config["jobs"] = jobs
    return config


def package_config_text(knobs: Knobs) -> str:
    """The config file's text, JSON for the ``.json`` names."""
    data = package_config_data(knobs)
    assert knobs.config_file is not None
    if knobs.config_file.endswith(".json"):
        return json.dumps(data, indent=2) + "\n"
    return "# packit configuration (https://packit.dev/docs/configuration)\n" + yaml.safe_dump(data, sort_keys=False)


def scenario_world(knobs: Knobs, world_path: str | Path | None = None) -> dict[str, Any]:
    """The loopback world (plain data) for ``knobs`` resolved against a profile (an unset
    ``permission`` is the world's, as :func:`resolve_knobs` gives)."""
    if knobs.config_file is None or knobs.chroots is None:
        raise DataError("scenario: knobs must be resolved against a profile first")
    if knobs.permission is None:
        knobs = replace(knobs, permission=world_permission(knobs.contributor or "collaborator", world_path))
    data, source = world_template(world_path)
    target = pipeline_target(knobs.contributor or "collaborator", world_path)
    settings = service_settings(knobs, world_path)
    config = package_config_text(knobs)
    for repo in data.get("repositories") or []:
        files = repo.setdefault("files", {})
        base_tree = dict(files.get(repo.get("default_branch", "main")) or {})
        if not knobs.fmf:
            base_tree = {path: text for path, text in base_tree.items() if not path.startswith(FMF_PREFIXES)}
            files[repo.get("default_branch", "main")] = base_tree
        for pull in repo.get("pulls") or []:
            tree = dict(base_tree)
            tree[knobs.config_file] = config
            tree[SPEC_FILE] = SPEC
            files[pull["head"]["sha"]] = tree
    repo = _target_repository(data, source)
    collaborators = repo.get("collaborators") or {}
    repo["collaborators"] = {k: v for k, v in collaborators.items() if str(k).lower() != target.actor.lower()}
    repo["collaborators"][target.actor] = knobs.permission
    data["x-worker"]["service_config"] = {"deployment": settings.deployment, "admins": sorted(settings.admins)}
    data["name"] = f"{data.get('name', 'packit-pipeline')}"
    data.setdefault("x-scenario", {"target": f"{target.full_name}#{target.pr_id}", "knobs": knobs.as_dict()})
    return data
