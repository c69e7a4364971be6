"""The scenario knobs of a pipeline run, each declared once, here.

A knob's declaration (:func:`knob` on a field of :class:`Knobs`) holds its name, type or choices,
command-line flags, help, the published model's parameter it feeds and how each worker realises
it (``does``: the reference worker; ``real``: the real packit-service, one of :data:`REAL_KINDS`). Everything else is derived from it: the ``record`` and ``whatif`` flags
(:func:`add_flags`, :func:`from_args`), validation (:meth:`Knobs.from_mapping`), the manifest
(:meth:`Knobs.as_dict`), the model mapping (:func:`model_parameter`), the command that records
a run again (:func:`command_flags`) and the README's knob table (:func:`markdown_table`).

>>> Knobs.from_mapping({"chroots": "3", "tests": "off"})
Knobs(chroots=3, tests=False, ...)
>>> command_flags({"chroots": 3, "tests": False, "build_flags_only": True})
['--chroots', '3', '--no-tests', '--build-flags-only']

Adding a knob is one field here, plus its behaviour in the reference worker (the real worker's
follows from its ``real`` kind: repository, world, service and event content are written for it).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

from tracer.errors import DataError, UsageError
from tracer.packit.model.scenario import CONFIG_FILE_NAMES  # packit's names, in the order packit <= 0.68 tries them

MAX_CHROOTS = 40
#: the pull_request actions packit-service starts a pipeline for
PR_ACTIONS = ("opened", "reopened", "synchronize")
CONTRIBUTORS = ("collaborator", "outside", "outside_author")
AUTHS = ("token", "app")
#: the sender's permission on the repository (GitHub's repository roles, as ogr's can_merge_pr
#: reads them: admin and write can merge)
PERMISSIONS = ("none", "read", "write", "admin")
#: how many ogr project objects the worker builds: one per handler call (packit-service today:
#: every process_message and handler task, and HEAD's .fmf checker and rate-limit check build
#: their own), one per task, or one per pipeline (shared by every task of the PR's pipeline)
PROJECT_REUSE = ("call", "task", "pipeline")
#: how the real packit-service (:mod:`tracer.packit.realworker`) realises a knob: content of the
#: PR's repository, the world's people, its own service config, the webhook's content, or its
#: code (a knob it cannot take: the real worker runs what its code does, the profile's value)
REAL_KINDS = ("repository", "world", "service", "event", "code")
#: the flag groups of ``record --help``
GROUPS = {"scenario": "knobs (default: the profile's)", "fix": "fixes packit could make (default: off, as packit-service is)"}

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Knob:
    """One knob's declaration: what :func:`knob` puts in a :class:`Knobs` field's metadata."""

    name: str
    kind: type
    help: str
    does: str  # what the reference worker does with it (the README's table)
    choices: tuple[str, ...] = ()
    flag: str = ""  # default: --the-name
    negative: str | None = None  # a bool's off flag; default --no-FLAG
    metavar: str | None = None
    group: str = "scenario"
    model: str | None = None  # the published model's parameter it feeds, None: the model assumes one value
    world: bool = False  # a profile may leave it unset: the world decides
    real: str = ""  # how the real packit-service realises it: one of REAL_KINDS

    def __post_init__(self) -> None:
        if self.real not in REAL_KINDS:
            raise TypeError(f"knob {self.name!r}: real= must say how the real packit-service realises it "
                            f"({', '.join(REAL_KINDS)}), got {self.real!r}")

    @property
    def off_flag(self) -> str:
        return self.negative or f"--no-{self.flag[2:]}"

    def check(self, value: Any, error: type[Exception], source: str) -> None:
        """A one-line ``error`` naming ``source`` if ``value`` is not one this knob takes."""
        def bad(what: str) -> Exception:
            return error(f"{source}: knob {self.name!r} {what}, got {value!r}")

        if self.kind is bool:
            if not isinstance(value, bool):
                raise bad("must be true or false")
        elif self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHROOTS:
                raise bad(f"must be a whole number from 1 to {MAX_CHROOTS}")
        elif value not in self.choices:
            raise bad(f"must be one of {', '.join(self.choices)}")

    def coerce(self, raw: Any, source: str) -> Any:
        """``raw`` as this knob's value: strings such as ``"3"``, ``"on"``, ``"no"`` accepted."""
        if isinstance(raw, str):
            text = raw.strip()
            if self.kind is int:
                if not text.isdigit():
                    raise UsageError(f"{source}: knob {self.name!r} must be a whole number, got {raw!r}")
                raw = int(text)
            elif self.kind is bool:
                if text.lower() not in _TRUE | _FALSE:
                    raise UsageError(f"{source}: knob {self.name!r} must be on or off, got {raw!r}")
                raw = text.lower() in _TRUE
        self.check(raw, UsageError, source)
        return raw


def knob(kind: type, help: str, does: str, **spec: Any) -> Any:  # noqa: A002 - argparse's word
    """A :class:`Knobs` field declared with its :class:`Knob` (the name is the field's)."""
    return field(default=None, metadata={"knob": (kind, help, does, spec)})


@dataclass(frozen=True)
class Knobs:
    """The scenario of one run. ``None`` means "the profile's default" (see :meth:`resolved`).

    >>> Knobs(chroots=3, tests=True).as_dict()["chroots"]
    3
    """

    chroots: int | None = knob(int, "number of chroots (test targets)", "build and test targets in the package config",
                               metavar="N", model="chroots", real="repository")
    tests: bool | None = knob(bool, "tests job on/off", "a `tests` job in the package config", model="tests_enabled", real="repository")
    config_file: str | None = knob(str, ".packit.yaml, packit.yaml, … (the name in the repository)",
                                   "the config's name in the repository (probed in order at C, one root listing at HEAD)",
                                   choices=CONFIG_FILE_NAMES, metavar="NAME", model="load_packit_yaml", real="repository")
    spec_search: bool | None = knob(bool, "no specfile_path in the config, so packit searches for the spec file",
                                    "no `specfile_path`: one more root listing per config load", model="load_packit_yaml", real="repository")
    load_config_once: bool | None = knob(bool, "config stored once per pipeline (result events do not load it)",
                                         "result events read the stored config (PR #2397)", flag="--load-once",
                                         model="load_packit_yaml_once", real="code")
    private_once: bool | None = knob(bool, "is_private checked on the PR event only",
                                     "result events skip `is_private` (PR #2388)", model="is_private_once", real="code")
    build_flags_only: bool | None = knob(bool, "Copr handlers set build statuses only (the model's all_flags off); "
                                         "--all-flags: build and mapped test statuses",
                                         "`sync_test_job_statuses_with_builds: false` in the build job",
                                         negative="--all-flags", model="all_flags", real="repository")
    contributor: str | None = knob(str, "who triggers the PR",
                                   "who sends the webhook: `collaborator` (alice, her PR), `outside` (trudy, not the "
                                   "author), `outside_author` (mallory, her fork's PR)", choices=CONTRIBUTORS, real="world")
    auth: str | None = knob(str, "token, or as a GitHub App (installation tokens)",
                            "a personal token, or the GitHub App (a token minted per project object)", choices=AUTHS, real="service")
    fmf: bool | None = knob(bool, ".fmf/version in the repository (off: packit submits Testing Farm's installability test)",
                            "`.fmf/version` and the tmt plans in the repository; without them Testing Farm's "
                            "installability test", real="repository")
    admin: bool | None = knob(bool, "the sender is one of the service config's admins (no allowlist permission check)",
                              "the sender is in the service config's `admins`: the allowlist passes without a look at "
                              "GitHub", real="service")
    success_comment: bool | None = knob(bool, "notifications.pull_request.successful_build: comment on the PR after a "
                                        "successful build",
                                        "`notifications.pull_request.successful_build: true`: a PR comment after each "
                                        "successful RPM build, unless packit's last comment says the same", real="repository")
    osh_scan: bool | None = knob(bool, "OpenScanHub's differential scan after the fedora-rawhide-x86_64 build "
                                 "(off: osh_diff_scan_after_copr_build: false in the build job)",
                                 "`osh_diff_scan_after_copr_build` of the build job (off: `false`): where the profile "
                                 "scans (`osh_pr_lookup_chroot`), the chroot's build end reads the PR's target branch",
                                 real="repository")
    pr_action: str | None = knob(str, "the pull_request webhook's action", "the `pull_request` webhook's action",
                                 choices=PR_ACTIONS, real="event")
    permission: str | None = knob(str, "the sender's permission on the repository (default: the world's for --contributor)",
                                  "the sender's repository permission (default: the world's; alice admin, the others "
                                  "none): `write`/`admin` can merge, else the allowlist checks the PR's author",
                                  choices=PERMISSIONS, world=True, real="world")
    # fixes packit could make (each re-enacted through ogr; see tracer/packit/whatif/fixes.yaml)
    cache_target_branch: bool | None = knob(bool, "the Testing Farm helper reads the target branch's head commit once",
                                            "fix: the Testing Farm helper keeps the target branch's head commit "
                                            "(1 `GET branches` per submission, not 3)", group="fix", real="code")
    project_reuse: str | None = knob(str, "ogr project objects: one per handler call (today), per task, or per pipeline",
                                     "fix: ogr project objects per handler call (today), per task (the `.fmf` checker "
                                     "and the rate-limit check use the task's), or one per pipeline",
                                     choices=PROJECT_REUSE, group="fix", real="code")
    skip_rate_limit: bool | None = knob(bool, "skip GET /rate_limit while the last x-ratelimit-remaining seen was high",
                                        "fix: no `GET /rate_limit` while the last `x-ratelimit-remaining` seen this "
                                        "window was ≥ 1,000", group="fix", real="code")
    reuse_token: bool | None = knob(bool, "reuse a GitHub App installation token until it expires",
                                    "fix: a GitHub App installation token reused until 5 min before it expires",
                                    group="fix", real="code")

    def __post_init__(self) -> None:
        for spec in KNOBS.values():
            value = getattr(self, spec.name)
            if value is not None:
                spec.check(value, UsageError, "knob")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(KNOBS)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "knobs") -> Knobs:
        """Knobs from a mapping; strings such as ``"3"``, ``"on"``, ``"no"`` are accepted.

        An unknown knob or a bad value is a one-line :class:`UsageError`.
        """
        if not isinstance(data, Mapping):
            raise UsageError(f"{source}: expected a mapping of knob names to values")
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in KNOBS:
                raise UsageError(f"{source}: unknown knob {key!r} (known: {', '.join(KNOBS)})")
            values[key] = None if raw is None else KNOBS[key].coerce(raw, source)
        return cls(**values)

    @classmethod
    def defaults_from(cls, raw: Any, source: str) -> Knobs:
        """A profile's ``defaults`` block: every knob set, but those the world may decide."""
        if not isinstance(raw, dict):
            raise DataError(f"{source}: 'defaults' must be a mapping of knob names to values")
        unknown = sorted(set(raw) - set(KNOBS))
        if unknown:
            raise DataError(f"{source}: defaults: unknown knob {unknown[0]!r} (known: {', '.join(KNOBS)})")
        missing = [n for n, spec in KNOBS.items() if raw.get(n) is None and not spec.world]
        if missing:
            raise DataError(f"{source}: defaults: missing knob {missing[0]!r}")
        for name, value in raw.items():
            if value is not None:
                KNOBS[name].check(value, DataError, f"{source}: defaults")
        return cls(**{n: raw.get(n) for n in KNOBS})

    def resolved(self, profile: HasDefaults) -> Knobs:
        """Every ``None`` replaced by the profile's default; a ``permission`` left unset by both
        is the world's (the contributor's own, see :func:`tracer.packit.worker.scenario.resolve_knobs`)."""
        return replace(profile.defaults, **{k: v for k, v in self.as_dict().items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in KNOBS}

    @property
    def complete(self) -> bool:
        """Every knob set: resolved against a profile and a world."""
        return all(getattr(self, name) is not None for name in KNOBS)

    @property
    def chroot_list(self) -> list[str]:
        if self.chroots is None:
            raise UsageError("knobs: 'chroots' is not resolved against a profile yet")
        return chroot_names(self.chroots)


class HasDefaults(Protocol):
    """What gives the knobs' defaults: a worker profile (``tracer.packit.worker.Profile``)."""

    @property
    def defaults(self) -> Knobs: ...


def _declarations() -> dict[str, Knob]:
    out = {}
    for f in fields(Knobs):
        kind, help_text, does, spec = f.metadata["knob"]
        spec = {"flag": "--" + f.name.replace("_", "-"), **spec}
        out[f.name] = Knob(f.name, kind, help_text, does, **spec)
    return out


#: every knob's declaration, by name, in declaration order
KNOBS: dict[str, Knob] = _declarations()


def as_knobs(knobs: Knobs | Mapping[str, Any] | None, source: str = "knobs") -> Knobs:
    """``knobs`` as :class:`Knobs` (a mapping is read with :meth:`Knobs.from_mapping`)."""
    return knobs if isinstance(knobs, Knobs) else Knobs.from_mapping(dict(knobs or {}), source)


_DISTROS = ("fedora-rawhide", "fedora-42", "fedora-41", "fedora-40", "epel-10", "epel-9", "epel-8", "centos-stream-10")
_ARCHES = ("x86_64", "aarch64", "ppc64le", "s390x", "i386")


def chroot_names(n: int) -> list[str]:
    """``n`` Copr chroots, always the same for the same ``n``; the first is fedora-rawhide-x86_64.

    >>> chroot_names(2)
    ['fedora-rawhide-x86_64', 'fedora-42-x86_64']
    """
    names = [f"{distro}-{arch}" for arch in _ARCHES for distro in _DISTROS]
    return names[:n]


# -- what is derived from the declarations ------------------------------------------------------
def add_flags(parser: argparse.ArgumentParser, groups: tuple[str, ...] = tuple(GROUPS)) -> None:
    """Every knob of ``groups`` as a flag of ``parser`` (an unset flag leaves the knob unset)."""
    for group in groups:
        section = parser.add_argument_group(GROUPS[group])
        for spec in (s for s in KNOBS.values() if s.group == group):
            if spec.kind is bool and spec.negative:
                pair = section.add_mutually_exclusive_group()
                pair.add_argument(spec.flag, dest=spec.name, action="store_const", const=True, default=None, help=spec.help)
                pair.add_argument(spec.negative, dest=spec.name, action="store_const", const=False, help=argparse.SUPPRESS)
            elif spec.kind is bool:
                section.add_argument(spec.flag, dest=spec.name, action=argparse.BooleanOptionalAction, default=None,
                                     help=spec.help)
            else:
                section.add_argument(spec.flag, dest=spec.name, type=spec.kind, choices=spec.choices or None,
                                     metavar=spec.metavar, help=spec.help)


def from_args(args: argparse.Namespace) -> Knobs:
    """The knobs a command line set (the others unset: the profile's defaults)."""
    return Knobs(**{name: getattr(args, name, None) for name in KNOBS})


def command_flags(knobs: Mapping[str, Any]) -> list[str]:
    """The flags that set ``knobs`` (a manifest's), for the command that records a run again."""
    out: list[str] = []
    for name, value in knobs.items():
        spec = KNOBS.get(name)
        if spec is None or value is None:
            continue
        if isinstance(value, bool):
            out.append(spec.flag if value else spec.off_flag)
        else:
            out += [spec.flag, str(value)]
    return out


def model_parameter(name: str) -> str | None:
    """The published model's parameter a knob feeds (None: the model assumes one value)."""
    return KNOBS[name].model


def markdown_table() -> str:
    """The README's table of knobs."""
    rows = ["| knob (flag) | what the reference worker does with it | the real packit-service | model parameter |",
            "|---|---|---|---|"]
    for spec in KNOBS.values():
        if spec.kind is bool:
            flags = f"{spec.flag}/{spec.off_flag}"
        elif spec.choices and len(spec.choices) <= 4:
            flags = f"{spec.flag} " + "\\|".join(spec.choices)
        else:
            flags = f"{spec.flag} {spec.metavar or spec.name.upper()}"
        rows.append(f"| `{spec.name}` (`{flags}`) | {spec.does} | {spec.real} | {f'`{spec.model}`' if spec.model else 'none'} |")
    return "\n".join(rows)
