"""GitHub rate limits beyond the model: installation tiers and the secondary limits.

The numbers are data (``limits.yaml`` beside this module, with GitHub's documentation quoted):
GitHub's REST documentation, "Rate limits for the REST API"
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
(sections "Primary rate limit for GitHub App installations" and "About secondary rate limits").
Every ceiling a pipeline meets, with the burst of the per-minute ones: :mod:`tracer.packit.model.ceilings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from tracer.datafile import check_header, parse_yaml
from tracer.errors import DataError, UsageError
from tracer.packit.model.published import prs_per_hour, totals
from tracer.packit.model.scenario import Scenario

LIMITS_FILE = "limits.yaml"


def _read_limits() -> dict[str, Any]:
    source = f"tracer/packit/model/{LIMITS_FILE}"
    data = check_header(parse_yaml(resources.files("tracer.packit.model").joinpath(LIMITS_FILE).read_text(encoding="utf-8"),
                                   source), source, "api-tracer/limits", 1, "a limits file")
    for key in ("primary", "secondary", "content_generating_methods", "assumptions"):
        if key not in data:
            raise DataError(f"{source}: missing {key!r}")
    return data


LIMITS: dict[str, Any] = _read_limits()

#: named primary limits (requests per hour) of a GitHub App installation token
RATE_LIMIT_TIERS: dict[str, int] = dict(LIMITS["primary"]["tiers"])

# Installation increments: +50/h per repository over 20 and per organisation user over 20.
_INSTALLATION = LIMITS["primary"]["installation"]
INSTALLATION_BASE: int = _INSTALLATION["base"]
INSTALLATION_INCREMENT: int = _INSTALLATION["increment"]
INSTALLATION_FREE_REPOSITORIES: int = _INSTALLATION["free_repositories"]
INSTALLATION_FREE_USERS: int = _INSTALLATION["free_users"]
INSTALLATION_CAP: int = _INSTALLATION["cap"]

# Secondary limits (see limits.yaml for GitHub's words).
_SECONDARY = LIMITS["secondary"]
SECONDARY_CONTENT_CREATING_PER_MINUTE: int = _SECONDARY["content_generating_per_minute"]
SECONDARY_CONTENT_CREATING_PER_HOUR: int = _SECONDARY["content_generating_per_hour"]
SECONDARY_CONCURRENT_REQUESTS: int = _SECONDARY["concurrent_requests"]
SECONDARY_POINTS_PER_MINUTE: int = _SECONDARY["points_per_minute"]
#: points per request by HTTP method (GitHub: reads 1, writes 5)
POINTS_PER_METHOD: dict[str, int] = dict(_SECONDARY["points"])
#: methods of content-generating requests (auth calls excepted)
CONTENT_GENERATING_METHODS: frozenset[str] = frozenset(LIMITS["content_generating_methods"])


def installation_rate_limit(
    repositories: int = 0, org_users: int = 0, *, enterprise_cloud: bool = False
) -> int:
    """An installation token's primary limit per hour.

    5,000 + 50 per repository over 20 + 50 per organisation user over 20, capped at 12,500;
    15,000 on a GitHub Enterprise Cloud organisation.
    """
    for name, value in (("repositories", repositories), ("org_users", org_users)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"{name} must be an integer ≥ 0, got {value!r}")
    if enterprise_cloud:
        return RATE_LIMIT_TIERS["enterprise-cloud"]
    extra = max(0, repositories - INSTALLATION_FREE_REPOSITORIES) + max(
        0, org_users - INSTALLATION_FREE_USERS
    )
    return min(INSTALLATION_CAP, INSTALLATION_BASE + INSTALLATION_INCREMENT * extra)


def resolve_rate_limit(value: str | int) -> int:
    """A rate limit from a tier name (see :data:`RATE_LIMIT_TIERS`) or a number ≥ 1."""
    if isinstance(value, str):
        text = value.strip()
        if text in RATE_LIMIT_TIERS:
            return RATE_LIMIT_TIERS[text]
        try:
            value = int(text)
        except ValueError:
            raise UsageError(
                f"rate limit {text!r} is neither a number nor one of"
                f" {', '.join(RATE_LIMIT_TIERS)}"
            ) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"rate limit must be at least 1 request per hour, got {value!r}")
    return value


def content_creating_per_pipeline(scenario: Scenario) -> int:
    """Content-creating requests of one PR pipeline: the model's set_status calls (POSTs)."""
    return totals(scenario).set_status


def secondary_prs_per_hour(scenario: Scenario) -> int | None:
    """PR pipelines per hour the 500/h content-creating limit allows (None: no status calls)."""
    posts = content_creating_per_pipeline(scenario)
    if posts == 0:
        return None
    return SECONDARY_CONTENT_CREATING_PER_HOUR // posts


@dataclass(frozen=True)
class Ceiling:
    """PR pipelines per hour under the primary and the secondary limit, and which binds."""

    rate_limit: int
    primary: int  # int(rate_limit / grand_total)
    secondary: int | None  # floor(500 / set_status calls); None when there are none
    binding: Literal["primary", "secondary"]  # a tie counts as primary
    prs_per_hour: int  # min(primary, secondary)


def binding_limit(scenario: Scenario, rate_limit: int | None = None) -> Ceiling:
    """Which limit binds first for ``scenario`` at ``rate_limit`` (default: the scenario's)."""
    limit = scenario.rate_limit if rate_limit is None else resolve_rate_limit(rate_limit)
    primary = prs_per_hour(scenario, limit)
    secondary = secondary_prs_per_hour(scenario)
    if secondary is not None and secondary < primary:
        return Ceiling(limit, primary, secondary, "secondary", secondary)
    return Ceiling(limit, primary, secondary, "primary", primary)
