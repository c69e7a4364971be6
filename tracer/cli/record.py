"""`api-tracer record`: run a packit worker (the reference worker, or packit-service's own code) and
record one cassette per handler invocation."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracer.cli.convention import add_format, add_out, emit, emit_json
from tracer.document import json_document
from tracer.errors import UsageError
from tracer.packit import knobs

HELP = "record a pipeline run: one cassette per handler invocation, plus a manifest"
TARGETS = ("loopback", "github")
WORKERS = ("reference", "packit-service")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "record",
        help=HELP,
        description="Run a packit worker through one PR pipeline and record every GitHub "
        "interaction, one vcrpy cassette per handler invocation, plus manifest.yaml. By default "
        "the reference worker against a loopback GitHub stood up for the scenario; with --target github against "
        "api.github.com (credentials from GITHUB_TOKEN, or GITHUB_APP_ID and "
        "GITHUB_APP_PRIVATE_KEY_PATH, and --world naming the repository and pull request). With "
        "--worker packit-service, packit-service's own code (--source DIR, in its own environment: "
        "--python) against loopback GitHub, Copr and Testing Farm servers, a throwaway PostgreSQL "
        "(or --database URL) and Redis; the knobs become its configuration, repository content or event content.",
    )
    parser.add_argument("--worker", choices=WORKERS, default="reference",
                        help="the reference worker (default), or packit-service's own code")
    parser.add_argument("--profile", help="packit-service@bc1f66bb (alias C) or packit-service@b828c3d7 (HEAD), or a "
                        "profile file (required for the reference worker; for packit-service: the knobs' defaults, default HEAD)")
    real = parser.add_argument_group("--worker packit-service")
    real.add_argument("--source", type=Path, metavar="DIR",
                      help="a packit-service checkout or unpacked archive (default: the installed packit_service)")
    real.add_argument("--python", metavar="PATH",
                      help="packit-service's interpreter (default: $API_TRACER_PACKIT_PYTHON, else this one)")
    real.add_argument("--database", metavar="URL",
                      help="postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME (default: a throwaway PostgreSQL)")
    real.add_argument("--services", type=Path, metavar="FILE",
                      help="the loopback Copr, Testing Farm and releases data (default: the shipped services world)")
    add_out(parser, "run", "the run folder to write (replaced only once complete)", required=True)
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
    add_format(parser)
    knobs.add_flags(parser)
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


def _record_real(args: argparse.Namespace, chosen: knobs.Knobs) -> int:
    from tracer.packit.realworker import record_real

    if args.target != "loopback":
        raise UsageError("--worker packit-service records against loopback servers only (--target loopback)")
    given = {name: value for name, value in chosen.as_dict().items() if value is not None}
    answer = record_real(
        args.out, given, source=args.source, profile=args.profile, python=args.python, database=args.database,
        services=args.services, world=args.world, name=args.name, description=args.description, trim=args.trim,
        force=args.force, cassette_format=args.cassette_format,
    )
    if args.format == "json":
        emit_json(json_document("record", 1, {
            "run": str(args.out), "worker": "packit-service", "source": answer["label"], "tasks": answer["steps"],
            "requests": answer["requests"], "charged": answer["charged"],
        }))
        return 0
    emit(f"recorded {args.out}: {answer['steps']} tasks, {answer['requests']} requests ({answer['charged']} charged) "
         f"with {answer['label']} (the real packit-service)")
    return 0


def run(args: argparse.Namespace) -> int:
    from tracer.packit import runs

    chosen = knobs.from_args(args)
    if args.worker == "packit-service":
        return _record_real(args, chosen)
    for flag in ("source", "python", "database", "services"):
        if getattr(args, flag) is not None:
            raise UsageError(f"--{flag} is for --worker packit-service")
    if args.profile is None:
        raise UsageError("the reference worker needs --profile (packit-service@bc1f66bb, packit-service@b828c3d7 or a file)")
    if args.target == "github":
        if args.world is None:
            raise UsageError("--target github needs --world FILE naming the repository and pull request")
        manifest, trace = runs.record_on_github(
            args.profile, chosen, args.out, _github_credentials(),
            world=args.world, name=args.name, description=args.description, trim=args.trim, force=args.force,
            cassette_format=args.cassette_format,
        )
    else:
        manifest, trace = runs.record_on_loopback(
            args.profile, chosen, args.out, name=args.name, description=args.description,
            trim=args.trim, world=args.world, force=args.force, cassette_format=args.cassette_format,
        )
    if args.format == "json":
        emit_json(json_document("record", 1, {
            "run": str(args.out), "profile": manifest.profile, "knobs": manifest.knobs,
            "cassettes": len(manifest.cassettes), "requests": trace.requests, "charged": trace.charged,
        }))
        return 0
    emit(f"recorded {args.out}: {len(manifest.cassettes)} handler invocations, {trace.requests} requests "
         f"({trace.charged} charged) with {manifest.profile}")
    return 0
