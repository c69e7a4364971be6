"""A loopback Testing Farm API (v0.1): what packit-service's Testing Farm client calls.

::

    with FakeTestingFarm() as tf:
        tf.url + "/"                              # packit-service's testing_farm_api_url
        ...                                       # packit submits a request (POST requests)
        request_id = tf.request_ids()[0]
        tf.set_state(request_id, "running")       # what Testing Farm does while it tests
        tf.set_state(request_id, "complete", "passed")

Routes: ``GET composes/{ranch}``, ``POST requests``, ``GET requests/{id}``, ``DELETE
requests/{id}``. A request's id is a uuid5 of what it tests (repository, ref, artifacts or
installability target), so a run makes the same ids every time; the details answer is shaped as
Testing Farm's (``test.fmf``, ``environments_requested``, ``state``, ``result``, ``run``).
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from tracer.packit.loopback.jsonservice import Answer, Call, JsonService
from tracer.packit.loopback.services_world import ServicesWorld

#: the namespace of request ids (the real payload's request id, as the reference worker's TF)
REQUEST_NAMESPACE = uuid.UUID("129bd474-e4d3-49e0-9dec-d994a99feebc")
STATES = ("new", "queued", "running", "complete", "error", "canceled")
CREATED = "2025-08-03T12:10:00.000000"
ARTIFACTS = "https://artifacts.testing-farm.io"


class FakeTestingFarm(JsonService):
    """Testing Farm's request API over in-memory requests."""

    ROUTES = (
        ("GET", r"/composes/(?P<ranch>[^/]+)", "composes"),
        ("GET", r"/composes", "composes"),
        ("POST", r"/requests", "submit"),
        ("GET", r"/requests/(?P<request_id>[0-9a-f-]+)", "details"),
        ("DELETE", r"/requests/(?P<request_id>[0-9a-f-]+)", "cancel"),
    )

    def __init__(self, world: ServicesWorld | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.world = world or ServicesWorld.load()
        self.submitted: dict[str, dict[str, Any]] = {}

    # -- what Testing Farm does while it tests ----------------------------------------------------
    def request_ids(self) -> list[str]:
        """Request ids in the order they were submitted."""
        with self._lock:
            return list(self.submitted)

    def set_state(self, request_id: str, state: str, overall: str | None = None) -> None:
        if state not in STATES:
            raise ValueError(f"Testing Farm state {state!r}: one of {', '.join(STATES)}")
        with self._lock:
            details = self.submitted[request_id]
            details["state"] = state
            details["result"]["overall"] = overall
            if overall is not None:
                details["result"]["summary"] = f"tests {overall}"
                details["result"]["xunit"] = f"{ARTIFACTS}/{request_id}/results.xml"
            details["run"] = {"artifacts": f"{ARTIFACTS}/{request_id}"} if state != "new" else None

    def details_of(self, request_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.submitted[request_id])

    # -- routes ------------------------------------------------------------------------------------
    def composes(self, call: Call) -> Answer:
        ranch = call.params.get("ranch", self.world.tf_ranch)
        if ranch != self.world.tf_ranch:
            return 404, {"message": f"unknown ranch {ranch}"}
        return 200, {"composes": [{"name": name} for name in self.world.tf_composes]}

    def submit(self, call: Call) -> Answer:
        body = call.body or {}
        test = body.get("test") or {}
        environments = body.get("environments")
        fmf = test.get("tmt") or test.get("fmf")
        if not isinstance(fmf, dict) or not isinstance(environments, list) or not environments:
            return 400, {"message": "a request needs test.tmt (or test.fmf) and environments"}
        env = environments[0] if isinstance(environments[0], dict) else {}
        artifacts = [a.get("id") for a in env.get("artifacts") or [] if isinstance(a, dict)]
        what = json.dumps([fmf.get("url"), fmf.get("ref"), artifacts or env.get("variables"), env.get("os")],
                          sort_keys=True)
        request_id = str(uuid.uuid5(REQUEST_NAMESPACE, what))
        self.submitted[request_id] = {
            "id": request_id,
            "user_id": "0cfc00a8-94d7-4408-babc-4d0bc43821ea",
            "test": {"fmf": {"url": fmf.get("url"), "ref": fmf.get("ref"), "path": fmf.get("path", "."),
                             "name": fmf.get("name")}, "script": None, "sti": None},
            "state": "new",
            "environments_requested": copy.deepcopy(environments),
            "notes": [],
            "result": {"overall": None, "summary": None, "xunit": None},
            "run": None,
            "created": CREATED,
            "updated": CREATED,
        }
        return 200, {"id": request_id, "created": CREATED}

    def details(self, call: Call) -> Answer:
        details = self.submitted.get(call.params["request_id"])
        if details is None:
            return 404, {"message": "no such request"}
        return 200, details

    def cancel(self, call: Call) -> Answer:
        details = self.submitted.get(call.params["request_id"])
        if details is None:
            return 404, {"message": "no such request"}
        details["state"] = "canceled"
        return 204, ""
