"""Live mode: api-tracer inside a running worker fleet (Celery), with metrics in Prometheus.

Public API::

    from tracer.live import Metrics, instrument_celery, uninstrument_celery
    instrument_celery(app, labels="packit-service", metrics=Metrics.multiprocess(port=9108))
    instrument_celery(app, metrics=Metrics.push("gateway:9091"), trace_dir="/var/tmp/traces")

``Labels`` (label tables, data in ``tables/``), ``TaskRecord`` and ``LiveTracer`` are the parts
underneath. Metrics need the ``live`` extra (prometheus_client); Celery is the app's own.
"""

from tracer.live.labels import NO_EVENT, Labels
from tracer.live.record import LiveTracer, TaskRecord, current_record

__all__ = ["NO_EVENT", "Labels", "LiveTracer", "Metrics", "TaskRecord", "current_record",
           "instrument_celery", "uninstrument_celery"]


def __getattr__(name: str):  # noqa: ANN202 - lazy: prometheus_client and celery are optional
    if name == "Metrics":
        from tracer.live.metrics import Metrics

        return Metrics
    if name in ("instrument_celery", "uninstrument_celery", "Instrumentation"):
        from tracer.live import celery as _celery

        return getattr(_celery, name)
    raise AttributeError(f"module 'tracer.live' has no attribute {name!r}")
