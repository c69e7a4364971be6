"""`api-tracer fakehub`: run the loopback GitHub in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType
from typing import Any

from tracer.cli.exitcodes import INTERRUPTED, OK
from tracer.errors import UsageError

HELP = "serve a GitHub REST API of our own on 127.0.0.1 (until Ctrl-C)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "fakehub",
        help=HELP,
        description="Serve the loopback GitHub in the foreground; stop with Ctrl-C (exit 130, as any"
        " interrupted command) or SIGTERM (exit 0: a service asked to stop).",
    )
    parser.add_argument("--world", metavar="FILE", help="world data file (YAML); default: the packaged default world")
    parser.add_argument("--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        default=None,
        help="API base written into bodies (default: the server's own URL, so plain clients can follow it)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.packit.loopback import FakeGitHub, World

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    world = World.load(args.world) if args.world else World.default()
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            hub = FakeGitHub(world, port=args.port, public_url=args.public_url).start()
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
        try:
            user = world.cli_user()
            token = hub.issue_token(user.login) if user else "<none: the world has no users>"
            print(f"fakehub listening on {hub.url} (world: {world.name})", flush=True)
            print(
                f'hint: github.Github(base_url="{hub.url}", auth=github.Auth.Token("{token}")) '
                f"(token of {user.login if user else '-'}; for ogr use tracer.capture.redirect_api(\"{hub.url}\"))",
                flush=True,
            )
            while not stop.wait(0.5):
                pass
        finally:
            hub.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("fakehub stopped", flush=True)
    return INTERRUPTED if signal.SIGINT in received else OK
