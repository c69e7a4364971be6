"""Record a pipeline run handler by handler into cassettes, and replay it offline.

A *run* is a folder: ``manifest.yaml`` plus one vcrpy cassette per handler
invocation, in pipeline order. The pipeline is anything with ``steps()`` and
``run(around=...)`` (the reference worker's :class:`tracer.packit.worker.pipeline.Pipeline`):
each step has ``index``, ``event``, ``handler`` and ``chroot``; ``around(step)``
is entered around that step's handler.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tracer.capture import Trace, Tracer, block_network, no_throttle, redirect_api, redirect_origin
from tracer.errors import DataError, TracerError
from tracer.recording import completeness
from tracer.recording.completeness import CassettePlay, differences, summary
from tracer.recording.cassette_io import CASSETTE_FORMATS, write_cassette_atomic, write_text_atomic
from tracer.recording.manifest import CassetteEntry, Manifest, check_run_file, library_versions
from tracer.recording.runfolder import check_target, clean_leftovers, partial_dir, swap_in
from tracer.recording.replayer import CassetteAnswers, NoRecordedAnswer, Replayer
from tracer.recording.vcr_config import recording_vcr


class Step(Protocol):
    """One handler invocation of a pipeline: its place, its event and handler, its chroot."""

    @property
    def index(self) -> int: ...
    @property
    def event(self) -> str: ...
    @property
    def handler(self) -> str: ...
    @property
    def chroot(self) -> str | None: ...


#: what a pipeline enters around each step it runs (a cassette, a replay's answers)
Around = Callable[[Step], AbstractContextManager[object]]


class Pipeline(Protocol):
    """Anything recorded and replayed step by step (the reference worker's, packit-service's)."""

    def steps(self) -> Sequence[Step]: ...

    def run(self, around: Around | None = None) -> object: ...


def cassette_name(step: Step, cassette_format: str = "yaml") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", step.event.lower()).strip("-")
    name = f"{step.index:03d}-{slug}-{step.handler}"
    if step.chroot:
        name += f"-{step.chroot}"
    return f"{name}.{cassette_format}"


# -- recording -----------------------------------------------------------------------------


@contextmanager
def new_run(out_dir: str | Path, *, force: bool = False) -> Iterator[Path]:
    """The folder a new run is written into: a hidden ``.NAME.partial-PID`` beside ``out_dir``
    that replaces it when the block ends cleanly (an existing run only then), and is removed when
    the block raises, Ctrl-C included (:mod:`tracer.recording.runfolder`). Anything at
    ``out_dir`` that is not a run (or an empty folder) is refused unless ``force``.

    >>> with new_run("runs/head-3ch") as folder:                       # doctest: +SKIP
    ...     manifest, trace = record_into(pipeline, folder, manifest)
    ...     write_call_records(folder)        # more work on the whole run, before it replaces anything
    """
    out = Path(out_dir)
    check_target(out, force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{out}: cannot create {out.parent}: {exc.strerror or exc}") from None
    clean_leftovers(out.parent)
    partial = partial_dir(out)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
        swap_in(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def record_into(
    pipeline: Pipeline,
    folder: Path,
    manifest: Manifest,
    *,
    api_url: str | None = None,
    trim: bool = True,
    files: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
    cassette_format: str = "yaml",
    origins: Mapping[str, str] | None = None,
) -> tuple[Manifest, Trace]:
    """Run ``pipeline`` once, one cassette per step, into ``folder`` (a :func:`new_run`'s), and
    write its manifest last.

    ``api_url`` is the server that really answers (a loopback GitHub, reached through the API
    redirect); None records against api.github.com itself. ``files`` are more files of the run
    (name: text), e.g. the worker profile it was recorded with, or a callable that gives them once
    the pipeline ran (their names go into ``manifest.files``). ``cassette_format`` is ``yaml``
    (vcrpy's default) or ``json`` (vcrpy's JSON serializer: parsed several times faster).
    ``origins`` maps more origins to the loopback servers answering for them (each entered with
    ``redirect_origin``; cassettes name the origin).
    """
    if cassette_format not in CASSETTE_FORMATS:
        raise DataError(f"cassette format {cassette_format!r}: one of {', '.join(CASSETTE_FORMATS)}")
    v = recording_vcr(api_url, trim, cassette_format, origins)
    tracer = Tracer()
    entries: list[CassetteEntry] = []

    @contextmanager
    def around(step: Step) -> Iterator[None]:
        name = cassette_name(step, cassette_format)
        start = len(tracer)
        with v.use_cassette(str(folder / name)) as cassette:
            yield
        if not (folder / name).exists():  # a handler that made no call: an empty cassette
            write_cassette_atomic(folder / name, {"interactions": [], "version": 1})
        calls = tracer.calls_since(start)
        entries.append(
            CassetteEntry(
                file=name, step=step.index, event=step.event, handler=step.handler, chroot=step.chroot,
                interactions=len(cassette.data), categories=[c.category for c in calls],
            )
        )

    with ExitStack() as stack:
        if api_url:
            stack.enter_context(redirect_api(api_url))
        for origin, url in (origins or {}).items():
            stack.enter_context(redirect_origin(origin, url))
        stack.enter_context(no_throttle())
        stack.enter_context(tracer)
        pipeline.run(around=around)
    manifest.cassettes = entries
    manifest.versions = library_versions()
    extra = files() if callable(files) else (files or {})
    for name, text in extra.items():
        write_text_atomic(folder / check_run_file(name, "a run's file"), text)
    if callable(files):
        manifest.files = sorted(extra)
    manifest.save(folder)
    return manifest, tracer.trace()


def record_run(pipeline: Pipeline, out_dir: str | Path, manifest: Manifest, *, force: bool = False,
               **options: Any) -> tuple[Manifest, Trace]:
    """:func:`record_into` a :func:`new_run` at ``out_dir``: the whole run, written atomically
    (``options``: :func:`record_into`'s).

    >>> manifest, trace = record_run(pipeline, "runs/x", Manifest(profile="HEAD"))  # doctest: +SKIP
    """
    with new_run(out_dir, force=force) as folder:
        return record_into(pipeline, folder, manifest, **options)


# -- replay --------------------------------------------------------------------------------


class ReplayMismatch(DataError):
    """The worker did not replay the way it recorded (a request not in a cassette, an answer
    it fails on)."""


class IncompleteReplay(ReplayMismatch, completeness.IncompleteReplay):
    """A request with no recorded answer, or a recorded answer never asked for."""


@dataclass
class ReplayResult:
    run: Path
    manifest: Manifest
    trace: Trace
    #: what each handler invocation did with its cassette (all complete)
    plays: list[CassettePlay] = field(default_factory=list)


def _no_answer(exc: BaseException | None) -> NoRecordedAnswer | None:
    """The replayer's miss behind whatever the client wrapped it in, if that is the cause."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, NoRecordedAnswer):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _play(step: Step, entry: CassetteEntry, answers: CassetteAnswers) -> CassettePlay:
    """What one handler invocation did with its cassette."""
    return CassettePlay(step.index, step.handler, step.event, entry.file, list(answers.recorded),
                        list(answers.played), list(answers.unanswered))


def replay_run(run_dir: str | Path, pipeline: Pipeline, manifest: Manifest | None = None, *,
               record_again: str = "record the run again", allowed_hosts: Sequence[str] = ()) -> ReplayResult:
    """Re-execute ``pipeline`` against the cassettes of ``run_dir`` with the network blocked.

    The pipeline must be built from the manifest's profile and knobs; its steps must be
    the manifest's. PyGithub's throttle and ogr's retry back-offs are skipped. The replay
    must be complete both ways (:mod:`tracer.recording.completeness`): a request with no
    recorded answer, or a recorded answer never asked for, raises :class:`IncompleteReplay`
    with a per-handler table and ``record_again`` (the command that records the run again).
    ``allowed_hosts`` (regexes) may still be connected to (e.g. a loopback database or broker the
    pipeline needs; HTTP is answered from the cassettes whatever the host).
    """
    run = Path(run_dir)
    manifest = manifest or Manifest.load(run)
    steps = pipeline.steps()
    planned = [(s.event, s.handler, s.chroot) for s in steps]
    recorded = [(e.event, e.handler, e.chroot) for e in manifest.cassettes]
    if planned != recorded:
        first = next((i for i, (a, b) in enumerate(zip(planned, recorded)) if a != b), min(len(planned), len(recorded)))
        raise DataError(
            f"{run}: the manifest lists {len(recorded)} handler invocations but {manifest.profile} "
            f"with these knobs makes {len(planned)} (first difference at step {first + 1}); "
            f"{record_again}"
        )
    by_step = {s.index: e for s, e in zip(steps, manifest.cassettes)}
    replayer = Replayer()
    tracer = Tracer()
    plays: list[CassettePlay] = []
    again = record_again

    @contextmanager
    def around(step: Step) -> Iterator[None]:
        entry = by_step[step.index]
        path = run / entry.file
        answers = CassetteAnswers.load(path)
        entry.check_count(len(answers.recorded), path)
        with replayer.cassette(answers):
            try:
                yield
            except TracerError:
                raise
            except Exception as exc:
                if _no_answer(exc) is None:  # the recorded answers are the input: name them
                    raise ReplayMismatch(
                        f"{path}: {step.handler} [{step.event}] failed on the recorded answers "
                        f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); the cassette is not "
                        f"what the worker expects; {again}"
                    ) from exc
                request = answers.unanswered[-1] if answers.unanswered else "a request"
                plays.append(_play(step, entry, answers))
                raise IncompleteReplay(
                    f"{path}: {step.handler} [{step.event}] made {request}, which is not in the "
                    f"cassette (closest recorded: {answers.closest(request)}); the replay stopped there; {again}",
                    plays,
                ) from None
        # a request without an answer whose error the worker caught and went on is in answers.unanswered
        plays.append(_play(step, entry, answers))

    with block_network(allowed_hosts), no_throttle(), replayer.active(), tracer:
        pipeline.run(around=around)
    if differences(plays):
        raise IncompleteReplay(f"{run}: the replay differs from the recording: {summary(plays)}; {again}", plays)
    return ReplayResult(run, manifest, tracer.trace(), plays)
