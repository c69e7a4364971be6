"""A Celery app held as applications hold theirs, for ``celery -A held_apps worker`` (tests/live).

``HELD`` (environment) says how the module holds it when it calls ``instrument_celery`` with
the app's holder, as a worker's start-up would:

- ``lazy``: a ``lazy_object_proxy.Proxy`` around a factory (packit-service's ``celerizer.py``),
  tasks declared through the proxy;
- ``lazy-late``: the same, instrumented before the factory has run;
- ``current``: ``celery.current_app``, instrumented before the app is made;
- ``plain``: the ``Celery`` object;
- ``readme``: a lazy proxy named ``celery_app`` as packit-service's, instrumented by the
  README's lines, run as written (they read ``POOL``, ``PUSHGATEWAY_ADDRESS``,
  ``API_TRACER_METRICS_PORT`` and ``API_TRACER_TRACE_DIR``).

Each task makes ``n`` GitHub calls (``FLEET_API_URL`` is the loopback GitHub); the worker
counts with ``Metrics.multiprocess(port=FLEET_PORT)`` or pushes to ``FLEET_GATEWAY``, and writes
each task's trace to ``FLEET_TRACE_DIR``.
"""

from __future__ import annotations

import os

import celery
import requests
from lazy_object_proxy import Proxy

from tracer.capture import redirect_api
from tracer.live import Metrics, instrument_celery

HELD = os.environ.get("HELD", "lazy")
_made: list[celery.Celery] = []


def make_app() -> celery.Celery:
    app = celery.Celery("held_apps", broker=os.environ.get("FLEET_BROKER", "memory://"))
    app.conf.update(task_ignore_result=True, broker_connection_retry_on_startup=True,
                    task_default_queue=os.environ.get("FLEET_QUEUE", "celery"))
    _made.append(app)
    return app


def _metrics() -> Metrics | None:
    if os.environ.get("FLEET_PORT"):
        return Metrics.multiprocess(port=int(os.environ["FLEET_PORT"]), addr="127.0.0.1")
    if os.environ.get("FLEET_GATEWAY"):
        return Metrics.push(os.environ["FLEET_GATEWAY"], job="held")
    return None


_REDIRECT = redirect_api(os.environ["FLEET_API_URL"]) if os.environ.get("FLEET_API_URL") else None
if _REDIRECT is not None:
    _REDIRECT.__enter__()  # for the worker's life (kept: a dropped one closes)

if HELD == "readme":
    from readme_lines import readme_lines

    celery_app = Proxy(make_app)
    celery_app.conf  # noqa: B018 - as packit-service's decorators resolve it before the lines
    exec(compile(readme_lines(), "README.md", "exec"))  # noqa: S102 - the README's lines, as written
elif HELD in ("lazy", "lazy-late"):
    celery_app = Proxy(make_app)
    holder = celery_app
    if HELD == "lazy":
        celery_app.conf  # noqa: B018 - resolved before instrumenting, as packit-service's decorators do
elif HELD == "current":
    holder = celery.current_app
else:
    celery_app = make_app()
    holder = celery_app

if HELD != "readme":
    instrument_celery(holder, labels="packit-service", metrics=_metrics(), trace_dir=os.environ.get("FLEET_TRACE_DIR"))

if HELD == "current":
    celery_app = make_app()  # made after the call; Celery makes it the current app

TOKEN = os.environ.get("FLEET_TOKEN", "")


@celery_app.task(name="task.run_copr_build_end_handler", bind=True)
def run_copr_build_end_handler(self: celery.Task, event: dict, package_config: dict | None = None,
                               job_config: dict | None = None, n: int = 2) -> int:
    for _ in range(n):
        requests.get("https://api.github.com/repos/packit/hello-world",
                     headers={"Authorization": f"token {TOKEN}"}, timeout=30).raise_for_status()
    return n
