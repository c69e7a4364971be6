"""Recorded runs of the reference worker: record one against the loopback GitHub, replay one
offline, and turn run folders into measurements for the drift report.

The glue between rooms: it uses the worker, the loopback, recording and the model; only the
CLI (and tests) import it.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracer.capture import Trace
from tracer.datafile import read_text
from tracer.errors import DataError, TracerError
from tracer.packit.model import config_calls
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest, check_run_file
from tracer.packit.knobs import Knobs, as_knobs, command_flags
from tracer.packit.worker.profile import Profile, load_profile
from tracer.packit.worker.scenario import resolve_knobs, scenario_world

if TYPE_CHECKING:  # the recorder and the pipeline (ogr, PyGithub, vcrpy) are imported when a run is made
    from tracer.recording.runs import Pipeline as RecordedPipeline
    from tracer.recording.runs import ReplayResult
    from tracer.packit.worker.services import Credentials

#: whose personal token a token-authenticated loopback recording uses
BOT_LOGIN = "packit-bot"
#: the source names of the profiles that ship with the package
SHIPPED_PROFILES = "tracer/packit/worker/profiles/"


def model_parameters(profile: Profile, knobs: Knobs) -> dict[str, Any]:
    """The published model's Scenario parameters that describe this profile and these knobs
    (each knob's ``model`` in :mod:`tracer.packit.knobs`; a knob with none: the model assumes
    one value, a collaborator's PR through a token, the repository's own tmt tests, no admin, no
    PR comments, none of the fixes whatif tries but its own)."""
    lookup = "loop" if profile.switches.config_lookup == "probe_each_name" else "listing"
    return {
        "chroots": knobs.chroots,
        "load_packit_yaml": config_calls(knobs.config_file, spec_search=bool(knobs.spec_search), lookup=lookup),
        "builds_enabled": True,
        "tests_enabled": bool(knobs.tests),
        "load_packit_yaml_once": bool(knobs.load_config_once),
        "all_flags": not knobs.build_flags_only,
        "is_private_once": bool(knobs.private_once),
    }


#: where a run keeps the worker profile it was recorded with, when that was not a shipped one
PROFILE_FILE = "profile.yaml"


def _profile_file(prof: Profile, manifest: Manifest) -> dict[str, str]:
    """A profile read from a file travels with the run (so the run replays anywhere)."""
    if prof.source.startswith(SHIPPED_PROFILES):
        return {}
    manifest.profile_file = PROFILE_FILE
    return {PROFILE_FILE: read_text(prof.source, "profile file")}


def check_model(manifest: Manifest, prof: Profile, knobs: Knobs, source: str) -> dict[str, Any]:
    """The model parameters of a run, derived from its profile and knobs; a manifest whose
    ``model`` block says otherwise is a DataError naming the parameters that differ."""
    derived = model_parameters(prof, knobs)
    if manifest.model and manifest.model != derived:
        keys = sorted(set(derived) | set(manifest.model))
        wrong = [f"{k} {manifest.model.get(k, '(none)')!r} (its knobs give {derived.get(k, '(none)')!r})"
                 for k in keys if manifest.model.get(k) != derived.get(k)]
        raise DataError(f"{source}: the 'model' block does not match the run's profile and knobs: {'; '.join(wrong)}")
    return derived


def run_profile(run_dir: str | Path, manifest: Manifest) -> Profile:
    """The profile a run was recorded with: its own copy if it keeps one, else a shipped one."""
    source = f"{Path(run_dir) / 'manifest.yaml'}"
    if not manifest.profile_file:
        return load_profile(manifest.profile)
    name = check_run_file(manifest.profile_file, f"{source}: 'profile_file'")
    prof = load_profile(Path(run_dir) / name)
    if prof.name != manifest.profile:
        raise DataError(f"{source}: 'profile' is {manifest.profile!r} but {name} holds profile {prof.name!r}")
    return prof


def record_command(manifest: Manifest, run_dir: Path | str) -> str:
    """The command that records ``run_dir`` again with the same profile and knobs.

    >>> record_command(Manifest.load("cassettes/c-3ch"), "cassettes/c-3ch")
    'api-tracer record --profile packit-service@bc1f66bb --chroots 3 --tests ... --out cassettes/c-3ch'
    """
    return " ".join(["api-tracer", "record", "--profile", manifest.profile, *command_flags(manifest.knobs),
                     "--out", str(run_dir)])


def record_on_loopback(
    profile: str | Path | Profile,
    knobs: Knobs | Mapping[str, Any] | None,
    out_dir: str | Path,
    *,
    name: str = "",
    description: str = "",
    trim: bool = True,
    world: str | Path | None = None,
    force: bool = False,
    cassette_format: str = "yaml",
    app_key: str | None = None,
) -> tuple[Manifest, Trace]:
    """Stand up the scenario's world on a loopback GitHub and record the pipeline into ``out_dir``.

    ``world`` is a world template (default: the worker's ``packit-pipeline.yaml``);
    ``app_key`` the loopback GitHub App's PEM key (default: one made now).
    """
    from tracer.packit.loopback import FakeGitHub, World
    from tracer.packit.worker import Credentials, Pipeline

    prof = load_profile(profile)
    resolved = resolve_knobs(prof, as_knobs(knobs), world)
    world_data = World.from_dict(scenario_world(resolved, world), source=str(world or "tracer/packit/worker/worlds"))
    manifest = Manifest(
        profile=prof.name,
        knobs=resolved.as_dict(),
        target="loopback",
        name=name or Path(out_dir).name,
        description=description,
        model=model_parameters(prof, resolved),
    )
    with FakeGitHub(world_data, app_key=app_key) as hub:
        if resolved.auth == "app":
            credentials = Credentials.github_app(hub.app_id, hub.app_private_key)
        else:
            credentials = Credentials.with_token(hub.issue_token(BOT_LOGIN))
        pipeline = Pipeline(prof, resolved, credentials, world=world)
        return _record(pipeline, out_dir, manifest, force=force, api_url=hub.url, trim=trim,
                       files=_profile_file(prof, manifest), cassette_format=cassette_format)


def record_on_github(
    profile: str | Path | Profile,
    knobs: Knobs | Mapping[str, Any] | None,
    out_dir: str | Path,
    credentials: Credentials,
    *,
    world: str | Path,
    name: str = "",
    description: str = "",
    trim: bool = True,
    force: bool = False,
    cassette_format: str = "yaml",
) -> tuple[Manifest, Trace]:
    """Record against api.github.com itself.

    ``world`` is a world file whose ``x-worker`` block names the real repository and pull
    request (and whose ``repositories`` entry gives the PR's head and base); the repository
    must hold the packit config the knobs describe.
    """
    from tracer.packit.worker import Pipeline

    prof = load_profile(profile)
    resolved = resolve_knobs(prof, as_knobs(knobs), world)
    manifest = Manifest(
        profile=prof.name, knobs=resolved.as_dict(), target="api.github.com",
        name=name or Path(out_dir).name, description=description, model=model_parameters(prof, resolved),
    )
    pipeline = Pipeline(prof, resolved, credentials, world=world)
    return _record(pipeline, out_dir, manifest, force=force, api_url=None, trim=trim,
                   files=_profile_file(prof, manifest), cassette_format=cassette_format)


def _record(pipeline: RecordedPipeline, out_dir: str | Path, manifest: Manifest, *, force: bool,
            **options: Any) -> tuple[Manifest, Trace]:
    """Record a new run, then its call records from a replay of it before it replaces anything:
    what drift and stats read, and the proof that the run replays completely."""
    from tracer.recording.runs import new_run, record_into

    with new_run(out_dir, force=force) as folder:
        manifest, trace = record_into(pipeline, folder, manifest, **options)
        save_records(replay(folder))
    return manifest, trace


def save_records(result: ReplayResult) -> Path:
    """Write a reference run's call records (``calls.json``) from its replay, keyed on the inputs
    of this module, which replayed it."""
    return callrecords.save(result.run, result.trace, result.manifest, entry=__name__)


@functools.cache
def replay_app_key() -> str:
    """A throwaway app key: on replay the cassettes answer, so any signature will do (one per
    process: making an RSA key is the slow part)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def replay(run_dir: str | Path, manifest: Manifest | None = None) -> ReplayResult:
    """Replay one run of the reference worker offline (``manifest``: the run's, if already read;
    any run, the real packit-service's too: :func:`tracer.packit.replaying.replay`)."""
    from tracer.packit.worker import Credentials, Pipeline
    from tracer.recording.runs import replay_run

    manifest = manifest or Manifest.load(run_dir)
    if manifest.worker:
        raise DataError(f"{Path(run_dir) / 'manifest.yaml'}: a run of {manifest.worker.get('name')!r}, not of the "
                        f"reference worker (replay it with tracer.packit.replaying.replay)")
    source = f"{Path(run_dir) / 'manifest.yaml'}"
    try:
        prof = run_profile(run_dir, manifest)
        knobs = resolve_knobs(prof, Knobs.from_mapping(manifest.knobs, source=source))
    except TracerError as exc:
        message = str(exc)
        raise DataError(message if message.startswith(source) else f"{source}: {message}") from None
    manifest.model = check_model(manifest, prof, knobs, source)
    credentials = (
        Credentials.github_app(1, replay_app_key()) if knobs.auth == "app" else Credentials.for_replay()
    )
    with warnings.catch_warnings():
        # the throwaway replay key is short on purpose (signing is the slow part of an app replay)
        warnings.filterwarnings("ignore", message="The RSA key is 1024 bits long")
        return replay_run(run_dir, Pipeline(prof, knobs, credentials), manifest,
                          record_again=f"re-record with: {record_command(manifest, run_dir)}")
