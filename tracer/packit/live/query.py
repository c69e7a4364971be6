"""The fleet's measured cost per PR, read from Prometheus' HTTP query API, as drift measurements.

``api-tracer drift --prometheus URL [--window DURATION] [--profile P]`` turns what live mode
exported into one :class:`~tracer.packit.drift.Measurement` per chroot count: the requests of each
handler × event × category × endpoint (``api_tracer_github_requests_total``, charged or not)
divided by the pipelines started (``api_tracer_pipelines_total``) of that chroot count, so the
drift report compares them with the model exactly as it does recorded runs. The model's other
parameters are the profile's (the deployed era: its default knobs with that chroot count).

Without ``--window`` the counters' values since the workers started are read (exact); with it,
``increase(...[WINDOW])`` (what a long-running fleet wants: counter resets are handled, and the
figures are Prometheus' extrapolated increases, rounded per PR).
"""

from __future__ import annotations

import json
import re

import requests

from tracer.capture import Call, Trace
from tracer.packit.drift.measurement import Measurement
from tracer.errors import DataError, UsageError
from tracer.live.labels import NO_EVENT
from tracer.live.names import LABELS, PIPELINES_TOTAL as PIPELINES, REQUESTS_TOTAL as REQUESTS

GROUPS = LABELS["github_requests"]
_DURATION = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
_API = "https://api.github.com"


def check_window(window: str | None) -> str | None:
    """A Prometheus duration (``1h``, ``30m``, ``1h30m``, ``7d``) or None."""
    if window is None or _DURATION.match(window):
        return window
    raise UsageError(f"--window {window!r} is not a Prometheus duration (e.g. 1h, 30m, 7d)")


class Prometheus:
    """Instant queries against one Prometheus server; every failure is a one-line DataError."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not re.match(r"^https?://[^/\s]+", url or ""):
            raise UsageError(f"--prometheus {url!r} is not an http(s) URL (e.g. http://prometheus:9090)")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query(self, promql: str) -> list[tuple[dict[str, str], float]]:
        """(labels, value) of each series of an instant vector."""
        try:
            response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=self.timeout)
        except requests.Timeout:
            raise DataError(f"{self.url}: Prometheus did not answer within {self.timeout:g} s") from None
        except requests.ConnectionError as exc:
            refused = "refused" in str(exc).lower()
            raise DataError(f"{self.url}: Prometheus did not answer (connection {'refused' if refused else 'failed'})") from None
        except requests.RequestException as exc:
            raise DataError(f"{self.url}: Prometheus did not answer ({type(exc).__name__})") from None
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            raise DataError(f"{self.url}: not a Prometheus query API (HTTP {response.status_code}, "
                            f"{response.headers.get('Content-Type') or 'no content type'}, not JSON)") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            raise DataError(f"{self.url}: the query failed (HTTP {response.status_code}"
                            f"{': ' + ' '.join(str(error).split())[:160] if error else ', no status: success'})")
        data = body.get("data")
        if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
            raise DataError(f"{self.url}: not a Prometheus query API answer (expected data.resultType vector)")
        rows = []
        for item in data["result"]:
            try:
                labels, (_, raw) = item["metric"], item["value"]
                value = float(raw)
            except (KeyError, TypeError, ValueError):
                raise DataError(f"{self.url}: a series of the answer is malformed: {str(item)[:120]}") from None
            if not isinstance(labels, dict) or value != value or value < 0:
                raise DataError(f"{self.url}: a series of the answer is malformed: {str(item)[:120]}")
            rows.append(({str(k): str(v) for k, v in labels.items()}, value))
        return rows


def _counter(name: str, by: tuple[str, ...], window: str | None) -> str:
    inner = f"increase({name}[{window}])" if window else name
    return f"sum by ({', '.join(by)}) ({inner})"


def fleet_measurements(url: str, *, profile: str = "HEAD", window: str | None = None, timeout: float = 10.0) -> list[Measurement]:
    """One measurement per chroot count the fleet ran pipelines with (see the module)."""
    from tracer.packit.runs import model_parameters
    from tracer.packit.worker import Knobs, load_profile

    window = check_window(window)
    prof = load_profile(profile)
    server = Prometheus(url, timeout)
    pipelines: dict[str, float] = {}
    for labels, value in server.query(_counter(PIPELINES, ("chroots",), window)):
        if labels.get("chroots", "").isdigit() and value > 0:
            pipelines[labels["chroots"]] = value
    if not pipelines:
        raise DataError(f"{server.url}: no PR pipelines in {PIPELINES}"
                        f"{' over the last ' + window if window else ''} (is the fleet instrumented with tracer.live?)")
    rows = server.query(_counter(REQUESTS, GROUPS, window))
    out = []
    for chroots in sorted(pipelines, key=int):
        per_pr = pipelines[chroots]
        calls: list[Call] = []
        for labels, value in rows:
            if labels.get("chroots") != chroots:
                continue
            n = round(value / per_pr)
            event = labels.get("event") or NO_EVENT
            for _ in range(n):
                seq = len(calls) + 1
                route = labels.get("route", "")
                calls.append(Call(
                    seq=seq, method=labels.get("method", "GET"), url=_API + route, route=route,
                    forge=labels.get("forge") or "github",  # a counter from before forges were labelled
                    category=labels.get("category", "other"), charged=labels.get("charged") == "true",
                    handler=labels.get("handler", ""), event=None if event == NO_EVENT else event,
                    logical=seq, auth=labels.get("auth", "none"),
                ))
        knobs = Knobs.from_mapping({"chroots": int(chroots)}).resolved(prof)
        out.append(Measurement(
            name=f"fleet, {chroots} chroot{'' if chroots == '1' else 's'} ({per_pr:g} PRs{', last ' + window if window else ''})",
            source=server.url, profile=prof.name, knobs=knobs.as_dict(),
            model=model_parameters(prof, knobs), trace=Trace(calls),
        ))
    return out
