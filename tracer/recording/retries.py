"""ogr's retry policy, as data: which answers urllib3 sends again, and how often.

ogr (``ogr.utils.create_retry_config``) retries through urllib3 with ``total=3`` on
``status_forcelist=[500, 503, 403, 401, 429]`` for every method, so one logical call that keeps
getting such an answer is four attempts on the wire. A cassette recorded at the connection level
holds one interaction per attempt; a recording made above the transport (requre) holds one.
"""

from __future__ import annotations

#: answers ogr's retry sends again
RETRIED_STATUSES: frozenset[int] = frozenset({401, 403, 429, 500, 503})
#: retries after the first attempt (ogr's ``max_retries`` default)
RETRIES = 3


def attempts_of(status: int | None, retries: int = RETRIES) -> int:
    """How many times a transport under ogr's policy is answered ``status`` for one call."""
    return retries + 1 if status in RETRIED_STATUSES else 1
