"""Events built from packit-service's real payloads (the JSON files beside this module, MIT).

The payloads come from packit-service's test suite (see LICENSE here). A scenario substitutes
what packit-service reads from them (repository, PR number, head sha, sender, chroot, Copr
build id, Testing Farm request id); :func:`parse_event` then parses what packit-service's
``Parser.parse_event`` parses, and nothing else. An unknown shape is a one-line DataError.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from tracer.errors import DataError
from tracer.packit.knobs import PR_ACTIONS

PAYLOADS = (
    "github_pr.json",
    "fedmsg_srpm_build_start.json",
    "fedmsg_srpm_build_end.json",
    "fedmsg_copr_build_start.json",
    "fedmsg_copr_build_end.json",
    "testing_farm_notification.json",
    "testing_farm_results.json",
)
SRPM_CHROOT = "srpm-builds"
COPR_TOPIC_START = "org.fedoraproject.prod.copr.build.start"
COPR_TOPIC_END = "org.fedoraproject.prod.copr.build.end"
TF_STATES = ("new", "queued", "running", "complete", "error")
#: Testing Farm's own installability test, run when the repository has no fmf tree
#: (packit-service's TESTING_FARM_INSTALLABILITY_TEST_URL / _REF, the same at both profiles)
TF_INSTALLABILITY_TEST_URL = "https://gitlab.com/testing-farm/tests"
TF_INSTALLABILITY_TEST_REF = "main"
_CHROOT = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9_]+)*-(?:x86_64|aarch64|ppc64le|s390x|i386|noarch)$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@lru_cache(maxsize=None)
def _template(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


def payload_template(name: str) -> dict[str, Any]:
    """A fresh copy of one of the shipped real payloads."""
    if name not in PAYLOADS:
        raise DataError(f"unknown event payload {name!r} (known: {', '.join(PAYLOADS)})")
    return copy.deepcopy(_template(name))


# -- the scenario's identities -------------------------------------------------------------
@dataclass(frozen=True)
class PullRequestTarget:
    """The pull request a pipeline runs for."""

    namespace: str
    repo: str
    pr_id: int
    head_sha: str
    head_ref: str
    head_repo: str  # owner/repo of the PR's source (a fork or the repository itself)
    base_ref: str
    author: str  # who opened the PR
    actor: str  # who triggered the event (the webhook's sender)

    def __post_init__(self) -> None:
        where = "pull request target"
        for field_name in ("namespace", "repo", "head_ref", "base_ref", "author", "actor"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not _NAME.match(value):
                raise DataError(f"{where}: {field_name} must be a GitHub name, got {value!r}")
        if not isinstance(self.pr_id, int) or isinstance(self.pr_id, bool) or self.pr_id < 1:
            raise DataError(f"{where}: pr_id must be a positive number, got {self.pr_id!r}")
        if not isinstance(self.head_sha, str) or not _SHA.match(self.head_sha):
            raise DataError(f"{where}: head_sha must be 40 hex digits, got {self.head_sha!r}")
        if not isinstance(self.head_repo, str) or self.head_repo.count("/") != 1:
            raise DataError(f"{where}: head_repo must be owner/repo, got {self.head_repo!r}")

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.repo}"

    @property
    def project_url(self) -> str:
        return f"https://github.com/{self.full_name}"


# -- payload builders (substitution into the real payloads) -------------------------------
def _repo_block(block: dict[str, Any], full_name: str) -> None:
    owner, name = full_name.split("/", 1)
    old = block.get("full_name", "")
    block["name"] = name
    block["full_name"] = full_name
    if isinstance(block.get("owner"), dict):
        block["owner"]["login"] = owner
    for key, value in list(block.items()):
        if isinstance(value, str) and old and old in value:
            block[key] = value.replace(old, full_name)


def pr_webhook(target: PullRequestTarget, action: str = "synchronize") -> dict[str, Any]:
    """The GitHub ``pull_request`` webhook (``github_pr.json``) for ``target``."""
    payload = payload_template("github_pr.json")
    payload["action"] = action
    payload["number"] = target.pr_id
    pr = payload["pull_request"]
    pr["number"] = target.pr_id
    pr["user"]["login"] = target.author
    pr["head"]["sha"] = target.head_sha
    pr["head"]["ref"] = target.head_ref
    pr["head"]["label"] = f"{target.head_repo.split('/')[0]}:{target.head_ref}"
    _repo_block(pr["head"]["repo"], target.head_repo)
    pr["base"]["ref"] = target.base_ref
    pr["base"]["label"] = f"{target.namespace}:{target.base_ref}"
    _repo_block(pr["base"]["repo"], target.full_name)
    _repo_block(payload["repository"], target.full_name)
    payload["sender"]["login"] = target.actor
    if isinstance(payload.get("organization"), dict):
        payload["organization"]["login"] = target.namespace
    return payload


def copr_message(*, start: bool, build_id: int, chroot: str, owner: str, project: str) -> dict[str, Any]:
    """A Copr fedora-messaging message: SRPM (``chroot == "srpm-builds"``) or RPM build start/end."""
    srpm = chroot == SRPM_CHROOT
    if not srpm and not _CHROOT.match(chroot):
        raise DataError(f"scenario: {chroot!r} is not a Copr chroot name (e.g. fedora-rawhide-x86_64)")
    name = f"fedmsg_{'srpm' if srpm else 'copr'}_build_{'start' if start else 'end'}.json"
    payload = payload_template(name)
    old_build, old_copr, old_chroot = str(payload["build"]), payload["copr"], payload["chroot"]
    payload.update(build=build_id, chroot=chroot, owner=owner, user=owner, copr=project)
    payload["what"] = (
        payload["what"].replace(f"build:{old_build}", f"build:{build_id}").replace(f"copr:{old_copr}", f"copr:{project}")
    )
    if not srpm:
        payload["what"] = payload["what"].replace(old_chroot, chroot)
    return payload


def tf_notification(request_id: str) -> dict[str, Any]:
    """Testing Farm's webhook notification (``testing_farm_notification.json``): only an id."""
    payload = payload_template("testing_farm_notification.json")
    payload["request_id"] = request_id
    return payload


def tf_details(
    *, request_id: str, state: str, build_id: int | None, chroot: str, fmf_url: str, fmf_ref: str, overall: str | None
) -> dict[str, Any]:
    """What Testing Farm's API answers for a request (``testing_farm_results.json``); an
    installability test (``build_id`` None) requested no artifacts."""
    if state not in TF_STATES:
        raise DataError(f"scenario: Testing Farm state must be one of {', '.join(TF_STATES)}, got {state!r}")
    payload = payload_template("testing_farm_results.json")
    payload["id"] = request_id
    payload["state"] = state
    payload["test"]["fmf"]["url"] = fmf_url
    payload["test"]["fmf"]["ref"] = fmf_ref
    env = payload["environments_requested"][0]
    env["arch"] = chroot.rsplit("-", 1)[1]
    if build_id is None:
        del env["artifacts"]
    else:
        env["artifacts"][0]["id"] = f"{build_id}:{chroot}"
    payload["result"]["overall"] = overall
    if overall is None:
        payload["result"]["xunit"] = None
    return payload


# -- parsed events (what packit-service's Parser keeps) -----------------------------------
@dataclass(frozen=True)
class PullRequestGithubEvent:
    action: str
    pr_id: int
    namespace: str
    repo: str
    commit_sha: str
    base_ref: str
    actor: str
    project_url: str

    name = "PR is updated"


@dataclass(frozen=True)
class AbstractCoprBuildEvent:
    topic: str
    build_id: int
    chroot: str
    status: int
    owner: str
    project_name: str

    @property
    def is_srpm(self) -> bool:
        return self.chroot == SRPM_CHROOT

    @property
    def name(self) -> str:
        kind = "SRPM" if self.is_srpm else "RPM"
        return f"{kind} build {'started' if isinstance(self, CoprBuildStartEvent) else 'finished'}"


@dataclass(frozen=True)
class CoprBuildStartEvent(AbstractCoprBuildEvent):
    pass


@dataclass(frozen=True)
class CoprBuildEndEvent(AbstractCoprBuildEvent):
    pass


@dataclass(frozen=True)
class TestingFarmResultsEvent:
    __test__ = False  # not a pytest class

    request_id: str
    state: str
    overall: str | None
    build_id: int | None  # None for an installability test: the run in the database says
    chroot: str | None
    project_url: str
    commit_sha: str

    @property
    def name(self) -> str:
        return "Tests finished" if self.state in ("complete", "error") else "Tests started"


Event = PullRequestGithubEvent | CoprBuildStartEvent | CoprBuildEndEvent | TestingFarmResultsEvent


def _get(payload: Any, *path: str | int, kind: type | tuple[type, ...] = str, source: str = "event payload") -> Any:
    value = payload
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            raise DataError(f"{source}: missing {'.'.join(map(str, path))}") from None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise DataError(f"{source}: {'.'.join(map(str, path))} has the wrong type ({type(value).__name__})")
    return value


def parse_event(
    payload: Any,
    *,
    tf_request_details: Callable[[str], Mapping[str, Any]] | None = None,
    source: str = "event payload",
) -> Event:
    """Parse a webhook/message payload as packit-service's ``Parser.parse_event`` does.

    A Testing Farm notification carries only a request id; packit-service asks Testing Farm's
    API for the details, here ``tf_request_details(request_id)``.
    """
    if not isinstance(payload, Mapping):
        raise DataError(f"{source}: expected a JSON object, got {type(payload).__name__}")
    if "pull_request" in payload and "action" in payload:
        action = _get(payload, "action", source=source)
        if action not in PR_ACTIONS:
            raise DataError(f"{source}: pull_request action {action!r} starts no pipeline (one of {', '.join(PR_ACTIONS)})")
        base_repo = _get(payload, "pull_request", "base", "repo", kind=dict, source=source)
        return PullRequestGithubEvent(
            action=action,
            pr_id=_get(payload, "number", kind=int, source=source),
            namespace=_get(base_repo, "owner", "login", source=source),
            repo=_get(base_repo, "name", source=source),
            commit_sha=_get(payload, "pull_request", "head", "sha", source=source),
            base_ref=_get(payload, "pull_request", "base", "ref", source=source),
            actor=_get(payload, "sender", "login", source=source),
            project_url=_get(base_repo, "html_url", source=source),
        )
    topic = payload.get("topic")
    if isinstance(topic, str) and topic.endswith((".copr.build.start", ".copr.build.end")):
        cls = CoprBuildStartEvent if topic.endswith(".start") else CoprBuildEndEvent
        return cls(
            topic=topic,
            build_id=_get(payload, "build", kind=int, source=source),
            chroot=_get(payload, "chroot", source=source),
            status=_get(payload, "status", kind=int, source=source),
            owner=_get(payload, "owner", source=source),
            project_name=_get(payload, "copr", source=source),
        )
    if payload.get("source") == "testing-farm" and "request_id" in payload:
        request_id = _get(payload, "request_id", source=source)
        if tf_request_details is None:
            raise DataError(f"{source}: a Testing Farm notification needs the request's details (no Testing Farm API given)")
        details = tf_request_details(request_id)
        where = f"Testing Farm request {request_id}"
        fmf_url = _get(details, "test", "fmf", "url", source=where)
        build_id: int | None = None
        chroot: str | None = None
        if fmf_url != TF_INSTALLABILITY_TEST_URL:  # "There are no artifacts in install-test results"
            artifact = _get(details, "environments_requested", 0, "artifacts", 0, "id", source=where)
            build, _, chroot = artifact.partition(":")
            if not build.isdigit() or not chroot:
                raise DataError(f"{where}: artifact id {artifact!r} is not BUILD_ID:CHROOT")
            build_id = int(build)
        state = _get(details, "state", source=where)
        if state not in TF_STATES:
            raise DataError(f"{where}: unknown state {state!r}")
        overall = details.get("result", {}).get("overall") if isinstance(details.get("result"), dict) else None
        return TestingFarmResultsEvent(
            request_id=request_id,
            state=state,
            overall=overall,
            build_id=build_id,
            chroot=chroot,
            project_url=fmf_url,
            commit_sha=_get(details, "test", "fmf", "ref", source=where),
        )
    keys = ", ".join(sorted(map(str, payload))[:6]) or "none"
    raise DataError(f"{source}: not an event packit-service handles (keys: {keys})")
