"""The route label memo of live metrics holds at most ``_ROUTE_MEMO`` entries, and the labels past
it are the same as those remembered (a route no forge lists is ``(unlisted)``)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from tracer.capture import Call
from tracer.live import Metrics
from tracer.live import metrics as metrics_module

ROUTES = ["/repos/{owner}/{repo}", "/rate_limit", "/repos/{owner}/{repo}/pulls/{pull_number}", "/no/such/{route}"]


def labels(registry: CollectorRegistry) -> dict[str, float]:
    return {s.labels["route"]: s.value for f in registry.collect() for s in f.samples
            if "route" in s.labels and s.name.endswith("_total")}


@pytest.mark.parametrize("cap", [2, 3, 4])
def test_labels_past_the_memo_cap_are_the_same(monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
    monkeypatch.setattr(metrics_module, "_ROUTE_MEMO", cap)
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    calls = [Call(seq=i, method="GET", url=f"https://api.github.com/x{i}", route=r, category="other", charged=True,
                  status=200) for i, r in enumerate(ROUTES)]
    for _ in range(2):
        metrics.add_calls(calls)
    assert len(metrics._route_labels) == min(cap, len(ROUTES))
    assert labels(registry) == {ROUTES[0]: 2, ROUTES[1]: 2, ROUTES[2]: 2, "(unlisted)": 2}
