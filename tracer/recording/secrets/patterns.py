"""What a secret looks like: the patterns the scrubber replaces and the scan reports.

One table (:data:`SCAN_RULES`) names every kind of secret; :func:`find_secrets` applies it::

    >>> [kind for *_, kind, _ in find_secrets('token: "ghp_' + 'a' * 36 + '"')]
    ['access-token']
"""

from __future__ import annotations

import re

#: what a secret is replaced with (a string stays a string)
PLACEHOLDER = "<scrubbed>"
#: request header that keeps the kind of auth a scrubbed request used
AUTH_KIND_HEADER = "X-Tracer-Auth"
AUTH_KINDS = ("token", "jwt", "basic", "none")

#: request headers that are removed before a request is recorded
SECRET_REQUEST_HEADERS = ("authorization", "proxy-authorization", "cookie")
#: query parameters removed from recorded URIs (and replaced inside bodies)
SECRET_QUERY_PARAMS = ("token", "access_token", "client_secret")
#: JSON keys whose non-empty string value is always a secret
SECRET_JSON_KEYS = ("temp_clone_token", "client_secret", "private_key", "password")

GITHUB_TOKEN = r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
JWT = r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
# a whole PEM block; without its END line, up to the end of the enclosing string (or line)
PEM_BLOCK = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\"]*)"
PEM_BLOCK_IN_LINE = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\r\n\"]*)"
HEX40 = r"[0-9a-fA-F]{40}"
QUOTE = r"\\?[\"']"  # a quote, maybe escaped (JSON inside a double-quoted YAML scalar)

GITHUB_TOKEN_RE = re.compile(GITHUB_TOKEN)
JWT_RE = re.compile(JWT)
FULL_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
HEX40_RE = re.compile(HEX40)

#: values that are not secrets wherever a key names one
NOT_SECRET = frozenset({"", PLACEHOLDER, "null", "~", "none", "[]", "''", '""'})

#: (kind, pattern, group holding the secret, values that are not secrets); earlier kinds win
#: when two findings cover the same characters.
SCAN_RULES: tuple[tuple[str, re.Pattern[str], int, frozenset[str]], ...] = (
    (
        "authorization-header",
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_]){QUOTE}?(?:proxy-)?authorization{QUOTE}?[ \t]*:[ \t]*"
            rf"(?:\r?\n[ \t]*-[ \t]+)?\[?[ \t]*(?:{QUOTE})?([^\r\n\"'\\\]]*)"
        ),
        1,
        NOT_SECRET,
    ),
    ("private-key", re.compile(PEM_BLOCK_IN_LINE, re.DOTALL), 0, frozenset()),
    ("jwt", JWT_RE, 0, frozenset()),
    (
        "access-token",
        re.compile(
            rf"(?<![A-Za-z0-9])token{QUOTE}?[ \t]*:[ \t]*(?:{QUOTE})?"
            rf"({HEX40}|gh[pousr]_[A-Za-z0-9]{{20,}}|github_pat_[A-Za-z0-9_]{{20,}})(?![A-Za-z0-9_])"
        ),
        1,
        frozenset(),
    ),
    (
        "temp-clone-token",
        re.compile(rf"temp_clone_token{QUOTE}?[ \t]*:[ \t]*(?:{QUOTE})?([^\s\"'\\,}}\]]*)"),
        1,
        NOT_SECRET,
    ),
    ("github-token", GITHUB_TOKEN_RE, 0, frozenset()),
    (
        "secret-field",
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_]){QUOTE}?(?:{'|'.join(k for k in SECRET_JSON_KEYS if k != 'temp_clone_token')})"
            rf"{QUOTE}?[ \t]*[:=][ \t]*(?:{QUOTE})?([^\s\"'\\,}}\]&]+)"
        ),
        1,
        NOT_SECRET,
    ),
    (
        "url-token",
        re.compile(rf"(?<=[?&])(?:{'|'.join(SECRET_QUERY_PARAMS)})=([^&#\s\"'<>\\]+)"),
        1,
        NOT_SECRET | {"%3cscrubbed%3e"},
    ),
)

#: a match of :func:`find_secrets`: (start, end, offset of its match, kind, the secret)
Match = tuple[int, int, int, str, str]


def find_secrets(text: str) -> list[Match]:
    """Every secret in ``text``: (start, end, offset of its match, kind, the secret), in order."""
    accepted: list[Match] = []
    for kind, pattern, group, not_secret in SCAN_RULES:
        for match in pattern.finditer(text):
            secret = match.group(group)
            start, end = match.span(group)
            if start == end or is_placeholder(secret, not_secret):
                continue
            if any(start < a_end and a_start < end for a_start, a_end, *_ in accepted):
                continue
            accepted.append((start, end, match.start(), kind, secret))
    accepted.sort()
    return accepted


def is_placeholder(value: str, not_secret: frozenset[str]) -> bool:
    """True for empty/null/scrubbed values, also after an auth scheme (``token <scrubbed>``)."""
    words = value.strip().lower().split()
    return not words or " ".join(words) in not_secret or (
        len(words) == 2 and words[0] in ("token", "bearer", "basic") and words[1] in not_secret
    )
