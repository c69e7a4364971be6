"""One PR pipeline of the reference packit worker: its steps, and running them.

::

    from tracer.packit.worker import Credentials, Knobs, Pipeline, run_traced
    pipeline = Pipeline("packit-service@bc1f66bb", Knobs(chroots=3), Credentials.with_token(token))
    pipeline.steps()            # [Step(index, event, handler, chroot)], the same for the same knobs
    pipeline.run(around=lambda step: cassette_for(step))   # each step in handler(...) and around(step)
    trace = run_traced("HEAD", {"chroots": 5}, api_url=hub.url, credentials=...)

The steps, in the order packit-service sees the events: the PR webhook ("PR is updated") and
the two handler tasks it sends ("Submit Copr build"); SRPM build started and finished (one
Copr message each); RPM build started for every chroot; then per chroot RPM build finished
and, with tests, the Testing Farm submission its end handler sends ("Tests submitted"); then
with tests "Tests started" for every chroot and "Tests finished" for every chroot. Each
incoming event is a ``process_message`` step followed by the handler step(s) it sends.

The worker makes the same requests in the same order on every run (no time or randomness in
URLs, ids from counters and uuid5), talks only to ``https://api.github.com`` (point it at a
loopback with ``redirect_api``, or let a cassette answer) and starts nothing by itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import github
import requests
from ogr.exceptions import OgrException

from tracer.capture import Rules, Trace, Tracer, handler, no_throttle, redirect_api
from tracer.errors import DataError, UsageError
from tracer.packit.worker.context import Task, WorkerContext
from tracer.packit.worker.events import SRPM_CHROOT, copr_message, pr_webhook, tf_notification
from tracer.packit.worker.handlers import HANDLERS
from tracer.packit.worker.models import PipelineModel
from tracer.packit.worker.packit_config import config_summary
from tracer.packit.knobs import Knobs, as_knobs
from tracer.packit.worker.profile import Profile, load_profile
from tracer.packit.worker.scenario import pipeline_target, resolve_knobs, service_settings
from tracer.packit.worker.services import Credentials, ServiceConfig
from tracer.packit.worker.steve_jobs import SteveJobs
from tracer.packit.worker.testing_farm import TestingFarmAPI

PROCESS_MESSAGE = "process_message"
#: what ogr/PyGithub/requests raise when GitHub (or the network) answers badly: one-line errors
FORGE_ERRORS = (github.GithubException, OgrException, requests.RequestException)
#: the event names the scopes carry (the published model's, plus "Tests submitted")
EVENTS = (
    "PR is updated",
    "Submit Copr build",
    "SRPM build started",
    "SRPM build finished",
    "RPM build started",
    "RPM build finished",
    "Tests submitted",
    "Tests started",
    "Tests finished",
)


class PipelineError(DataError):
    """The worker did not do what the plan (the knobs) says: e.g. the repository's config
    disagrees with the scenario, or a handler sent a task the plan has no step for."""


@dataclass(frozen=True)
class Step:
    """One handler invocation: ``process_message`` of an incoming event, or a handler task."""

    index: int
    event: str
    handler: str
    chroot: str | None = None

    @property
    def label(self) -> str:
        where = f" [{self.chroot}]" if self.chroot else ""
        return f"{self.index:03d} {self.event}: {self.handler}{where}"


Around = Callable[[Step], AbstractContextManager[Any]]


class Pipeline:
    """A profile, resolved knobs and credentials: the steps, and running them."""

    def __init__(
        self,
        profile: str | Path | Profile,
        knobs: Knobs | Mapping[str, Any] | None = None,
        credentials: Credentials | None = None,
        *,
        world: str | Path | None = None,
    ) -> None:
        self.profile = load_profile(profile)
        self.knobs = resolve_knobs(self.profile, as_knobs(knobs), world)
        if self.knobs.config_file == ".distro/source-git.yaml" and self.profile.switches.config_lookup == "root_listing":
            raise UsageError(
                f"knob 'config_file' .distro/source-git.yaml is not in the root listing {self.profile.name} reads"
            )
        if credentials is None:
            if self.knobs.auth == "app":
                raise UsageError("knob 'auth' is app: give GitHub App credentials (app id and private key)")
            credentials = Credentials.for_replay()
        if credentials.kind != self.knobs.auth:
            raise UsageError(f"knob 'auth' is {self.knobs.auth} but the credentials are a {credentials.kind}")
        self.credentials = credentials
        self.target = pipeline_target(self.knobs.contributor or "collaborator", world)
        self.settings = service_settings(self.knobs, world)
        self.context: WorkerContext | None = None  # the last run's state, for inspection

    def __repr__(self) -> str:
        return f"Pipeline({self.profile.name!r}, {self.knobs!r})"

    # -- the plan ----------------------------------------------------------------------------
    @property
    def sender_allowed(self) -> bool:
        """What packit's allowlist will decide: an admin passes, then one who can merge (write
        or admin permission), then the PR's author."""
        knobs = self.knobs
        return bool(knobs.admin) or knobs.permission in ("write", "admin") or self.target.actor == self.target.author

    def steps(self) -> list[Step]:
        """Every handler invocation of the pipeline, in order."""
        plan: list[tuple[str, str, str | None]] = [("PR is updated", PROCESS_MESSAGE, None)]
        if not self.sender_allowed:
            # the allowlist refuses the sender: process_message reports a neutral status and
            # sends no handler, so no Copr build and nothing after it
            return self._numbered(plan)
        tests = bool(self.knobs.tests)
        chroots = self.knobs.chroot_list
        plan.append(("Submit Copr build", "CoprBuildHandler", None))
        if tests:
            plan.append(("Submit Copr build", "TestingFarmHandler", None))
        for event, name in (("SRPM build started", "CoprBuildStartHandler"), ("SRPM build finished", "CoprBuildEndHandler")):
            plan += [(event, PROCESS_MESSAGE, None), (event, name, None)]
        for chroot in chroots:
            plan += [("RPM build started", PROCESS_MESSAGE, chroot), ("RPM build started", "CoprBuildStartHandler", chroot)]
        for chroot in chroots:
            plan += [("RPM build finished", PROCESS_MESSAGE, chroot), ("RPM build finished", "CoprBuildEndHandler", chroot)]
            if tests:
                plan.append(("Tests submitted", "TestingFarmHandler", chroot))
        if tests:
            for event in ("Tests started", "Tests finished"):
                for chroot in chroots:
                    plan += [(event, PROCESS_MESSAGE, chroot), (event, "TestingFarmResultsHandler", chroot)]
        return self._numbered(plan)

    @staticmethod
    def _numbered(plan: list[tuple[str, str, str | None]]) -> list[Step]:
        return [Step(i, event, name, chroot) for i, (event, name, chroot) in enumerate(plan, 1)]

    # -- running -----------------------------------------------------------------------------
    def run(self, around: Around | None = None) -> None:
        """Run every step inside ``tracer.capture.handler(step.handler, event=step.event)`` and
        inside ``around(step)`` (outermost), e.g. a vcrpy cassette per handler invocation."""
        service_config = ServiceConfig(
            self.credentials, self.settings.admins, self.settings.github_account_name,
            project_reuse=self.knobs.project_reuse or "call", reuse_token=bool(self.knobs.reuse_token),
        )
        ctx = WorkerContext(self.profile, self.knobs, service_config, TestingFarmAPI())
        self.context = ctx
        steve = SteveJobs(ctx)
        queue: deque[Task] = deque()
        for step in self.steps():
            with around(step) if around is not None else nullcontext(), handler(step.handler, event=step.event):
                try:
                    self._run_step(step, ctx, steve, queue)
                except FORGE_ERRORS as exc:
                    detail = " ".join(str(exc).split())[:300]
                    raise PipelineError(f"step {step.label}: a GitHub request failed: {type(exc).__name__}: {detail}") from exc
        if queue:
            raise PipelineError(f"the worker sent tasks the plan has no step for: {', '.join(map(str, queue))}")

    def _run_step(self, step: Step, ctx: WorkerContext, steve: SteveJobs, queue: deque[Task]) -> None:
        if step.handler == PROCESS_MESSAGE:
            payload = self._incoming(step, ctx)
            queue.extend(steve.process_message(payload, source=f"step {step.index} ({step.event})"))
            if step.event == "PR is updated":
                self._check_config(ctx)
            return
        task = queue.popleft() if queue else None
        if task is None or (task.handler, task.event, task.chroot) != (step.handler, step.event, step.chroot):
            raise PipelineError(f"step {step.label}: the worker sent {task or 'no task'} instead")
        queue.extend(HANDLERS[task.handler](ctx, task).run_job())

    def _pipeline(self, ctx: WorkerContext) -> PipelineModel:
        return ctx.db.find_pr(self.target.full_name, self.target.pr_id)

    def _incoming(self, step: Step, ctx: WorkerContext) -> dict[str, Any]:
        """The payload of the event a process_message step handles (the real payloads, substituted)."""
        if step.event == "PR is updated":
            return pr_webhook(self.target, action=self.knobs.pr_action or "synchronize")
        pipeline = self._pipeline(ctx)
        if step.event in ("SRPM build started", "SRPM build finished", "RPM build started", "RPM build finished"):
            if pipeline.copr_build_id is None:
                raise PipelineError(f"step {step.label}: no Copr build was submitted")
            return copr_message(
                start=step.event.endswith("started"),
                build_id=pipeline.copr_build_id,
                chroot=step.chroot or SRPM_CHROOT,
                owner=pipeline.copr_owner,
                project=pipeline.copr_project,
            )
        run = pipeline.test_runs.get(step.chroot or "")
        if run is None:
            raise PipelineError(f"step {step.label}: no tests were submitted for {step.chroot}")
        if step.event == "Tests started":
            ctx.testing_farm.set_state(run.pipeline_id, "running")
        else:
            ctx.testing_farm.set_state(run.pipeline_id, "complete", "passed")
        return tf_notification(run.pipeline_id)

    def _check_config(self, ctx: WorkerContext) -> None:
        """The repository's config must be the one the knobs describe (else the plan is wrong)."""
        config = self._pipeline(ctx).package_config
        if config is None:
            raise PipelineError(f"{self.target.full_name}@{self.target.head_sha[:12]}: no packit config found")
        found = config_summary(config)
        wanted = {
            "config_file": self.knobs.config_file,
            "chroots": self.knobs.chroot_list,
            "tests": self.knobs.tests,
            "build_flags_only": self.knobs.build_flags_only,
            "success_comment": self.knobs.success_comment,
            "osh_scan": self.knobs.osh_scan,
        }
        for key, value in wanted.items():
            if found[key] != value:
                raise PipelineError(
                    f"{self.target.full_name}@{self.target.head_sha[:12]}: the repository's packit config has "
                    f"{key}={found[key]!r}, the scenario says {value!r}"
                )


def run_traced(
    profile: str | Path | Profile,
    knobs: Knobs | Mapping[str, Any] | None = None,
    *,
    api_url: str | None,
    credentials: Credentials | None = None,
    rules: Rules | None = None,
    around: Around | None = None,
) -> Trace:
    """Run one pipeline inside a :class:`Tracer` (and ``no_throttle()``); with ``api_url``
    every api.github.com request goes there (``redirect_api``). Starts no server itself."""
    pipeline = Pipeline(profile, knobs, credentials)
    with ExitStack() as stack:
        if api_url:
            stack.enter_context(redirect_api(api_url))
        stack.enter_context(no_throttle())
        tracer = stack.enter_context(Tracer(rules))
        pipeline.run(around)
    return tracer.trace()
