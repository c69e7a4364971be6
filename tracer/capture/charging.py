"""The one rule for what a forge charges to the limit a request counts against.

Used alike by live tracing, replay and ``stats`` (calls read back from cassettes). A request
is never charged when:

- it went to a host that is no forge's API (Testing Farm, Copr, ...);
- no response came back (a connection error, a refused or unanswered request);
- its forge documents no limit (``charges: false`` in ``forges/forges.yaml``: Pagure, Forgejo);
- its route is free (the forge's ``free`` routes, GitHub's ``GET /rate_limit``, or a rules
  file's ``charged: false``).

Otherwise it is charged unless one of the exceptions its forge lists (``charged_unless``) holds;
GitHub lists all of them, GitLab.com none (its throttles count every request they see):

- ``auth``: token minting (category ``auth``: counted in the app's own bucket);
- ``jwt``: an app call signed with a JWT (the same);
- ``not_modified``: a ``304 Not Modified`` answer (a conditional request that matched);
- ``unauthorized``: a ``401`` answer (the credentials were refused: nothing is charged to them);
- ``server_error``: a ``5xx`` answer (the request was not served);
- ``refused``: the answer refuses the request for a rate limit: ``403``/``429`` with
  ``x-ratelimit-remaining: 0`` (primary) or a ``retry-after`` header (secondary).

Any other answer is charged, errors included (a ``404`` or ``422`` counts, as on GitHub). The
loopback GitHub charges by the same rule. Each attempt of a retried call is judged on its own.
"""

from __future__ import annotations

import functools
from typing import Any

from tracer.capture.call import AUTH
from tracer.capture.forges import FORGES


def header(headers: Any, name: str) -> Any:
    """A header (any case) from a case-insensitive mapping or a plain cassette dict; a list's first value."""
    if not headers:
        return None
    try:
        value = headers.get(name)
    except AttributeError:
        return None
    if value is None and not hasattr(headers, "lower_items"):
        lowered = name.lower()
        for key, v in headers.items():
            if str(key).lower() == lowered:
                value = v
                break
    if isinstance(value, list):
        return value[0] if value else None
    return value


#: what a call keeps of the rate-limit headers answering it
RATELIMIT_NAMES = ("limit", "remaining", "used", "reset", "resource")
_GITHUB_KEYS = tuple((name, f"x-ratelimit-{name}") for name in RATELIMIT_NAMES)


@functools.cache
def ratelimit_keys(forge: str | None) -> tuple[tuple[str, str], ...]:
    """(name, header) of the rate-limit headers ``forge`` answers with (``ratelimit_headers`` in
    ``forges.yaml``; GitHub's ``x-ratelimit-*`` for another host).

    >>> ratelimit_keys("gitlab")[0]
    ('limit', 'ratelimit-limit')
    """
    named = FORGES[forge].ratelimit_headers if forge is not None else {}
    return tuple((name, named[name]) for name in RATELIMIT_NAMES if name in named) if named else _GITHUB_KEYS


def rate_limited(status: int | None, headers: Any) -> bool:
    """Whether an answer refuses the request for a primary or secondary rate limit."""
    if status not in (403, 429):
        return False
    if header(headers, "retry-after") is not None:
        return True
    return str(header(headers, "x-ratelimit-remaining")) == "0"


def charged(forge: str | None, free: bool, status: int | None, auth: str, category: str, headers: Any) -> bool:
    """:func:`is_charged`, positionally and remembered: only a ``403``/``429``'s headers can
    change the answer, so every other (forge, free, status, auth, category) is judged once.

    >>> charged("github", False, 200, "token", "set_status", {})
    True
    """
    if status == 403 or status == 429:
        return is_charged(forge=forge, free=free, status=status, auth=auth, category=category, headers=headers)
    key = (forge, free, status, auth, category)
    found = _JUDGED.get(key)
    if found is None:
        found = _JUDGED[key] = is_charged(forge=forge, free=free, status=status, auth=auth, category=category)
    return found


#: (forge, free, status, auth, category) → charged, for answers whose headers do not matter
_JUDGED: dict[tuple[str | None, bool, int | None, str, str], bool] = {}


def is_charged(
    *,
    forge: str | None,
    free: bool,
    status: int | None,
    auth: str,
    category: str,
    headers: Any = None,
) -> bool:
    """Whether one attempt is charged to ``forge``'s limit (see the module's rule)."""
    if forge is None or free or status is None:
        return False
    data = FORGES[forge]
    if not data.charges:
        return False
    unless = data.charged_unless
    return not (
        ("auth" in unless and category == AUTH)
        or ("jwt" in unless and auth == "jwt")
        or ("not_modified" in unless and status == 304)
        or ("unauthorized" in unless and status == 401)
        or ("server_error" in unless and status >= 500)
        or ("refused" in unless and rate_limited(status, headers))
    )
