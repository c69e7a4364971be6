"""Trace documents built for the drift tests: straight from the model's per-event vectors, or
step by step from the worker's measured tables in /work/shared/design/packit-worker.md."""


from __future__ import annotations

import json
from pathlib import Path
from typing import Any


from tracer.capture import Call, Trace
from tracer.packit.drift import (
    Measurement,
)
from tracer.packit.model import Scenario, per_event

REPO = "/repos/{owner}/{repo}"
#: a plausible endpoint for each model category (what the category's ogr call requests)
ENDPOINT = {
    "is_project_private": ("GET", REPO),
    "is_user_approved": ("GET", REPO + "/collaborators/{username}/permission"),
    "load_packit_yaml": ("GET", REPO + "/contents/{path+}"),
    "set_status": ("POST", REPO + "/check-runs"),
}
HANDLER = {
    "PR is updated": "process_message",
    "Submit Copr build": "CoprBuildHandler",
    "SRPM build started": "CoprBuildStartHandler",
    "SRPM build finished": "CoprBuildEndHandler",
    "RPM build started": "CoprBuildStartHandler",
    "RPM build finished": "CoprBuildEndHandler",
    "Tests started": "TestingFarmResultsHandler",
    "Tests finished": "TestingFarmResultsHandler",
}
#: model parameters of the published default: .packit.yaml, tests on (120 calls at N = 3)
PUBLISHED = {"chroots": 3, "load_packit_yaml": 3, "tests_enabled": True, "load_packit_yaml_once": False,
             "all_flags": True, "is_private_once": False}


class TraceBuilder:
    """Calls appended one by one, numbered as the tracer numbers them."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.invocation = 0

    def add(self, event: str, handler: str, category: str, method: str, route: str, n: int = 1, *,
            charged: bool = True, status: int = 200, new_invocation: bool = False) -> TraceBuilder:
        if new_invocation:
            self.invocation += 1
        for _ in range(n):
            seq = len(self.calls) + 1
            self.calls.append(Call(
                seq=seq, method=method, url=f"https://api.github.com{route}", route=route,
                category=category, charged=charged, status=status, handler=handler, event=event,
                invocation=self.invocation, logical=seq, auth="token",
            ))
        return self

    def step(self, event: str, handler: str, calls: list[tuple[str, str, str, int]]) -> TraceBuilder:
        """One handler run: (category, method, route, count) in order."""
        self.invocation += 1
        for category, method, route, n in calls:
            self.add(event, handler, category, method, route, n)
        return self

    def trace(self) -> Trace:
        return Trace(self.calls)


def model_trace(scenario: Scenario) -> TraceBuilder:
    """For each model event and category, that many calls with the category's endpoint."""
    b = TraceBuilder()
    for event, vector in per_event(scenario).items():
        b.invocation += 1
        for category, count in vector.as_dict().items():
            method, route = ENDPOINT[category]
            b.add(event, HANDLER[event], category, method, route, count)
    return b


def worker_at_c(n: int) -> TraceBuilder:
    """packit-service@bc1f66bb per the design note's per-step table: 18 + 43·N requests."""
    pm_pr = [("is_project_private", "GET", REPO, 1),
             ("load_packit_yaml", "GET", REPO + "/contents/{path+}", 2),
             ("load_packit_yaml", "GET", REPO + "/contents/", 1),
             ("is_user_approved", "GET", REPO + "/collaborators/{username}/permission", 2),
             ("set_status", "POST", REPO + "/check-runs", 2 * n)]
    pm = [("is_project_private", "GET", REPO, 1),
          ("load_packit_yaml", "GET", REPO + "/contents/{path+}", 2),
          ("load_packit_yaml", "GET", REPO + "/contents/", 1)]

    def checks(k: int) -> list[tuple[str, str, str, int]]:
        return [("set_status", "GET", REPO, 1), ("set_status", "POST", REPO + "/check-runs", k)]

    b = TraceBuilder()
    b.step("PR is updated", "process_message", pm_pr)
    b.step("Submit Copr build", "CoprBuildHandler", [
        ("other", "GET", REPO, 1), ("other", "GET", REPO + "/pulls/{pull_number}", 1),
        ("set_status", "POST", REPO + "/check-runs", 2 * n)])
    for event, handler in (("SRPM build started", "CoprBuildStartHandler"),
                           ("SRPM build finished", "CoprBuildEndHandler")):
        b.step(event, "process_message", pm).step(event, handler, checks(2 * n))
    for event, handler in (("RPM build started", "CoprBuildStartHandler"),
                           ("RPM build finished", "CoprBuildEndHandler")):
        for _ in range(n):
            b.step(event, "process_message", pm).step(event, handler, checks(2))
    for _ in range(n):
        b.step("Tests submitted", "TestingFarmHandler", [
            ("other", "GET", REPO, 1), ("other", "GET", REPO + "/contents/{path+}", 1),
            ("other", "GET", REPO + "/pulls/{pull_number}", 2),
            ("other", "GET", REPO + "/branches/{branch+}", 3),
            ("set_status", "POST", REPO + "/check-runs", 2)])
    for event in ("Tests started", "Tests finished"):
        for _ in range(n):
            b.step(event, "process_message", pm).step(event, "TestingFarmResultsHandler", checks(1))
    return b


def worker_at_head(n: int) -> TraceBuilder:
    """packit-service@b828c3d7 per the design note: config stored once, GET /rate_limit per handler."""
    rl = ("other", "GET", "/rate_limit", 1)
    b = TraceBuilder()
    b.step("PR is updated", "process_message", [
        ("is_project_private", "GET", REPO, 1),
        ("load_packit_yaml", "GET", REPO + "/contents/", 2),
        ("load_packit_yaml", "GET", REPO + "/contents/{path+}", 1),
        ("is_user_approved", "GET", REPO + "/collaborators/{username}/permission", 2),
        ("set_status", "POST", REPO + "/check-runs", 2 * n)])
    b.step("Submit Copr build", "CoprBuildHandler", [
        rl, ("other", "GET", REPO, 1), ("other", "GET", REPO + "/pulls/{pull_number}", 1),
        ("set_status", "POST", REPO + "/check-runs", 2 * n)])
    b.step("Submit Copr build", "TestingFarmHandler", [rl])
    for event, handler in (("SRPM build started", "CoprBuildStartHandler"),
                           ("SRPM build finished", "CoprBuildEndHandler")):
        b.step(event, handler, [rl, ("set_status", "GET", REPO, 1), ("set_status", "POST", REPO + "/check-runs", 2 * n)])
    for event, handler in (("RPM build started", "CoprBuildStartHandler"),
                           ("RPM build finished", "CoprBuildEndHandler")):
        for i in range(n):
            b.step(event, handler, [rl, ("set_status", "GET", REPO, 1), ("set_status", "POST", REPO + "/check-runs", 2)])
            if event == "RPM build finished" and i == 0:  # OpenScanHub lookup, rawhide a target
                b.add(event, handler, "other", "GET", REPO + "/pulls/{pull_number}")
    for _ in range(n):
        b.step("Tests submitted", "TestingFarmHandler", [
            rl, ("other", "GET", REPO, 2), ("other", "GET", REPO + "/contents/{path+}", 1),
            ("other", "GET", REPO + "/pulls/{pull_number}", 1),
            ("other", "GET", REPO + "/branches/{branch+}", 3),
            ("set_status", "POST", REPO + "/check-runs", 2)])
    for event in ("Tests started", "Tests finished"):
        for _ in range(n):
            b.step(event, "TestingFarmResultsHandler", [rl, ("set_status", "GET", REPO, 1),
                                                          ("set_status", "POST", REPO + "/check-runs", 1)])
    for call in b.calls:
        if call.route == "/rate_limit":
            call.charged = False
    return b


def trace_doc(trace: Trace, name: str, model: dict[str, Any] | None, profile: str = "synthetic",
              knobs: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "profile": profile, "knobs": knobs or {}}
    if model is not None:
        meta["model"] = model
    return trace.to_json(**meta)


def write_trace(path: Path, trace: Trace, name: str, model: dict[str, Any] | None, **kw: Any) -> Path:
    path.write_text(json.dumps(trace_doc(trace, name, model, **kw)))
    return path


def measurement(trace: Trace, name: str = "run", **model: Any) -> Measurement:
    params = {**PUBLISHED, **model}
    return Measurement.from_json(trace_doc(trace, name, params), f"{name}.json")


# -- measurement input -----------------------------------------------------------------------
