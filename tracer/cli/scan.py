"""``api-tracer scan PATH...``: look for secrets in cassettes and other YAML/JSON files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tracer.recording.secrets import iter_scanned_files, scan_paths


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "scan",
        help="find secrets (tokens, JWTs, private keys, auth headers) in cassettes and any other file",
        description="Scan files, and every file under directories (.git, .hg, .svn skipped), for "
        "GitHub tokens, JWTs, PEM private keys, Authorization headers, token URL parameters and "
        "temp_clone_token, private_key, password and client_secret values, also where they hide: "
        "base64 (a file's content, !!binary bodies), gzip/deflate, percent-encoding, JSON and YAML "
        "escapes. Prints FILE:LINE: KIND: excerpt (secret redacted) per finding; "
        "exit 1 when anything is found, 0 when clean, 2 when there is no file to scan.",
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
