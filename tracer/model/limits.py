"""GitHub rate limits beyond the model: installation tiers and the secondary limit.

Source: GitHub's REST documentation, "Rate limits for the REST API"
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
(sections "Primary rate limit for GitHub App installations" and "About secondary rate limits").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tracer.errors import UsageError
from tracer.model.published import prs_per_hour, totals
from tracer.model.scenario import Scenario

#: named primary limits (requests per hour) of a GitHub App installation token
RATE_LIMIT_TIERS: dict[str, int] = {
    "installation": 5000,  # the minimum
    "installation-max": 12500,  # the cap of the per-repository / per-user increments
    "enterprise-cloud": 15000,  # installations on GitHub Enterprise Cloud organisations
}

# Installation increments: +50/h per repository over 20 and per organisation user over 20.
INSTALLATION_BASE = 5000
INSTALLATION_INCREMENT = 50
INSTALLATION_FREE_REPOSITORIES = 20
INSTALLATION_FREE_USERS = 20
INSTALLATION_CAP = 12500

# Secondary limits, from "About secondary rate limits" (URL above): "No more than 80
# content-generating requests per minute and no more than 500 content-generating requests per
# hour are allowed"; "No more than 100 concurrent requests"; "No more than 900 points per minute
# are allowed for REST API endpoints" (GET/HEAD/OPTIONS 1 point, POST/PATCH/PUT/DELETE 5).
SECONDARY_CONTENT_CREATING_PER_MINUTE = 80
SECONDARY_CONTENT_CREATING_PER_HOUR = 500
SECONDARY_CONCURRENT_REQUESTS = 100
SECONDARY_POINTS_PER_MINUTE = 900


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
