"""What a separate Celery worker process of a :class:`~tracer.packit.realworker.world.PackitWorld`
imports first: ``celery -A packit_service.worker.tasks worker --include tracer.packit.realworker.worker_process``.

At import (in the worker's main process, before a prefork pool forks its children, who inherit
it) it enters the world's redirects (``$API_TRACER_REDIRECTS``, see
:func:`~tracer.packit.realworker.world.redirects_from_env`) for the life of the process, and
names the Celery task that sends each HTTP request in the request's ``X-Loopback-Tag`` header
(``<task name> <task id>``; ``-`` outside a task), so the loopback GitHub's own log says which
task made which request whatever pool ran it. packit-service's code is not touched: the header
is added at the transport (``requests``' ``HTTPAdapter.send``).
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from typing import Any

import requests.adapters
from celery import current_task

from tracer.packit.loopback.messages import TAG_HEADER
from tracer.packit.realworker.world import redirects_from_env

_stack = ExitStack()
REDIRECTS = _stack.enter_context(redirects_from_env())
atexit.register(_stack.close)


def tag() -> str:
    """``<task name> <task id>`` of the task running in this thread or greenlet, else ``-``."""
    task = current_task
    request = getattr(task, "request", None) if task else None
    task_id = getattr(request, "id", None)
    name = getattr(task.name, "value", task.name)  # packit-service names its tasks with a str Enum
    return f"{name} {task_id}" if task_id else "-"


def _tagging(send: Any) -> Any:
    def send_tagged(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        request.headers[TAG_HEADER] = tag()
        return send(self, request, *args, **kwargs)

    send_tagged.__wrapped__ = send  # type: ignore[attr-defined]
    return send_tagged


requests.adapters.HTTPAdapter.send = _tagging(requests.adapters.HTTPAdapter.send)  # type: ignore[method-assign]
