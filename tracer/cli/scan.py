"""``api-tracer scan PATH...``: look for secrets in cassettes and any other file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tracer.cli.convention import add_format, emit, emit_json
from tracer.cli.terminal import progress
from tracer.document import json_document

HELP = "find secrets (tokens, JWTs, private keys, auth headers) in cassettes and any other file"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "scan",
        help=HELP,
        description="Scan files, and every file under folders, for GitHub tokens, JWTs, PEM private keys "
        "(also with the armour folded across lines), Authorization headers, token URL parameters and "
        "temp_clone_token, private_key, password and client_secret values, also where they hide: base64 "
        "(a file's content, !!binary bodies), gzip/deflate, percent-encoding, JSON and YAML escapes. In "
        "source code a key's value counts only when it is a literal (password=None is code). Folders are "
        "walked without version control, virtual environments, build output and caches, and without what "
        ".gitignore files ignore. Prints FILE:LINE: KIND: excerpt (secret redacted) per finding; exit 1 "
        "when anything is found, 0 when clean, 2 when there is no file to scan or an --exclude pattern or "
        "an allowlist entry matches nothing.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="file or directory")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="leave out what this gitignore-style pattern matches, relative to each folder given"
                             " (repeatable)")
    parser.add_argument("--allowlist", metavar="FILE", type=Path,
                        help="known fakes not to report (YAML: format api-tracer/scan-allowlist; see"
                             " tracer/recording/secrets/allowlist.py)")
    parser.add_argument("--no-ignore", dest="ignore_files", action="store_false",
                        help="also scan what .gitignore files ignore")
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.recording.secrets import Allowlist, scan

    allowlist = Allowlist.load(args.allowlist) if args.allowlist else None
    result = scan(args.paths, exclude=args.exclude, ignore_files=args.ignore_files, allowlist=allowlist,
                  progress=lambda files: progress(files, "scanning", unit="file"))
    affected = len({finding.file for finding in result.findings})
    if args.format == "json":
        emit_json(json_document("scan", 1, {
            "files": result.files, "findings": [f.as_dict() for f in result.findings],
            "allowed": len(result.allowed),
        }))
        return 1 if result.findings else 0
    bullet = "- " if args.format == "github" else ""
    for finding in result.findings:
        emit(f"{bullet}`{finding}`" if args.format == "github" else str(finding))
    allowed = f"; {len(result.allowed)} allowed by {args.allowlist}" if result.allowed else ""
    if result.findings:
        emit(f"{len(result.findings)} possible secret(s) in {affected} of {result.files} file(s) scanned{allowed}")
        return 1
    emit(f"no secrets found in {result.files} file(s) scanned{allowed}")
    return 0
