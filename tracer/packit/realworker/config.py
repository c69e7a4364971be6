"""Knobs as packit-service configuration: which knob becomes what, and the files it reads.

Every knob says how the real packit-service realises it where it is declared
(``real=`` in :mod:`tracer.packit.knobs`, one of :data:`~tracer.packit.knobs.REAL_KINDS`):

- ``repository``: content of the PR's repository (the packit config file, its name and jobs,
  ``specfile_path``, ``.fmf``), served by the loopback GitHub (the reference worker's scenario
  world, :func:`tracer.packit.worker.scenario.scenario_world`);
- ``world``: who the sender is and their permission (the same world);
- ``service``: packit-service's own config file (``admins``, the GitHub authentication);
- ``event``: the webhook's content (``pr_action``);
- ``code``: what packit-service's code does, not configuration (``load_config_once``,
  ``private_once`` and the fixes ``whatif`` tries): the real worker runs what its code does, so
  such a knob must keep the profile's value.

::

    check_knobs(knobs, profile)                  # UsageError for a code knob set otherwise
    service_config(knobs, admins, auth, tf_url)  # the mapping written as packit-service.yaml
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tracer.errors import UsageError
from tracer.packit.knobs import KNOBS
from tracer.packit.worker import Knobs, Profile

#: what packit-service's config keeps fixed for every run (its deployment is the world's)
FIXED_SERVICE_CONFIG: dict[str, Any] = {
    "command_handler": "local",
    "validate_webhooks": False,
    "dashboard_url": "https://dashboard.packit.dev",
    "server_name": "prod.packit.dev",
    "testing_farm_secret": "loopback-testing-farm",
}


def configurable() -> list[str]:
    """The knobs the real worker realises as configuration, repository or event content.

    >>> "load_config_once" in configurable(), "chroots" in configurable()
    (False, True)
    """
    return [name for name, spec in KNOBS.items() if spec.real != "code"]


def check_knobs(knobs: Knobs, profile: Profile) -> None:
    """A ``code`` knob that differs from the profile's value is a one-line UsageError."""
    defaults = profile.defaults.as_dict()
    for name, value in knobs.as_dict().items():
        if KNOBS[name].real == "code" and value is not None and value != defaults.get(name):
            raise UsageError(
                f"knob {name!r} is {value!r}, but it is not configuration of packit-service: the real worker runs "
                f"what {profile.name}'s code does ({name} {defaults.get(name)!r}); use the reference worker for it"
            )


def service_config(
    *,
    deployment: str,
    admins: Iterable[str],
    github: Mapping[str, Any],
    testing_farm_api_url: str,
    work_dir: str | None = None,
) -> dict[str, Any]:
    """packit-service's service config for a run: ``github`` is the ``authentication.github.com``
    block (``{"token": ...}`` or ``{"github_app_id": ..., "github_app_private_key": PEM}``);
    ``work_dir`` its ``command_handler_work_dir`` (where packit clones; default /tmp/sandcastle)."""
    return {
        **({"command_handler_work_dir": work_dir} if work_dir else {}),
        "deployment": deployment,
        "authentication": {"github.com": dict(github)},
        "testing_farm_api_url": testing_farm_api_url,
        "admins": sorted(admins),
        **FIXED_SERVICE_CONFIG,
    }
