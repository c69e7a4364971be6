"""Keep secrets off disk: the vcrpy scrub hooks.

* :func:`scrub_request` is a vcrpy ``before_record_request`` hook: it drops ``Authorization``,
  ``Proxy-Authorization`` and ``Cookie`` headers and ``token``/``access_token``/``client_secret``
  query parameters, and records only the *kind* of auth in ``X-Tracer-Auth``
  (``token``, ``jwt``, ``basic`` or ``none``).
* :func:`scrub_response` is a ``before_record_response`` hook: it decompresses gzip/deflate bodies,
  replaces secret values in JSON bodies (installation access tokens, ``temp_clone_token``, GitHub
  tokens, JWTs, PEM private keys) with :data:`PLACEHOLDER`, replaces token-looking substrings in
  any other body and in header values, and drops ``Set-Cookie``.

    >>> scrub_text("Authorization: token ghp_" + "a" * 36)
    'Authorization: token <scrubbed>'
"""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

from tracer.capture.charging import header
from tracer.recording.secrets.encodings import b64_bytes, inflate
from tracer.recording.secrets.patterns import (
    AUTH_KIND_HEADER,
    FOLDED_PEM_RE,
    FULL_JWT_RE,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    GITHUB_TOKEN_RE,
    HEX40,
    HEX40_RE,
    JWT,
    PEM_BLOCK,
    PLACEHOLDER,
    QUOTE,
    SECRET_JSON_KEYS,
    SECRET_QUERY_PARAMS,
    SECRET_REQUEST_HEADERS,
    find_secrets,
)

# Text substitutions of the scrubber: (pattern, replacement).
TEXT_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(PEM_BLOCK, re.DOTALL), PLACEHOLDER),
    (FOLDED_PEM_RE, PLACEHOLDER),  # an armour folded across lines
    (re.compile(JWT), PLACEHOLDER),
    (re.compile(GITHUB_TOKEN), PLACEHOLDER),
    (re.compile(GITLAB_TOKEN), PLACEHOLDER),
    # "token": "<40 hex>" and friends (access_token, refresh_token, ...)
    (re.compile(rf"((?<![A-Za-z0-9])token{QUOTE}?\s*:\s*{QUOTE})({HEX40})(?![0-9a-fA-F])"),
     rf"\g<1>{PLACEHOLDER}"),
    # "temp_clone_token": "<anything non-empty>" (quoted values only, so JSON stays JSON)
    (re.compile(rf"(temp_clone_token{QUOTE}?\s*:\s*{QUOTE})(?!{re.escape(PLACEHOLDER)})([^\"'\\\s]+)"),
     rf"\g<1>{PLACEHOLDER}"),
    # ?token=... / &access_token=... inside URLs in bodies and headers
    (re.compile(rf"(?<=[?&])({'|'.join(SECRET_QUERY_PARAMS)})=(?!{re.escape(PLACEHOLDER)})[^&#\s\"'<>\\]+"),
     rf"\g<1>={PLACEHOLDER}"),
)


def scrub_text(text: str) -> str:
    """Replace every secret-looking substring of ``text`` with :data:`PLACEHOLDER`, also where
    it is percent-encoded (``token%3D...``, ``Bearer%20ghp_...``)."""
    for pattern, replacement in TEXT_SCRUBS:
        text = pattern.sub(replacement, text)
    if "%" in text:
        for secret in {m[4] for m in find_secrets(unquote_plus(text))}:
            for encoded in {quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}:
                text = text.replace(encoded, PLACEHOLDER)
    return text


def _scrub_base64(text: str) -> str:
    """A base64 text (a file's ``content`` from the contents API) whose decoded text holds a
    secret: scrubbed inside and encoded again, wrapped as it was; else ``text`` unchanged."""
    decoded = b64_bytes(text)
    if decoded is None or inflate(decoded) is not None:
        return text
    try:
        inner = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return text
    scrubbed = _scrub_str_body(inner)
    if scrubbed == inner:
        return text
    encoded = base64.b64encode(scrubbed.encode("utf-8")).decode("ascii")
    width = len(text.split("\n", 1)[0]) if "\n" in text.strip() else 0
    if width:
        encoded = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width)) + "\n"
    return encoded


def scrub_json(value: Any) -> Any:
    """A copy of a parsed JSON value with secret values replaced by same-typed placeholders."""
    if isinstance(value, dict):
        access_token_response = "token" in value and "expires_at" in value
        scrubbed: dict[Any, Any] = {}
        for key, item in value.items():
            if _is_secret_field(key, item, access_token_response):
                scrubbed[key] = _placeholder_like(item)
            else:
                scrubbed[key] = scrub_json(item)
        return scrubbed
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return scrub_text(_scrub_base64(value))
    return value


def scrub_body(body: Any) -> Any:
    """Scrub an HTTP body (``str`` or ``bytes``; JSON is scrubbed structurally).

    Returns the very same object when there was nothing to scrub, and a body of the same type
    otherwise. Other body types (files, iterators, ``None``) are returned unchanged.
    """
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # binary: the patterns are ASCII, so latin-1 maps bytes to characters one to one
            text = body.decode("latin-1")
            scrubbed = scrub_text(text)
            return body if scrubbed == text else scrubbed.encode("latin-1")
        scrubbed = _scrub_str_body(text)
        return body if scrubbed == text else scrubbed.encode("utf-8")
    if isinstance(body, str):
        scrubbed = _scrub_str_body(body)
        return body if scrubbed == body else scrubbed
    return body


def scrub_uri(uri: str) -> str:
    """``uri`` without ``token``/``access_token``/``client_secret`` query parameters."""
    parts = urlsplit(uri)
    if not parts.query:
        return uri
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if name.lower() not in SECRET_QUERY_PARAMS]
    if len(kept) == len(pairs):
        return uri
    return urlunsplit(parts._replace(query=urlencode(kept)))


def auth_kind(authorization: str | bytes | None) -> str:
    """The kind of an ``Authorization`` header value: ``token``, ``jwt``, ``basic`` or ``none``."""
    if authorization is None:
        return "none"
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    scheme, _, credentials = authorization.strip().partition(" ")
    if not scheme:
        return "none"
    if scheme.lower() == "basic":
        return "basic"
    if FULL_JWT_RE.fullmatch(credentials.strip() or scheme):
        return "jwt"
    return "token"


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request`` hook; returns a scrubbed copy of a ``vcr.request.Request``."""
    request = copy.deepcopy(request)
    headers = request.headers
    authorization = header(headers, "authorization")
    query_names = {name.lower() for name, _ in parse_qsl(urlsplit(request.uri).query, True)}
    if authorization is not None:
        kind = auth_kind(authorization)
    elif header(headers, "private-token") is not None or header(headers, "job-token") is not None:
        kind = "token"  # GitLab's own token headers
    elif query_names & set(SECRET_QUERY_PARAMS):
        kind = "token"
    else:  # keep what an earlier pass recorded (the hook also runs on replayed requests)
        kind = header(headers, AUTH_KIND_HEADER) or "none"
    for name in list(headers):
        if name.lower() in SECRET_REQUEST_HEADERS:
            del headers[name]
        else:
            value = headers[name]
            if isinstance(value, str):
                headers[name] = scrub_text(value)
    headers[AUTH_KIND_HEADER] = kind
    request.uri = scrub_uri(request.uri)
    body = request.body
    if isinstance(body, (bytes, str)):
        request.body = scrub_body(body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response`` hook; returns a scrubbed copy of the response dict."""
    response = copy.deepcopy(response)
    headers = response.get("headers")
    if not isinstance(headers, dict):
        headers = {}
    _decompress(response, headers)  # a compressed body could hide a secret from the patterns
    cleaned: dict[str, Any] = {}
    for name, value in headers.items():
        if name.lower() == "set-cookie" or name.lower() in SECRET_REQUEST_HEADERS:  # a credential echoed back
            continue
        cleaned[name] = _scrub_header_value(value)
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        new = scrub_body(body["string"])
        if new is not body["string"]:
            body["string"] = new
            length_name = _find_ci(cleaned, "content-length")
            if length_name is not None:
                size = len(new.encode("utf-8") if isinstance(new, str) else new)
                cleaned[length_name] = _same_shape(cleaned[length_name], str(size))
    response["headers"] = cleaned
    return response


def _decompress(response: dict[str, Any], headers: dict[str, Any]) -> None:
    """Decode a gzip/deflate(/br) body in place; drop Content-Encoding, fix Content-Length."""
    from vcr.filters import AVAILABLE_DECOMPRESSORS

    name = _find_ci(headers, "content-encoding")
    body = response.get("body")
    if name is None or not isinstance(body, dict) or not isinstance(body.get("string"), bytes):
        return
    encoding = str(_first(headers[name]) or "").strip().lower()
    decompress = AVAILABLE_DECOMPRESSORS.get(encoding)
    if decompress is None:
        return
    body["string"] = decompress(body["string"])
    del headers[name]
    length_name = _find_ci(headers, "content-length")
    if length_name is not None:
        headers[length_name] = _same_shape(headers[length_name], str(len(body["string"])))


def _scrub_str_body(text: str) -> str:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            pass
        else:
            scrubbed = scrub_json(data)
            if scrubbed != data:
                text = json.dumps(scrubbed, separators=(",", ":"))
    return scrub_text(text)


def _is_secret_field(key: Any, value: Any, access_token_response: bool) -> bool:
    if not isinstance(key, str) or value is None or value == "" or value == PLACEHOLDER:
        return False
    name = key.lower()
    if name in SECRET_JSON_KEYS:
        return True
    if name == "token" and access_token_response:
        return True
    if name.endswith("token") and isinstance(value, str):
        return bool(HEX40_RE.fullmatch(value) or GITHUB_TOKEN_RE.fullmatch(value))
    return False


def _placeholder_like(value: Any) -> Any:
    """A placeholder of the same JSON type as ``value``."""
    if isinstance(value, str):
        return PLACEHOLDER
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return type(value)(0)
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return None


def _scrub_header_value(value: Any) -> Any:
    if isinstance(value, list):
        return [scrub_text(item) if isinstance(item, str) else item for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _find_ci(headers: dict[str, Any], name: str) -> str | None:
    for key in headers:
        if key.lower() == name:
            return key
    return None


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _same_shape(old: Any, new: str) -> Any:
    return [new] if isinstance(old, list) else new
