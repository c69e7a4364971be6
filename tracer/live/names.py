"""The metrics live mode exports: names and label sets (bounded), shared by the exporter
(``metrics``, needs prometheus_client) and the query side (``query``, needs only HTTP)."""

PREFIX = "api_tracer"
#: every metric's labels (``repository`` is appended to the two call counters when asked for);
#: the call counters count every forge's API calls (``forge``: github, gitlab, pagure, forgejo)
LABELS: dict[str, tuple[str, ...]] = {
    "github_requests": ("forge", "handler", "event", "category", "method", "route", "charged", "auth", "chroots"),
    "github_logical_calls": ("forge", "handler", "event", "category", "chroots"),
    "github_request_duration_seconds": ("category",),
    "github_ratelimit_remaining": ("bucket", "resource"),
    "other_host_requests": ("host", "handler"),
    "tasks": ("handler", "event", "outcome"),
    "pipelines": ("chroots",),
    "up": (),
    "tasks_seen": ("counted",),
}
REQUESTS_TOTAL = f"{PREFIX}_github_requests_total"
PIPELINES_TOTAL = f"{PREFIX}_pipelines_total"
