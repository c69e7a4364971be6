"""What a secret looks like: the patterns the scrubber replaces and the scan reports.

One table (:data:`SCAN_RULES`) names every kind of secret; :func:`find_secrets` applies it::

    >>> [kind for *_, kind, _ in find_secrets('token: "ghp_' + 'a' * 36 + '"')]
    ['access-token']
"""

from __future__ import annotations

import re

from tracer.capture.call import AUTH_KINDS  # noqa: F401  (re-exported: declared once, with the call)

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

GITHUB_TOKEN = r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
#: GitLab's personal, project, group, deploy, runner, OAuth-app, ... tokens
GITLAB_TOKEN = r"(?<![A-Za-z0-9])gl(?:pat|dt|rt|oas|ptt|ft|imt|agent|soat|cbt|wt)-[A-Za-z0-9_-]{20,}"
JWT = r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
# a whole PEM block; without its END line, up to the end of the enclosing string (or line)
PEM_BLOCK = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\"]*)"
PEM_BLOCK_IN_LINE = r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----|[^\r\n\"]*)"
HEX40 = r"[0-9a-fA-F]{40}"
#: what may fold a PEM armour across lines: whitespace, and the escapes of a line break
FOLD = r"(?:[ \t\r\n]|\\[nrt])*"


def folded(word: str) -> str:
    """A pattern of ``word`` with :data:`FOLD` allowed between any two of its characters."""
    return FOLD.join(re.escape(ch) if ch != " " else "" for ch in word)


#: a PEM private key whose armour is folded: a line break (or its escape) between the words of
#: its BEGIN line, or anywhere in it; the BEGIN line through the END line when there is one, else
#: the BEGIN line alone
FOLDED_PEM = (rf"{folded('-----BEGIN')}(?:{FOLD}[A-Z0-9])*?{FOLD}{folded('PRIVATE KEY-----')}"
              rf"(?:.{{0,20000}}?{folded('-----END')}(?:{FOLD}[A-Z0-9])*?{FOLD}{folded('PRIVATE KEY-----')})?")
FOLDED_PEM_RE = re.compile(FOLDED_PEM, re.DOTALL)
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
            rf"(?i)(?<![A-Za-z0-9_]){QUOTE}?(?:(?:proxy-)?authorization|private-token|job-token){QUOTE}?[ \t]*:[ \t]*"
            rf"(?:\r?\n[ \t]*-[ \t]+)?\[?[ \t]*(?:{QUOTE})?([^\r\n\"'\\\]]*)"
        ),
        1,
        NOT_SECRET,
    ),
    ("private-key", re.compile(PEM_BLOCK_IN_LINE, re.DOTALL), 0, frozenset()),
    ("private-key", FOLDED_PEM_RE, 0, frozenset()),
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
    ("gitlab-token", re.compile(GITLAB_TOKEN), 0, frozenset()),
    (
        "secret-field",
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_]){QUOTE}?(?:{'|'.join(k for k in SECRET_JSON_KEYS if k != 'temp_clone_token')})"
            rf"{QUOTE}?[ \t]*[:=][ \t]*(?:{QUOTE})?([^\s\"'\\,}}\]&`]+)"
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

#: kinds whose secret is the value of a key (``password: ...``): in source code, the value is
#: a secret only when it is a string literal (``password=None``, ``private_key: str`` are code)
CODE_KEYED = frozenset({"authorization-header", "secret-field", "temp-clone-token"})
#: an Authorization value that is a literal even outside quotes: a scheme and a credential
_LITERAL_AUTH = re.compile(r"(?i)(?:token|bearer|basic)\s+[A-Za-z0-9+/=_.~-]{8,}")
#: references to a value held elsewhere: ``{name}``, ``${VAR}``, ``${{ secrets.X }}``,
#: ``{{ var }}``, ``%(name)s``, ``$VAR``
_INTERPOLATION = re.compile(r"\$\{\{.*?\}\}|\{\{.*?\}\}|\$\{[^}]*\}|\{[^{}]*\}|%\([^)]*\)[sdr]|\$[A-Za-z_][A-Za-z0-9_]*")
_SCHEMES = ("token", "bearer", "basic")

#: a match of :func:`find_secrets`: (start, end, offset of its match, kind, the secret)
Match = tuple[int, int, int, str, str]


def find_secrets(text: str, code: bool = False) -> list[Match]:
    """Every secret in ``text``: (start, end, offset of its match, kind, the secret), in order.

    ``code``: ``text`` is source code, where a key's value that is not a string literal is an
    expression (``password=None``, ``"Authorization": f"token {token}"``), not a secret.
    """
    accepted: list[Match] = []
    for kind, pattern, group, not_secret in SCAN_RULES:
        for match in pattern.finditer(text):
            secret = match.group(group)
            start, end = match.span(group)
            if start == end or is_placeholder(secret, not_secret):
                continue
            if code and kind in CODE_KEYED and not _literal(text, start, secret, kind):
                continue
            if any(start < a_end and a_start < end for a_start, a_end, *_ in accepted):
                continue
            accepted.append((start, end, match.start(), kind, secret))
    accepted.sort()
    return accepted


def _literal(text: str, start: int, value: str, kind: str) -> bool:
    """In source code: is the value at ``start`` a string literal (a quote right before it)?"""
    if start > 0 and text[start - 1] in "\"'":
        return True
    return kind == "authorization-header" and bool(_LITERAL_AUTH.match(value))


def is_placeholder(value: str, not_secret: frozenset[str]) -> bool:
    """True for values that hold no secret: empty, null, scrubbed (also after an auth scheme:
    ``token <scrubbed>``), a scheme alone, a reference to a value held elsewhere (``{token}``,
    ``${{ secrets.X }}``), a ``<placeholder>``, or dots, x's and stars (``...``, ``xxxx``)."""
    words = value.strip().lower().split()
    if not words or " ".join(words) in not_secret or (
        len(words) == 2 and words[0] in _SCHEMES and words[1] in not_secret
    ):
        return True
    if words[0].startswith("<") or all(set(w) <= set(".…x*") for w in words):
        return True
    rest = _INTERPOLATION.sub(" ", value).lower().split()
    return not rest or (len(rest) == 1 and rest[0] in _SCHEMES) or (len(words) == 1 and words[0] in _SCHEMES)
