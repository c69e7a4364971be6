"""packit's config lookup, as each packit version makes it, and the little of the config we read.

The function names are packit's (``get_package_config_from_repo``, ``find_packit_yaml``,
``get_specfile_path_from_repo``): the tracer's call-site rules classify their requests as
``load_packit_yaml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from ogr.abstract import GitProject

from tracer.errors import DataError
from tracer.packit.model.scenario import CONFIG_FILE_NAMES

JOB_TYPES = ("copr_build", "tests")


@dataclass(frozen=True)
class JobConfig:
    type: str
    trigger: str
    targets: tuple[str, ...]
    sync_test_job_statuses_with_builds: bool | None = None
    merge_pr_in_ci: bool = True
    skip_build: bool = False
    #: notifications.pull_request.successful_build (the job's, else the package config's)
    notify_successful_build: bool = False
    osh_diff_scan_after_copr_build: bool = True


@dataclass
class PackageConfig:
    config_file_path: str
    upstream_package_name: str | None
    downstream_package_name: str | None
    specfile_path: str | None
    jobs: list[JobConfig] = field(default_factory=list)

    def jobs_of(self, job_type: str) -> list[JobConfig]:
        return [j for j in self.jobs if j.type == job_type and j.trigger == "pull_request"]


def parse_package_config(text: str, path: str, where: str) -> PackageConfig:
    """The fields the worker reads; a malformed config is a one-line DataError."""
    try:
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        raise DataError(f"{where}: {path} is not valid {'JSON' if path.endswith('.json') else 'YAML'}") from None
    if not isinstance(data, dict):
        raise DataError(f"{where}: {path} must be a mapping")
    notify = _successful_build(data, False, f"{where}: {path}")
    raw_jobs = data.get("jobs") or []
    if not isinstance(raw_jobs, list):
        raise DataError(f"{where}: {path}: 'jobs' must be a list")
    jobs = []
    for i, raw in enumerate(raw_jobs):
        if not isinstance(raw, dict) or raw.get("job") not in JOB_TYPES:
            raise DataError(f"{where}: {path}: jobs[{i}] must be a {' or '.join(JOB_TYPES)} job")
        targets = raw.get("targets") or []
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise DataError(f"{where}: {path}: jobs[{i}].targets must be a list of chroots")
        osh = raw.get("osh_diff_scan_after_copr_build", True)
        if not isinstance(osh, bool):
            raise DataError(f"{where}: {path}: jobs[{i}].osh_diff_scan_after_copr_build must be true or false")
        sync = raw.get("sync_test_job_statuses_with_builds")
        if sync is not None and not isinstance(sync, bool):
            raise DataError(f"{where}: {path}: jobs[{i}].sync_test_job_statuses_with_builds must be true or false")
        jobs.append(
            JobConfig(
                type=raw["job"],
                trigger=str(raw.get("trigger", "pull_request")),
                targets=tuple(targets),
                sync_test_job_statuses_with_builds=sync,
                merge_pr_in_ci=bool(raw.get("merge_pr_in_ci", True)),
                skip_build=bool(raw.get("skip_build", False)),
                notify_successful_build=_successful_build(raw, notify, f"{where}: {path}: jobs[{i}]"),
                osh_diff_scan_after_copr_build=osh,
            )
        )
    return PackageConfig(
        config_file_path=path,
        upstream_package_name=data.get("upstream_package_name"),
        downstream_package_name=data.get("downstream_package_name"),
        specfile_path=data.get("specfile_path"),
        jobs=jobs,
    )


def _successful_build(data: dict[str, Any], default: bool, where: str) -> bool:
    """``notifications.pull_request.successful_build`` of a config or job mapping."""
    notifications = data.get("notifications")
    if notifications is None:
        return default
    pull_request = notifications.get("pull_request", {}) if isinstance(notifications, dict) else None
    value = pull_request.get("successful_build", default) if isinstance(pull_request, dict) else None
    if not isinstance(value, bool):
        raise DataError(f"{where}: notifications.pull_request.successful_build must be true or false")
    return value


def find_packit_yaml(project: GitProject, ref: str) -> str | None:
    """packit >= 0.69 (PR #1846): one root listing, then the first config name found in it."""
    listed = set(project.get_files(ref=ref))
    return next((name for name in CONFIG_FILE_NAMES if name in listed), None)


def get_specfile_path_from_repo(project: GitProject, ref: str) -> str | None:
    """The spec search (packit/packit#1799): one more root listing, filtered for ``*.spec``."""
    specs = project.get_files(ref=ref, filter_regex=r".+\.spec$")
    return specs[0] if specs else None


def get_package_config_from_repo(project: GitProject, ref: str, lookup: str) -> PackageConfig | None:
    """Load the package config at ``ref`` the way the profile's packit does.

    ``probe_each_name`` (packit <= 0.68): ``get_file_content`` for each name in order, a 404
    (FileNotFoundError) moves on to the next. ``root_listing`` (packit >= 0.69): list the root,
    then read the one match. Either way, without ``specfile_path`` and
    ``downstream_package_name`` the spec file is searched for with one more root listing.
    """
    where = f"{project.namespace}/{project.repo}@{ref[:12]}"
    path: str | None = None
    text: str | None = None
    if lookup == "probe_each_name":
        for name in CONFIG_FILE_NAMES:
            try:
                text = project.get_file_content(path=name, ref=ref)
            except FileNotFoundError:
                continue
            path = name
            break
    elif lookup == "root_listing":
        path = find_packit_yaml(project, ref)
        if path is not None:
            text = project.get_file_content(path=path, ref=ref)
    else:  # pragma: no cover - profiles are validated
        raise DataError(f"unknown config lookup {lookup!r}")
    if path is None or text is None:
        return None
    config = parse_package_config(text, path, where)
    if not config.specfile_path and not config.downstream_package_name:
        config.specfile_path = get_specfile_path_from_repo(project, ref)
    return config


def config_summary(config: PackageConfig) -> dict[str, Any]:
    """What the pipeline plan depends on, to compare with the scenario's knobs."""
    builds = config.jobs_of("copr_build")
    tests = config.jobs_of("tests")
    return {
        "config_file": config.config_file_path,
        "chroots": list(builds[0].targets) if builds else [],
        "tests": bool(tests),
        "build_flags_only": bool(builds and builds[0].sync_test_job_statuses_with_builds is False),
        "success_comment": bool(builds and builds[0].notify_successful_build),
        "osh_scan": bool(builds and builds[0].osh_diff_scan_after_copr_build),
    }
