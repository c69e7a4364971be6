"""`api-tracer record`: run the reference worker and record one cassette per handler invocation."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracer.cli._paths import run_dir
from tracer.errors import UsageError

TARGETS = ("loopback", "github")


def add_knob_flags(parser: argparse.ArgumentParser) -> None:
    """The worker's knobs as flags (unset flags take the profile's defaults)."""
    knobs = parser.add_argument_group("knobs (default: the profile's)")
    knobs.add_argument("--chroots", type=int, metavar="N", help="number of chroots (test targets)")
    knobs.add_argument("--tests", action=argparse.BooleanOptionalAction, default=None, help="tests job on/off")
    knobs.add_argument("--config-file", metavar="NAME", help=".packit.yaml, packit.yaml, … (the name in the repository)")
    knobs.add_argument("--spec-search", action=argparse.BooleanOptionalAction, default=None,
                       help="no specfile_path in the config, so packit searches for the spec file")
    knobs.add_argument("--load-once", dest="load_config_once", action=argparse.BooleanOptionalAction, default=None,
                       help="config stored once per pipeline (result events do not load it)")
    knobs.add_argument("--private-once", action=argparse.BooleanOptionalAction, default=None,
                       help="is_private checked on the PR event only")
    flags = knobs.add_mutually_exclusive_group()
    flags.add_argument("--build-flags-only", dest="build_flags_only", action="store_const", const=True, default=None,
                       help="Copr handlers set build statuses only (the model's all_flags off)")
    flags.add_argument("--all-flags", dest="build_flags_only", action="store_const", const=False,
                       help="Copr handlers set build and mapped test statuses")
    knobs.add_argument("--contributor", choices=("collaborator", "outside", "outside_author"), help="who triggers the PR")
    knobs.add_argument("--auth", choices=("token", "app"), help="token, or as a GitHub App (installation tokens)")
    knobs.add_argument("--fmf", action=argparse.BooleanOptionalAction, default=None,
                       help=".fmf/version in the repository (off: packit submits Testing Farm's installability test)")
    knobs.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None,
                       help="the sender is one of the service config's admins (no allowlist permission check)")
    knobs.add_argument("--success-comment", action=argparse.BooleanOptionalAction, default=None,
                       help="notifications.pull_request.successful_build: comment on the PR after a successful build")
    knobs.add_argument("--pr-action", choices=("opened", "synchronize", "reopened"),
                       help="the pull_request webhook's action")
    knobs.add_argument("--permission", choices=("none", "read", "write", "admin"),
                       help="the sender's permission on the repository (default: the world's for --contributor)")
    fixes = parser.add_argument_group("fixes packit could make (default: off, as packit-service is)")
    fixes.add_argument("--cache-target-branch", action=argparse.BooleanOptionalAction, default=None,
                       help="the Testing Farm helper reads the target branch's head commit once")
    fixes.add_argument("--project-reuse", choices=("call", "task", "pipeline"),
                       help="ogr project objects: one per handler call (today), per task, or per pipeline")
    fixes.add_argument("--skip-rate-limit", action=argparse.BooleanOptionalAction, default=None,
                       help="skip GET /rate_limit while the last x-ratelimit-remaining seen was high")
    fixes.add_argument("--reuse-token", action=argparse.BooleanOptionalAction, default=None,
                       help="reuse a GitHub App installation token until it expires")


#: the knobs' names (tracer.packit.worker.Knobs.names(), kept here so that --help imports no worker)
KNOB_NAMES = ("chroots", "tests", "config_file", "spec_search", "load_config_once", "private_once",
              "build_flags_only", "contributor", "auth", "fmf", "admin", "success_comment", "pr_action", "permission",
              "cache_target_branch", "project_reuse", "skip_rate_limit", "reuse_token")


def knob_values(args: argparse.Namespace) -> dict[str, object]:
    return {n: getattr(args, n) for n in KNOB_NAMES if getattr(args, n) is not None}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "record",
        help="record a pipeline run: one cassette per handler invocation, plus a manifest",
        description="Run the reference packit worker through one PR pipeline and record every GitHub "
        "interaction, one vcrpy cassette per handler invocation, plus manifest.yaml. By default "
        "against a loopback GitHub stood up for the scenario; with --target github against "
        "api.github.com (credentials from GITHUB_TOKEN, or GITHUB_APP_ID and "
        "GITHUB_APP_PRIVATE_KEY_PATH, and --world naming the repository and pull request).",
    )
    parser.add_argument("--profile", required=True, help="packit-service@bc1f66bb (alias C) or packit-service@b828c3d7 (HEAD), or a profile file")
    parser.add_argument("--out", required=True, type=run_dir, metavar="DIR", help="the run folder to write (replaced only once complete)")
    parser.add_argument("--force", action="store_true",
                        help="replace DIR even when it is not a recorded run (default: refuse, exit 2)")
    parser.add_argument("--target", choices=TARGETS, default="loopback")
    parser.add_argument("--world", type=Path, metavar="FILE", help="world template (repository, PR, contributors)")
    parser.add_argument("--name", default="", help="the run's name in reports (default: the folder's name)")
    parser.add_argument("--description", default="")
    parser.add_argument("--no-trim", dest="trim", action="store_false", help="keep every header and URL template")
    parser.add_argument("--cassette-format", choices=("yaml", "json"), default="yaml",
                        help="vcrpy's YAML (default) or vcrpy's JSON serializer (parses several times faster;"
                             " vcrpy reads it with serializer='json')")
    add_knob_flags(parser)
    parser.set_defaults(func=run)
    return parser


def _github_credentials():
    from tracer.packit.worker import Credentials

    if token := os.environ.get("GITHUB_TOKEN"):
        return Credentials.with_token(token)
    app_id, key_path = os.environ.get("GITHUB_APP_ID"), os.environ.get("GITHUB_APP_PRIVATE_KEY_PATH")
    if app_id and key_path:
        try:
            return Credentials.github_app(app_id, Path(key_path).read_text())
        except OSError as exc:
            raise UsageError(f"{key_path}: cannot read the app's private key ({exc.strerror})") from None
    raise UsageError("--target github needs GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH")


def run(args: argparse.Namespace) -> int:
    from tracer.packit import runs

    knobs = knob_values(args)
    if args.target == "github":
        if args.world is None:
            raise UsageError("--target github needs --world FILE naming the repository and pull request")
        manifest, trace = runs.record_on_github(
            args.profile, knobs, args.out, _github_credentials(),
            world=args.world, name=args.name, description=args.description, trim=args.trim, force=args.force,
            cassette_format=args.cassette_format,
        )
    else:
        manifest, trace = runs.record_on_loopback(
            args.profile, knobs, args.out, name=args.name, description=args.description,
            trim=args.trim, world=args.world, force=args.force, cassette_format=args.cassette_format,
        )
    print(
        f"recorded {args.out}: {len(manifest.cassettes)} handler invocations, {trace.requests} requests "
        f"({trace.charged} charged) with {manifest.profile}"
    )
    return 0
