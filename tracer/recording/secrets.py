"""Keep secrets off disk: vcrpy scrub hooks, and a scanner for files that hold one anyway.

* :func:`scrub_request` is a vcrpy ``before_record_request`` hook: it drops ``Authorization``,
  ``Proxy-Authorization`` and ``Cookie`` headers and ``token``/``access_token``/``client_secret``
  query parameters, and records only the *kind* of auth in ``X-Tracer-Auth``
  (``token``, ``jwt``, ``basic`` or ``none``).
* :func:`scrub_response` is a ``before_record_response`` hook: it decompresses gzip/deflate bodies,
  replaces secret values in JSON bodies (installation access tokens, ``temp_clone_token``, GitHub
  tokens, JWTs, PEM private keys) with :data:`PLACEHOLDER`, replaces token-looking substrings in
  any other body and in header values, and drops ``Set-Cookie``.
* :func:`scan_paths` finds what still looks like a secret in YAML/JSON files, with a redacted
  excerpt (a finding never repeats the secret).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

from tracer.capture.call import AUTH_KINDS
from tracer.capture.charging import header
from tracer.errors import DataError

#: what a secret is replaced with (a string stays a string)
PLACEHOLDER = "<scrubbed>"
#: request header that keeps the kind of auth a scrubbed request used
AUTH_KIND_HEADER = "X-Tracer-Auth"

#: request headers that are removed before a request is recorded (GitLab's token headers too)
SECRET_REQUEST_HEADERS = ("authorization", "proxy-authorization", "cookie", "private-token", "job-token")
#: query parameters removed from recorded URIs (and replaced inside bodies)
SECRET_QUERY_PARAMS = ("token", "access_token", "client_secret")
#: JSON keys whose non-empty string value is always a secret
SECRET_JSON_KEYS = ("temp_clone_token", "client_secret", "private_key", "password")

_GITHUB_TOKEN = r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
#: GitLab's personal, project, group, deploy, runner, OAuth-app, ... tokens
_GITLAB_TOKEN = r"(?<![A-Za-z0-9])gl(?:pat|dt|rt|oas|ptt|ft|imt|agent|soat|cbt|wt)-[A-Za-z0-9_-]{20,}"
_JWT = r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
# a whole PEM block; without its END line, up to the end of the enclosing string (or line)
_PEM_BLOCK = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\"]*)"
_PEM_BLOCK_IN_LINE = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\r\n\"]*)"
_HEX40 = r"[0-9a-fA-F]{40}"
_QUOTE = r"\\?[\"']"  # a quote, maybe escaped (JSON inside a double-quoted YAML scalar)

_GITHUB_TOKEN_RE = re.compile(_GITHUB_TOKEN)
_JWT_RE = re.compile(_JWT)
_FULL_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_HEX40_RE = re.compile(_HEX40)

# Text substitutions of the scrubber: (pattern, replacement).
_TEXT_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_PEM_BLOCK, re.DOTALL), PLACEHOLDER),
    (re.compile(_JWT), PLACEHOLDER),
    (re.compile(_GITHUB_TOKEN), PLACEHOLDER),
    (re.compile(_GITLAB_TOKEN), PLACEHOLDER),
    # "token": "<40 hex>" and friends (access_token, refresh_token, ...)
    (re.compile(rf"((?<![A-Za-z0-9])token{_QUOTE}?\s*:\s*{_QUOTE})({_HEX40})(?![0-9a-fA-F])"),
     rf"\g<1>{PLACEHOLDER}"),
    # "temp_clone_token": "<anything non-empty>" (quoted values only, so JSON stays JSON)
    (re.compile(rf"(temp_clone_token{_QUOTE}?\s*:\s*{_QUOTE})(?!{re.escape(PLACEHOLDER)})([^\"'\\\s]+)"),
     rf"\g<1>{PLACEHOLDER}"),
    # ?token=... / &access_token=... inside URLs in bodies and headers
    (re.compile(rf"(?<=[?&])({'|'.join(SECRET_QUERY_PARAMS)})=(?!{re.escape(PLACEHOLDER)})[^&#\s\"'<>\\]+"),
     rf"\g<1>={PLACEHOLDER}"),
)


# --------------------------------------------------------------------------- scrubbing
def scrub_text(text: str) -> str:
    """Replace every secret-looking substring of ``text`` with :data:`PLACEHOLDER`, also where
    it is percent-encoded (``token%3D...``, ``Bearer%20ghp_...``)."""
    for pattern, replacement in _TEXT_SCRUBS:
        text = pattern.sub(replacement, text)
    if "%" in text:
        for secret in {m[4] for m in _matches(unquote_plus(text))}:
            for encoded in {quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}:
                text = text.replace(encoded, PLACEHOLDER)
    return text


def _scrub_base64(text: str) -> str:
    """A base64 text (a file's ``content`` from the contents API) whose decoded text holds a
    secret: scrubbed inside and encoded again, wrapped as it was; else ``text`` unchanged."""
    decoded = _b64(text)
    if decoded is None or _inflate(decoded) is not None:
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
    if _FULL_JWT_RE.fullmatch(credentials.strip() or scheme):
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
        return bool(_HEX40_RE.fullmatch(value) or _GITHUB_TOKEN_RE.fullmatch(value))
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


# --------------------------------------------------------------------------- scanning
@dataclass(frozen=True)
class Finding:
    """Something in a file that looks like a secret; ``excerpt`` has the secret redacted."""

    file: str
    line: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.excerpt}"


# (kind, pattern, group holding the secret, values that are not secrets); earlier kinds win
# when two findings cover the same characters.
_NOT_SECRET = frozenset({"", PLACEHOLDER, "null", "~", "none", "[]", "''", '""'})
_SCAN_RULES: tuple[tuple[str, re.Pattern[str], int, frozenset[str]], ...] = (
    (
        "authorization-header",
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_]){_QUOTE}?(?:(?:proxy-)?authorization|private-token|job-token){_QUOTE}?[ \t]*:[ \t]*"
            rf"(?:\r?\n[ \t]*-[ \t]+)?\[?[ \t]*(?:{_QUOTE})?([^\r\n\"'\\\]]*)"
        ),
        1,
        _NOT_SECRET,
    ),
    ("private-key", re.compile(_PEM_BLOCK_IN_LINE, re.DOTALL), 0, frozenset()),
    ("jwt", _JWT_RE, 0, frozenset()),
    (
        "access-token",
        re.compile(
            rf"(?<![A-Za-z0-9])token{_QUOTE}?[ \t]*:[ \t]*(?:{_QUOTE})?"
            rf"({_HEX40}|gh[pousr]_[A-Za-z0-9]{{20,}}|github_pat_[A-Za-z0-9_]{{20,}})(?![A-Za-z0-9_])"
        ),
        1,
        frozenset(),
    ),
    (
        "temp-clone-token",
        re.compile(rf"temp_clone_token{_QUOTE}?[ \t]*:[ \t]*(?:{_QUOTE})?([^\s\"'\\,}}\]]*)"),
        1,
        _NOT_SECRET,
    ),
    ("github-token", _GITHUB_TOKEN_RE, 0, frozenset()),
    ("gitlab-token", re.compile(_GITLAB_TOKEN), 0, frozenset()),
    (
        "secret-field",
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_]){_QUOTE}?(?:{'|'.join(k for k in SECRET_JSON_KEYS if k != 'temp_clone_token')})"
            rf"{_QUOTE}?[ \t]*[:=][ \t]*(?:{_QUOTE})?([^\s\"'\\,}}\]&]+)"
        ),
        1,
        _NOT_SECRET,
    ),
    (
        "url-token",
        re.compile(rf"(?<=[?&])(?:{'|'.join(SECRET_QUERY_PARAMS)})=([^&#\s\"'<>\\]+)"),
        1,
        _NOT_SECRET | {"%3cscrubbed%3e"},
    ),
)
_EXCERPT_WIDTH = 100


def scan_text(text: str, file: str = "<text>") -> list[Finding]:
    """Findings in one text, in line order."""
    accepted = _matches(text)
    spans = [(start, end, kind, secret) for start, end, _, kind, secret in accepted]
    return [
        Finding(file, text.count("\n", 0, line_at) + 1, kind, _excerpt(text, line_at, spans))
        for _, _, line_at, kind, _ in accepted
    ]


def _matches(text: str) -> list[tuple[int, int, int, str, str]]:
    """Every secret in ``text``: (start, end, offset of its match, kind, the secret), in order."""
    accepted: list[tuple[int, int, int, str, str]] = []  # (start, end, line_at, kind, secret)
    for kind, pattern, group, not_secret in _SCAN_RULES:
        for match in pattern.finditer(text):
            secret = match.group(group)
            start, end = match.span(group)
            if start == end or _is_placeholder(secret, not_secret):
                continue
            if any(start < a_end and a_start < end for a_start, a_end, *_ in accepted):
                continue
            accepted.append((start, end, match.start(), kind, secret))
    accepted.sort()
    return accepted


def scan_file(path: str | os.PathLike[str]) -> list[Finding]:
    """Findings in one file: its text (UTF-8, undecodable bytes replaced) and what hides
    inside it (:func:`hidden_texts`: compressed, base64, ``!!binary``, percent-encoded, JSON
    strings), each hidden secret reported once, at the line of the value that holds it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    file = str(path)
    inflated = _inflate(raw)
    if inflated is not None:  # a compressed file: scan what it holds
        raw = inflated
    text = raw.decode("utf-8", errors="replace")
    findings = scan_text(text, file)
    # a hidden secret already found in plain text (the same secret, or one of its kind on
    # its line: a PEM's "\n" escapes decoded) is reported once
    seen: set[Any] = {(f.line, f.kind) for f in findings} | {m[4] for m in _matches(text)}
    for line, how, hidden in _hidden_in_file(text):
        spans = _matches(hidden)
        shown = [(start, end, kind, secret) for start, end, _, kind, secret in spans]
        for _, _, line_at, kind, secret in spans:
            if secret in seen or (line, kind) in seen:
                continue
            seen |= {secret, (line, kind)}
            findings.append(Finding(file, line, f"{kind} ({how})", _excerpt(hidden, line_at, shown)))
    return sorted(findings, key=lambda f: f.line) if len(findings) > 1 else findings


def _hidden_in_file(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, how it was hidden, text) for every hidden text of a file: per YAML (or JSON)
    scalar when the file parses, else per line."""
    import yaml

    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    try:
        nodes = [yaml.compose(text, Loader=Loader)] if text.strip() else []
    except (yaml.YAMLError, RecursionError, ValueError):
        for number, line in enumerate(text.splitlines(), 1):
            for how, hidden in hidden_texts(line):
                yield number, how, hidden
        return
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.ScalarNode):
            line = node.start_mark.line + 1
            if node.tag.endswith(":binary"):
                decoded = _b64(node.value)
                if decoded is not None:
                    inner = _bytes_text(decoded)
                    yield line, "!!binary", inner
                    for how, hidden in hidden_texts(inner):
                        yield line, f"!!binary, {how}", hidden
                continue
            if node.style == '"':  # escapes (\x67hp_...) are an encoding too
                yield line, "YAML escapes", node.value
            for how, hidden in hidden_texts(node.value):
                yield line, how, hidden
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                nodes.extend((key, value))


#: how deep :func:`hidden_texts` unwraps encodings inside encodings
MAX_DEPTH = 3
_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}\Z")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")


def hidden_texts(text: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(how, text) for each text hidden inside ``text``: percent-decoded, base64-decoded (and
    decompressed: a file's ``content`` from the contents API, a gzip body), the strings of a
    JSON document, and those inside them again (:data:`MAX_DEPTH` levels)."""
    if depth >= MAX_DEPTH or len(text) < 16:
        return
    if "%" in text:
        unquoted = unquote_plus(text)
        if unquoted != text:
            yield "percent-encoded", unquoted
            yield from hidden_texts(unquoted, depth + 1)
    decoded = _b64(text)
    if decoded is not None:
        inner = _bytes_text(decoded)
        yield "base64", inner
        yield from hidden_texts(inner, depth + 1)
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return
        strings = list(_json_strings(data))
        if "\\u" in text or "\\/" in text:
            yield "JSON escapes", "\n".join(strings)
        for item in strings:
            for how, hidden in hidden_texts(item, depth + 1):
                yield f"JSON, {how}", hidden


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_strings(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _b64(text: str) -> bytes | None:
    """The bytes of a base64 text (GitHub wraps it every 60 characters), or None."""
    compact = "".join(text.split())
    if not _B64.match(compact) or _HEX.match(compact):  # a sha or a digest, not an encoding
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _inflate(data: bytes) -> bytes | None:
    """A gzip, zlib or raw deflate payload decompressed (fully), else None."""
    if len(data) < 8:
        return None
    for wbits in (31, 15, -15):  # gzip, zlib, raw deflate
        if wbits == 31 and data[:2] != b"\x1f\x8b" or wbits == 15 and data[:1] != b"\x78":
            continue
        try:
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, 50_000_000)
        except zlib.error:
            continue
        if inflater.eof and not inflater.unused_data and out:
            return out
    return None


def _bytes_text(data: bytes) -> str:
    """The text of decoded bytes (decompressed first when compressed); binary data byte for
    byte as Latin-1 (the secret patterns are ASCII)."""
    inflated = _inflate(data)
    if inflated is not None:
        data = inflated
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


#: folders a directory walk skips (version control internals)
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})


def iter_scanned_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files :func:`scan_paths` reads: files as given, directories walked for every file
    (version-control folders skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in sorted(files):
                    if os.path.isfile(os.path.join(root, name)):
                        yield Path(root) / name
        elif path.is_file():
            yield path
        else:
            raise DataError(f"{path}: no such file or directory")


def scan_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Finding]:
    """Findings in every file of ``paths`` (a missing path, or no file at all, is a
    :class:`DataError`: a scan of nothing is not "clean")."""
    paths = list(paths)
    for raw in paths:  # report a missing path before reading anything
        if not Path(raw).exists():
            raise DataError(f"{raw}: no such file or directory")
    findings: list[Finding] = []
    files = 0
    for file in iter_scanned_files(paths):
        files += 1
        findings.extend(scan_file(file))
    if not files:
        raise DataError(f"{', '.join(map(str, paths))}: no files to scan")
    return findings


def _is_placeholder(value: str, not_secret: frozenset[str]) -> bool:
    """True for empty/null/scrubbed values, also after an auth scheme (``token <scrubbed>``)."""
    words = value.strip().lower().split()
    return not words or " ".join(words) in not_secret or (
        len(words) == 2 and words[0] in ("token", "bearer", "basic") and words[1] in not_secret
    )


def _excerpt(text: str, at: int, spans: list[tuple[int, int, str, str]]) -> str:
    """The line around offset ``at`` with every secret on it redacted, at most ~100 chars."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    if line_end == -1:
        line_end = len(text)
    pieces: list[str] = []
    cursor = line_start
    focus = 0
    for start, end, kind, secret in spans:
        if end <= line_start or start >= line_end:
            continue
        start, end = max(start, line_start), min(end, line_end)
        pieces.append(text[cursor:start])
        if start <= at < end or (focus == 0 and start >= at):
            focus = sum(len(p) for p in pieces)
        pieces.append(_redacted(kind, text[start:end]))
        cursor = end
    pieces.append(text[cursor:line_end])
    line = "".join(pieces).rstrip("\r")
    if len(line) <= _EXCERPT_WIDTH:
        return line.strip()
    begin = max(0, min(focus - _EXCERPT_WIDTH // 3, len(line) - _EXCERPT_WIDTH))
    snippet = line[begin : begin + _EXCERPT_WIDTH]
    return ("…" if begin else "") + snippet.strip() + ("…" if begin + _EXCERPT_WIDTH < len(line) else "")


def _redacted(kind: str, secret: str) -> str:
    prefix = ""
    if kind in ("github-token", "access-token"):
        match = re.match(r"(gh[pousr]_|github_pat_)", secret)
        prefix = match.group(1) if match else ""
    elif kind == "jwt":
        prefix = "eyJ"
    elif kind == "private-key":
        match = re.match(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----", secret)
        prefix = match.group(0) if match else ""
    return f"{prefix}<redacted {len(secret) - len(prefix)} chars>"
