"""What a call's headers tell: its credentials' kind and digest (never the credential), and the
rate-limit headers of its answer. The header mappings of requests, urllib3 and httpx are read
from their insides, chosen by type: their public look-ups cost several calls each (httpx's scans
and decodes the whole list), and every traced call reads a request's and an answer's."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from typing import Any


def auth_of(headers: Any) -> tuple[str, str | None]:
    """(kind, short digest) of a request's credentials; never the credential itself (GitLab's
    ``PRIVATE-TOKEN`` / ``JOB-TOKEN`` headers are tokens too).

    >>> auth_of(requests.get(url).request.headers)   # doctest: +SKIP
    ('token', '9f31e9044f')
    >>> auth_of({})
    ('none', None)
    """
    kind = _headers_kind(type(headers))
    if kind == _HTTPX:
        found = _httpx_values(headers, _AUTH_WANTED)
        value, gitlab = found.get("authorization"), found.get("private-token") or found.get("job-token")
    elif kind == _REQUESTS:
        # requests' CaseInsensitiveDict (every request it sends): lower-cased name → (name,
        # value); a look-up or two instead of its public get's three calls each
        store = headers._store
        found_pair = store.get("authorization")
        value = found_pair[1] if found_pair is not None else None
        gitlab = None
        if not value:
            found_pair = store.get("private-token") or store.get("job-token")
            gitlab = found_pair[1] if found_pair is not None else None
    elif headers is not None:
        value = headers.get("Authorization")
        gitlab = None if value else headers.get("PRIVATE-TOKEN") or headers.get("JOB-TOKEN")
    else:
        return "none", None
    if value:
        return _auth_kind(str(value))
    return ("token", _digest(str(gitlab))) if gitlab else ("none", None)


#: the header mappings whose insides are read directly (each public look-up costs several calls)
_OTHER, _REQUESTS, _HTTPX, _URLLIB3 = range(4)


@functools.cache
def _headers_kind(cls: type) -> int:
    """Which header mapping a type is, by its name and the insides read (asked once per type)."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name == "requests.structures.CaseInsensitiveDict" and "_store" in cls.__init__.__code__.co_names:
        return _REQUESTS
    if name == "httpx.Headers":
        return _HTTPX
    if name == "urllib3._collections.HTTPHeaderDict":
        return _URLLIB3
    return _OTHER


#: the credential headers, as httpx keeps their names (lower-cased bytes)
_AUTH_WANTED = {name.encode("ascii"): name for name in ("authorization", "private-token", "job-token")}


def _httpx_values(headers: Any, wanted: dict[bytes, str]) -> dict[str, str]:
    """The headers ``wanted`` names (httpx's lower-cased name → the name to give), read from
    httpx's ``Headers`` list in one pass, decoded and repeated headers joined as httpx does (its
    public look-up scans and decodes the whole list for each header: most of the tracer's time
    per httpx call went there; making the list a dict first costs more than this scan)."""
    found: dict[str, str] = {}
    for _, key, value in headers._list:
        name = wanted.get(key)
        if name is not None:
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                text = value.decode(headers.encoding)
            found[name] = found[name] + ", " + text if name in found else text
    return found


@functools.lru_cache(maxsize=256)  # a worker reuses a few credentials: hash each once
def _auth_kind(value: str) -> tuple[str, str]:
    scheme, _, credential = value.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and credential.count(".") == 2 and credential.startswith("eyJ"):
        # an app JWT is signed anew every few minutes: its digest is the app's (its issuer)
        return "jwt", _digest(f"app:{_jwt_issuer(credential)}")
    return ("basic" if scheme == "basic" else "token"), _digest(credential)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _jwt_issuer(jwt: str) -> str:
    """The ``iss`` claim of a JWT (a GitHub App's id), or the whole token if it has none."""
    payload = jwt.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["iss"])
    except (ValueError, KeyError, TypeError):
        return jwt


def ratelimit_of(headers: Any, keys: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The rate-limit headers ``keys`` names of an answer, by name.

    >>> ratelimit_of({"x-ratelimit-remaining": "4999"}, (("remaining", "x-ratelimit-remaining"),))
    {'remaining': '4999'}
    """
    found = {}
    kind = _headers_kind(type(headers))
    if kind == _URLLIB3:
        # urllib3's HTTPHeaderDict (every answer a transport got): lower-cased name ->
        # [name as sent, *values]; five look-ups in it cost a third of its public
        # ``in``/``[]`` (a third of what building a Call cost in live mode)
        container = headers._container
        for name, header in keys:
            values = container.get(header)
            if values is not None:
                found[name] = ", ".join(values[1:])
        return found
    if kind == _HTTPX:
        return _httpx_values(headers, _wanted(keys))
    for name, header in keys:
        if header in headers:  # a miss costs no KeyError
            found[name] = headers[header]
    return found


@functools.lru_cache(maxsize=64)  # one per forge's rate-limit header table
def _wanted(keys: tuple[tuple[str, str], ...]) -> dict[bytes, str]:
    """``keys`` as :func:`_httpx_values` reads them: httpx's lower-cased name → the name given."""
    return {header.lower().encode("ascii"): name for name, header in keys}
