"""A growing trace leaves the garbage collector nothing to walk: the Tracer keeps each call as a
plain tuple of strings and numbers, which the collector stops tracking, and makes it a Call only
when read. (Kept as Calls, a trace of 10,000 calls made full collections cost a loopback call
6-7 µs: benchmarks/bench_capture.py prints the collector's time a call.)"""

from __future__ import annotations

import gc

import httpx

from tracer.capture import Tracer, handler

PATHS = ["/api/v1/repos/packit/hello-world", "/api/v1/repos/packit/hello-world/pulls/1", "/api/v1/version"]


def _tracked_after(calls: int) -> tuple[int, Tracer]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"X-RateLimit-Remaining": "4999"})

    client = httpx.Client(transport=httpx.MockTransport(answer),
                          headers={"Authorization": "token abc"})
    tracer = Tracer(hosts=["forgejo=codeberg.example"])
    with tracer, handler("H", event="E"):
        for i in range(calls):
            client.get(f"https://codeberg.example{PATHS[i % 3]}")
    client.close()
    gc.collect()
    return len(gc.get_objects()), tracer


def test_the_collector_tracks_nothing_per_call_kept() -> None:
    _tracked_after(30)  # warm: route tables, memos, httpx's own caches
    small, tracer_small = _tracked_after(100)
    large, tracer_large = _tracked_after(1100)
    assert len(tracer_small) == 100 and len(tracer_large) == 1100
    # 1,000 calls more kept: a few objects more at most (a Call each would be 1,000)
    assert large - small < 50, large - small
    calls = tracer_large.calls
    assert len(calls) == 1100 and [c.seq for c in calls] == list(range(1, 1101))
    assert {c.category for c in calls} <= {"is_project_private", "other", "set_status", "load_packit_yaml",
                                            "is_user_approved", "auth"}
    assert calls[0].ratelimit == {"remaining": "4999"} and calls[0].auth == "token"
    assert calls[-1].handler == "H" and calls[-1].forge == "forgejo"
    assert tracer_large.calls_since(1099) == calls[1099:] and len(tracer_large.calls_since(1100)) == 0
