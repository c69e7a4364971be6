"""Shared output helpers for the sub-commands: formats and trace rendering."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tracer.capture import Trace

FORMATS = ("plain", "github", "json")
TABLE_FORMATS = {"plain": "simple", "github": "github"}


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="plain", help="output format (default: plain)")


def add_measure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--measure", choices=("requests", "charged"), default="requests",
        help="count every request, or only those charged to the rate limit (default: requests)",
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=1)
    sys.stdout.write("\n")


def render_trace(trace: Trace, fmt: str, title: str, measure: str = "requests") -> str:
    """Per handler, per event and per endpoint tables of one trace, with totals."""
    tf = TABLE_FORMATS[fmt]
    heading = (lambda s: f"### {s}") if fmt == "github" else (lambda s: f"{s}\n{'=' * len(s)}")
    parts = [
        heading(title),
        f"{trace.requests} requests ({trace.logical} logical calls), {trace.charged} charged to the rate limit",
        *([trace.other_hosts_line()] if trace.elsewhere else []),
        "",
        trace.table("handler", tf, measure),
        "",
        trace.table("event", tf, measure),
        "",
        trace.endpoint_table(tf),
    ]
    gaps = trace.ratelimit_gaps()
    if gaps:
        parts += ["", "rate-limit check: GitHub counted calls the tracer did not see:"]
        parts += [f"  {gap}" for gap in gaps]
    return "\n".join(parts)
