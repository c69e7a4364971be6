"""``api-tracer scan PATH...``: look for secrets in cassettes and other YAML/JSON files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tracer.recording.secrets import iter_scanned_files, scan_paths


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "scan",
        help="find secrets (tokens, JWTs, private keys, auth headers) in YAML/JSON files",
        description="Scan files, and directories for *.yaml, *.yml and *.json files, for "
        "GitHub tokens, JWTs, PEM private keys, Authorization headers and temp_clone_token "
        "values. Prints FILE:LINE: KIND: excerpt (secret redacted) per finding; "
        "exit 1 when anything is found, 0 when clean.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="file or directory")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    findings = scan_paths(args.paths)
    files = sum(1 for _ in iter_scanned_files(args.paths))
    for finding in findings:
        print(finding)
    if findings:
        affected = len({finding.file for finding in findings})
        print(f"{len(findings)} possible secret(s) in {affected} of {files} file(s) scanned")
        return 1
    print(f"no secrets found in {files} file(s) scanned")
    return 0
