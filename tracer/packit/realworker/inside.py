"""The part that runs inside packit-service's interpreter: import it, prepare its database, record
or replay one run. Started by :mod:`.launch` as ``python -m tracer.packit.realworker MODE``,
one fresh process per run (packit-service reads its environment at import time).

::

    app = load_app(source)        # packit_service from source.root; its database schema created
    record(request)               # a new run folder (and its call records, from a replay)
    replay(request)               # the trace of a run, replayed offline
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracer.errors import DataError, UsageError
from tracer.packit.loopback.services_world import ServicesWorld
from tracer.packit.realworker.config import check_knobs
from tracer.packit.realworker.gitremote import GIT_FILE, load_spec
from tracer.packit.realworker.pipeline import RecordPipeline, ReplayPipeline, Step
from tracer.packit.realworker.records import INCOMING, environment, save_records
from tracer.packit.workers import REAL_WORKER, is_real
from tracer.packit.realworker.source import PackitSource
from tracer.packit.realworker.world import PackitWorld, ReplayWorld, ServiceUrls
from tracer.packit.worker import Knobs, load_profile, resolve_knobs
from tracer.recording.manifest import Manifest
from tracer.recording.runs import new_run, record_into, replay_run

#: connections a replay may still open: the throwaway database and broker on loopback
LOOPBACK = (r"127\.0\.0\.1", r"::1", r"localhost")


def import_packit(source: PackitSource) -> None:
    """Import packit-service from ``source`` (its environment already set) and create its schema
    from its own models (its tasks are not imported: :func:`load_app`)."""
    root = str(source.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    import packit_service

    found = Path(packit_service.__file__).resolve().parent.parent
    if found != source.root:
        raise UsageError(f"packit_service was imported from {found}, not from --source {source.root}")
    from packit_service.models import Base, engine

    Base.metadata.create_all(engine)


def load_app(source: PackitSource) -> Any:
    """Import packit-service from ``source`` (:func:`import_packit`) and its tasks, and freeze what
    exists for the collector; its ``celery_app``.

    packit-service's handlers call ``gc.collect()`` twice per run (``log_memory_stats``); frozen,
    the imported code is not scanned again each time (the calls made do not change).
    """
    import_packit(source)
    from packit_service.worker import tasks

    gc.collect()
    gc.freeze()
    return tasks.celery_app


def approve(namespace: str) -> None:
    """The scenario's namespace in packit-service's allowlist, as its admins approve one."""
    from packit_service.models import AllowlistModel, AllowlistStatus

    AllowlistModel.add_namespace(namespace, AllowlistStatus.approved_manually.value, "packit")


def record(request: Mapping[str, Any]) -> dict[str, Any]:
    """Record one run of the real packit-service into ``request["out"]``."""
    profile = load_profile(request.get("profile") or "HEAD")
    knobs = Knobs.from_mapping(request.get("knobs") or {}, source="knobs")
    check_knobs(knobs, profile)
    world_template = request.get("world")
    resolved = resolve_knobs(profile, knobs, world_template)
    source = PackitSource.find(request.get("source"))
    services = ServicesWorld.load(request.get("services"))
    from tracer.packit.runs import model_parameters

    manifest = Manifest(
        profile=profile.name, knobs=resolved.as_dict(), target="loopback",
        name=request.get("name") or Path(request["out"]).name, description=request.get("description", ""),
        model=model_parameters(profile, resolved),
    )
    with PackitWorld(resolved, world_template=world_template, services=services,
                     database_url=request.get("database")) as world, world.active():
        app = load_app(source)
        target = f"github.com/{_namespace(resolved, world_template)}"
        approve(target)
        pipeline = RecordPipeline(app, world, resolved, world_template)
        hub = world.hub
        assert hub is not None

        def files() -> dict[str, str]:
            manifest.worker = {
                "name": REAL_WORKER,
                "source": {"label": source.label, "commit": source.commit, "fingerprint": source.fingerprint,
                           "path": str(source.root)},
                "environment": environment(),
                "python": sys.executable,
                "services": world.urls.as_dict(),
                "service_config": world.public_config(),
                "copr_user": services.copr_user,
                "app_id": hub.app_id if resolved.auth == "app" else None,
                "allowlist": target,
                "sent_not_run": pipeline.run_files()["sent_not_run"],
            }
            return {INCOMING: json.dumps(pipeline.run_files()["incoming"], indent=1) + "\n",
                    GIT_FILE: json.dumps(world.git_spec, indent=1, sort_keys=True) + "\n"}

        with new_run(request["out"], force=request.get("force", False)) as folder:
            manifest, trace = record_into(
                pipeline, folder, manifest, api_url=hub.url,
                origins={o: u for o, u in world.redirects.items() if u != hub.url},
                trim=request.get("trim", True), files=files, cassette_format=request.get("cassette_format", "yaml"),
            )
            if request.get("replay", True):  # its call records, from a replay in a fresh process
                from tracer.packit.realworker.launch import replay_in_child

                replay_in_child(folder, python=sys.executable, refresh=True, database=request.get("database"))
    return {
        "run": str(request["out"]), "label": source.label, "steps": len(manifest.cassettes),
        "requests": trace.requests, "charged": trace.charged,
        "server": pipeline.server_counts,
        "trace": trace.to_json(name=manifest.name),
        "seconds": pipeline.seconds,
    }


def _namespace(knobs: Knobs, world_template: str | None) -> str:
    from tracer.packit.worker import pipeline_target

    return pipeline_target(knobs.contributor or "collaborator", world_template).namespace


def replay(request: Mapping[str, Any]) -> dict[str, Any]:
    """Replay a recorded real run offline; with ``refresh``, write its call records."""
    run = Path(request["run"])
    manifest = Manifest.load(run)
    info = manifest.worker
    if not is_real(manifest):
        raise DataError(f"{run}: not a run of the real packit-service (its manifest has no worker block)")
    source = PackitSource.find(request.get("source") or (info.get("source") or {}).get("path"))
    recorded = (info.get("source") or {}).get("fingerprint")
    if recorded and recorded != source.fingerprint:
        raise DataError(f"{run}: recorded with {info['source'].get('label')}, but {source.root} is {source.label}: "
                        f"replay with the same source (--source), or record again")
    incoming = json.loads((run / INCOMING).read_text()) if (run / INCOMING).is_file() else None
    if not isinstance(incoming, list):
        raise DataError(f"{run}: {INCOMING} is missing or not a list of events")
    services = info.get("services") or {}
    urls = ServiceUrls(str(services.get("copr", "")), str(services.get("testing_farm", "")))
    from tracer.packit.runs import replay_app_key

    app_key = replay_app_key() if info.get("app_id") else None
    planned = [Step(e.step, e.event, e.handler, e.chroot) for e in manifest.cassettes]
    git = load_spec(run / GIT_FILE) if (run / GIT_FILE).is_file() else None  # runs recorded before it: none
    with ReplayWorld(info.get("service_config") or {}, urls, str(info.get("copr_user") or "packit"),
                     app_key=app_key, database_url=request.get("database"), git=git) as world, world.active():
        app = load_app(source)
        approve(str(info.get("allowlist") or "github.com/packit"))
        pipeline = ReplayPipeline(app, planned, incoming, str(run / INCOMING))
        result = replay_run(run, pipeline, manifest, allowed_hosts=LOOPBACK)
    if request.get("refresh"):
        save_records(run, result.trace, manifest)
    return {"run": str(run), "trace": result.trace.to_json(name=manifest.name or run.name), "seconds": pipeline.seconds}
