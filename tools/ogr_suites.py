"""ogr's own integration suites replayed by requre with api-tracer on: the acceptance check of
every forge (issue 20).

    python tools/ogr_suites.py OGR_CHECKOUT [--forge gitlab ...] [--json FILE]

OGR_CHECKOUT is a checkout of packit/ogr (at the commit in ``../shared/realdata/
ogr-forge-recordings/OGR_COMMIT``) with ogr's test extras installed (``pip install flexmock``);
its own ``ogr`` package is imported (``PYTHONPATH``), so the suites run the code they were
recorded with. Each forge's suite (``tests/integration/<forge>``) runs in its own pytest, with
this file as a plugin: one :class:`~tracer.capture.Tracer` for the session, each test in a
handler scope named after it, and requre's reads counted (what requre replayed, counted apart
from the tracer). Per forge it prints

- recorded: the interactions the suite's recordings hold (``import_requre``, no retries added);
- replayed: the answers requre gave (its storage reads);
- seen: the tracer's logical calls that got an answer; missed: replayed answers not seen;
- categories right by call site: a call's expected category comes from the ogr method the test
  called (the outermost ogr frame, mapped by :data:`EXPECTED`), compared with the tracer's; the
  misses are listed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

FORGE_SUITES = ("github", "gitlab", "pagure", "forgejo")
#: the category each ogr method a packit pipeline calls belongs to, by its name (any forge);
#: every other method's calls are ``other`` (token minting, whoever asks: ``auth``)
EXPECTED = {
    "is_private": "is_project_private",
    "can_merge_pr": "is_user_approved",
    "who_can_merge_pr": "is_user_approved",
    "who_can_close_issue": "is_user_approved",
    "has_write_access": "is_user_approved",
    "users_with_write_access": "is_user_approved",
    "get_users_with_given_access": "is_user_approved",
    "can_close": "is_user_approved",
    "set_commit_status": "set_status",
    "set_flag": "set_status",
    "create_check_run": "set_status",
}
#: hosts ogr's suites use beyond the known ones
HOSTS = ["forgejo=v10.next.forgejo.org"]


# -- the plugin: loaded into ogr's pytest -------------------------------------------------------
_state: dict[str, Any] = {}


def pytest_configure(config: Any) -> None:
    from requre import objects

    from tracer.capture import Tracer

    reads: Counter[str] = Counter()
    original = objects.ObjectStorage.read

    def read(self: Any) -> Any:
        data = original(self)
        reads[_state.get("test", "?")] += 1
        return data

    objects.ObjectStorage.read = read  # type: ignore[method-assign]
    tracer = Tracer(hosts=HOSTS)
    tracer.__enter__()
    _state.update(tracer=tracer, reads=reads, outcomes={})


def pytest_runtest_call(item: Any) -> Any:
    import pytest  # noqa: F401

    from tracer.capture import handler

    _state["test"] = item.nodeid
    with handler(item.nodeid):
        yield


pytest_runtest_call.hookwrapper = True  # type: ignore[attr-defined]


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or report.outcome != "passed":
        _state["outcomes"][report.nodeid] = report.outcome


def pytest_sessionfinish(session: Any) -> None:
    tracer = _state["tracer"]
    tracer.__exit__(None, None, None)
    calls = [c for c in tracer.trace().all_calls() if c.attempt == 1]
    out = os.environ["OGR_SUITES_OUT"]
    Path(out).write_text(json.dumps({
        "reads": dict(_state["reads"]),
        "outcomes": _state["outcomes"],
        "calls": [{"test": c.handler, "method": c.method, "url": c.url, "status": c.status, "forge": getattr(c, "forge", None),
                   "route": c.route, "category": c.category, "call_site": c.call_site, "charged": c.charged} for c in calls],
    }))


# -- the runner ----------------------------------------------------------------------------------
def expected_category(call_site: str | None) -> str:
    """The category by the ogr method at the call site (``ogr....GitlabProject.is_private``)."""
    owner, _, method = (call_site or "").rpartition(".")
    if method == "set" and owner.endswith("CommitFlag"):
        # ogr's set_commit_status / set_flag are `@indirect` stubs whose frames never run: the
        # flag class's `set` behind them is the outermost ogr frame
        return "set_status"
    return EXPECTED.get(method, "other")


def recorded(suite: Path) -> int:
    from tracer.recording.requre import import_requre

    return sum(len(import_requre(f, retries=0)) for f in sorted(suite.rglob("test_data/**/*.yaml")))


def run(checkout: Path, forge: str) -> dict[str, Any]:
    suite = checkout / "tests" / "integration" / forge
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "ogr"
        subprocess.run(["cp", "-a", str(checkout), str(work)], check=True)  # requre may rewrite its files
        out = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(work), str(Path(__file__).parent)]), OGR_SUITES_OUT=str(out))
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "ogr_suites",
                        f"tests/integration/{forge}"], cwd=work, env=env, stdout=subprocess.DEVNULL, check=False)
        data = json.loads(out.read_text())
    calls = data["calls"]
    answered = [c for c in calls if c["status"] is not None]
    wrong = [c for c in answered if c["forge"] == forge and c["category"] != expected_category(c["call_site"])]
    on_forge = [c for c in answered if c["forge"] == forge]
    return {
        "forge": forge,
        "recorded": recorded(suite),
        "replayed": sum(data["reads"].values()),
        "seen": len(answered),
        "api_calls": len(on_forge),
        "elsewhere": Counter(f"{c['forge'] or 'other host'}" for c in answered if c["forge"] != forge),
        "right": len(on_forge) - len(wrong),
        "misses": Counter(f"{c['method']} {c['route']} at {c['call_site']}: {c['category']}, expected {expected_category(c['call_site'])}" for c in wrong),
        "failed": sorted(t for t, o in data["outcomes"].items() if o == "failed"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--forge", action="append", choices=FORGE_SUITES)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [run(args.checkout.resolve(), forge) for forge in args.forge or FORGE_SUITES]
    for r in results:
        share = 100 * r["right"] / r["api_calls"] if r["api_calls"] else 100.0
        print(f"{r['forge']}: recorded {r['recorded']}, replayed {r['replayed']}, seen {r['seen']} "
              f"({r['replayed'] - r['seen']} missed); {r['api_calls']} API calls, categories right {r['right']} ({share:.2f} %)")
        for where, n in sorted(r["elsewhere"].items()):
            print(f"  apart: {where} {n}")
        for miss, n in sorted(r["misses"].items()):
            print(f"  miss ×{n}: {miss}")
        for test in r["failed"]:
            print(f"  failed: {test}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=dict))


if __name__ == "__main__":
    main()
