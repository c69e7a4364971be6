"""The header fast paths (tracer/capture/headers.py) read what each client's public look-up reads.

requests', urllib3's and httpx's header mappings are read from their insides; each answer here
is checked against the same mapping's public ``get``: repeated headers, odd case, non-ASCII
values and missing headers included.
"""

from __future__ import annotations

import httpx
import pytest
import requests
import urllib3

from tracer.capture.charging import ratelimit_keys
from tracer.capture.forges import FORGES
from tracer.capture.headers import auth_of, ratelimit_of

KEYS = (("remaining", "x-ratelimit-remaining"), ("resource", "x-ratelimit-resource"), ("used", "x-ratelimit-used"))
RAW = [("x-ratelimit-remaining", "4990"), ("X-RATELIMIT-RESOURCE", "core"), ("Set-Cookie", "a=1"),
       ("x-ratelimit-remaining", "4989"), ("Server", "forgejo")]


def _answers() -> list[object]:
    http = urllib3.HTTPHeaderDict()
    for name, value in RAW:
        http.add(name, value)
    return [http, httpx.Headers(RAW), httpx.Response(200, headers=RAW).headers]


@pytest.mark.parametrize("headers", _answers(), ids=["urllib3", "httpx", "httpx-response"])
def test_ratelimit_headers_as_the_public_lookup_reads_them(headers: object) -> None:
    expected = {name: headers.get(header) for name, header in KEYS if headers.get(header) is not None}
    assert ratelimit_of(headers, KEYS) == expected == {"remaining": "4990, 4989", "resource": "core"}


def test_a_non_ascii_httpx_value_is_decoded_as_httpx_does() -> None:
    headers = httpx.Headers([(b"X-RateLimit-Resource", "cœur".encode())])
    assert ratelimit_of(headers, KEYS) == {"resource": headers.get("x-ratelimit-resource")} == {"resource": "cœur"}


class _PublicOnly(requests.structures.CaseInsensitiveDict):  # type: ignore[type-arg]
    """Another type: read through its public ``get`` only, never its insides."""


def _requests_headers(pairs: list[tuple[str, str]]) -> object:
    return requests.Request("GET", "https://api.github.com/", headers=dict(pairs)).prepare().headers


@pytest.mark.parametrize("make", [_requests_headers, httpx.Headers], ids=["requests", "httpx"])
@pytest.mark.parametrize(("pairs", "kind"), [
    ([("Authorization", "token abc")], "token"),
    ([("AUTHORIZATION", "Basic dXNlcjpwYXNz")], "basic"),
    ([("Private-Token", "glpat-x")], "token"),
    ([("job-token", "ci-x")], "token"),
    ([("Accept", "*/*")], "none"),
])
def test_credentials_kind_whatever_the_mapping(make: object, pairs: list[tuple[str, str]], kind: str) -> None:
    got = auth_of(make(pairs))  # type: ignore[operator]
    assert got[0] == kind and (got[1] is None) == (kind == "none")
    assert "abc" not in str(got) and "glpat" not in str(got)  # never the credential
    assert got == auth_of(_PublicOnly(pairs))  # what the public look-up gives


@pytest.mark.parametrize("forge", sorted(FORGES))
def test_the_forges_rate_limit_header_names_are_lower_case(forge: str) -> None:
    """The fast paths look them up as the clients keep them: lower-cased."""
    assert all(header == header.lower() for _, header in ratelimit_keys(forge))
