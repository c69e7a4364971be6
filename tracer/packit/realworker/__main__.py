"""``python -m tracer.packit.realworker record|replay|live``: one run, in packit-service's interpreter.

Reads a JSON request on stdin (see :mod:`tracer.packit.realworker.inside`; ``live``:
:mod:`tracer.packit.realworker.live`) and prints one JSON
line on stdout: the answer, or ``{"error": ..., "kind": "usage"|"data"|"bug"}``. Everything
else (packit-service's logs) goes to stderr.
"""

from __future__ import annotations

import json
import sys
import traceback

from tracer.errors import TracerError, UsageError


def main(argv: list[str]) -> int:
    out = sys.stdout
    sys.stdout = sys.stderr  # whatever packit-service prints stays off the answer line
    try:
        if len(argv) != 1 or argv[0] not in ("record", "replay", "live"):
            raise UsageError("usage: python -m tracer.packit.realworker record|replay|live < request.json")
        request = json.loads(sys.stdin.read() or "{}")
        if argv[0] == "live":
            from tracer.packit.realworker import live

            answer = live.run(request)
        else:
            from tracer.packit.realworker import inside

            answer = inside.record(request) if argv[0] == "record" else inside.replay(request)
        code = 0
    except TracerError as exc:
        answer = {"error": str(exc), "kind": "usage" if isinstance(exc, UsageError) else "data"}
        code = 2
    except Exception as exc:  # a bug: the traceback to stderr (the caller keeps it in a file)
        traceback.print_exc()
        answer = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}", "kind": "bug"}
        code = 3
    out.write(json.dumps(answer) + "\n")
    out.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
