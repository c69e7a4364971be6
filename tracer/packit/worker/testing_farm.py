"""The Testing Farm side: packit-service's TestingFarmJobHelper, and an in-process TF API.

The GitHub calls of a test submission, as packit-service makes them (design note, "tests
submitted"; ``TestingFarmHandler._get_or_create_group`` and the helper's
``run_testing_farm`` / ``prepare_and_send_tf_request`` at both profiles): the handler stores
the test run with the base project's URL (``get_web_url``: the first call on the handler's
project, so it pays GET repo), a status "Submitting the tests ...", the ``.fmf/version`` check,
the payload (``fmf_url`` reads the PR; ``target_branch_sha`` reads ogr's
``target_branch_head_commit``, which is not cached, three times: the merge_sha condition,
merge_sha, PACKIT_TARGET_SHA), then a status "Tests have been submitted ...".

Without ``.fmf/version`` packit asks the check a second time (``elif not
self.is_fmf_configured()``) and submits Testing Farm's own installability test, whose payload
reads nothing from GitHub. Testing Farm itself is not GitHub and is answered in-process
(:class:`TestingFarmAPI`), with request ids that do not change between runs.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from ogr.abstract import GitProject, PullRequest

from tracer.errors import DataError
from tracer.packit.worker.events import TF_INSTALLABILITY_TEST_REF, TF_INSTALLABILITY_TEST_URL, tf_details
from tracer.packit.worker.job_helpers import CoprBuildJobHelper
from tracer.packit.worker.models import TFTTestRunTargetModel
from tracer.packit.worker.reporting import BaseCommitStatus

TF_REQUEST_NAMESPACE = uuid.UUID("129bd474-e4d3-49e0-9dec-d994a99feebc")  # the real payload's request id
TF_RESULTS_WEBHOOK = "https://prod.packit.dev/api/testing-farm/results"


class TestingFarmAPI:
    """Testing Farm's requests API, in-process: submit, then details by request id."""

    __test__ = False

    def __init__(self) -> None:
        self._requests: dict[str, dict[str, Any]] = {}

    def submit(self, payload: dict[str, Any]) -> str:
        """POST requests: the project's tmt tests on a Copr build (artifacts), or the
        installability test of a Copr repository (variables, no artifacts)."""
        env = payload["environments"][0]
        tmt = payload["test"]["tmt"]
        build_id: int | None
        if env.get("artifacts"):
            what = env["artifacts"][0]["id"]
            build, _, chroot = what.partition(":")
            build_id = int(build)
        else:
            context = env["tmt"]["context"]
            chroot = f"{context['distro']}-{context['arch']}"
            what, build_id = f"{env['variables']['REPOSITORY']}/{chroot}", None
        request_id = str(uuid.uuid5(TF_REQUEST_NAMESPACE, f"{tmt['url']}@{tmt['ref']}/{what}"))
        self._requests[request_id] = tf_details(
            request_id=request_id, state="new", build_id=build_id, chroot=chroot,
            fmf_url=tmt["url"], fmf_ref=tmt["ref"], overall=None,
        )
        return request_id

    def set_state(self, request_id: str, state: str, overall: str | None = None) -> None:
        """What Testing Farm does while it runs the tests."""
        details = self._details(request_id)
        details["state"] = state
        details["result"]["overall"] = overall

    def request_details(self, request_id: str) -> dict[str, Any]:
        """GET requests/{id}: what packit-service asks when a notification comes in."""
        return copy.deepcopy(self._details(request_id))

    def _details(self, request_id: str) -> dict[str, Any]:
        try:
            return self._requests[request_id]
        except KeyError:
            raise DataError(f"Testing Farm: unknown request {request_id}") from None


class TestingFarmJobHelper(CoprBuildJobHelper):
    """Submits the tests of one chroot (named and shaped as packit-service's helper)."""

    __test__ = False

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.__pr: PullRequest | None = None
        self._target_branch_sha: str | None = None

    # -- what the payload reads from GitHub ------------------------------------------------
    @property
    def _pr(self) -> PullRequest:
        """The PR, cached on the helper."""
        if self.__pr is None:
            self.__pr = self.project.get_pr(self.metadata.pr_id)
        return self.__pr

    @property
    def fmf_url(self) -> str:
        """The PR's source repository: at C read with a fresh get_pr(), at HEAD from ``_pr``."""
        pr = self._pr if self.ctx.switches.fmf_url_reuses_pr else self.project.get_pr(self.metadata.pr_id)
        return pr.source_project.get_web_url()

    @property
    def fmf_ref(self) -> str:
        return self.metadata.head_sha

    @property
    def target_branch_sha(self) -> str | None:
        """ogr's ``target_branch_head_commit``: GET branches/{base} on every read (the merge_sha
        condition, merge_sha, PACKIT_TARGET_SHA), unless the ``cache_target_branch`` fix keeps
        the first answer on the helper."""
        if self.ctx.knobs.cache_target_branch and self._target_branch_sha is not None:
            return self._target_branch_sha
        self._target_branch_sha = self._pr.target_branch_head_commit
        return self._target_branch_sha

    @property
    def source_branch_sha(self) -> str:
        return self._pr.head_commit

    def fmf_checker_project(self) -> GitProject:
        """HEAD's ``.fmf`` checker (``IsFMFConfigPresent``, built anew for every check) has its
        own project object (one more GET repo each time); C asks the helper's project, and so
        does HEAD with one project object per task or per pipeline."""
        if self.ctx.switches.fmf_checker_own_project and self.ctx.knobs.project_reuse == "call":
            return self.ctx.service_config.get_project(self.metadata.namespace, self.metadata.repo)
        return self.project

    def is_fmf_configured(self) -> bool:
        try:
            self.fmf_checker_project().get_file_content(path=".fmf/version", ref=self.metadata.head_sha)
        except FileNotFoundError:
            return False
        return True

    # -- the submission -----------------------------------------------------------------------
    def _construct_test_payload(self) -> dict[str, Any]:
        tmt: dict[str, Any] = {"url": self.fmf_url, "path": ".", "ref": self.fmf_ref}
        if self.job_config.merge_pr_in_ci and self.target_branch_sha:
            tmt["merge_sha"] = self.target_branch_sha
        return tmt

    def _payload(self, chroot: str, build_id: int) -> dict[str, Any]:
        distro, arch = chroot.rsplit("-", 1)
        return {
            "test": {"tmt": self._construct_test_payload()},
            "environments": [
                {
                    "arch": arch,
                    "os": {"compose": distro},
                    "artifacts": [{"id": f"{build_id}:{chroot}", "type": "fedora-copr-build"}],
                    "variables": {
                        "PACKIT_FULL_REPO_NAME": f"{self.metadata.namespace}/{self.metadata.repo}",
                        "PACKIT_COMMIT_SHA": self.metadata.head_sha,
                        "PACKIT_SOURCE_SHA": self.source_branch_sha,
                        "PACKIT_TARGET_SHA": self.target_branch_sha,
                        "PACKIT_TARGET_BRANCH": self._pr.target_branch,
                        "PACKIT_PR_ID": self.metadata.pr_id,
                        "PACKIT_COPR_PROJECT": f"{self.pipeline.copr_owner}/{self.pipeline.copr_project}",
                    },
                }
            ],
            "notification": {"webhook": {"url": TF_RESULTS_WEBHOOK}},
        }

    def _payload_install_test(self, chroot: str, build_id: int) -> dict[str, Any]:
        """Testing Farm's installability test of the Copr build's repository (no GitHub call:
        the Copr project comes from the database)."""
        distro, arch = chroot.rsplit("-", 1)
        owner, project = self.ctx.copr.builds[build_id][:2]
        return {
            "test": {"tmt": {"url": TF_INSTALLABILITY_TEST_URL, "ref": TF_INSTALLABILITY_TEST_REF,
                             "name": "/packit/installation"}},
            "environments": [
                {
                    "arch": arch,
                    "os": {"compose": distro},
                    "variables": {"REPOSITORY": f"{owner}/{project}"},
                    "tmt": {"context": {"distro": distro, "arch": arch, "trigger": "commit", "initiator": "packit"}},
                }
            ],
            "notification": {"webhook": {"url": TF_RESULTS_WEBHOOK}},
        }

    def run_testing_farm(self, test_run: TFTTestRunTargetModel) -> str | None:
        """Submit the tests of one stored test run; the TF request id, or None if none was sent."""
        self.report_status_to_tests_for_test_target(
            "Build succeeded. Submitting the tests ...", BaseCommitStatus.running, test_run.target
        )
        return self.prepare_and_send_tf_request(test_run)

    def prepare_and_send_tf_request(self, test_run: TFTTestRunTargetModel) -> str | None:
        if self.is_fmf_configured():
            payload = self._payload(test_run.target, test_run.build_id)
        elif not self.is_fmf_configured() and not self.job_config.skip_build:
            payload = self._payload_install_test(test_run.target, test_run.build_id)
        else:
            self.report_status_to_tests_for_test_target(
                "No FMF metadata found. Please, initialize the metadata tree with `fmf init`.",
                BaseCommitStatus.neutral,
                test_run.target,
            )
            return None
        request_id = self.ctx.testing_farm.submit(payload)
        test_run.status = "queued"
        self.ctx.db.set_pipeline_id(self.pipeline, test_run, request_id)
        self.report_status_to_tests_for_test_target(
            "Tests have been submitted ...", BaseCommitStatus.running, test_run.target,
            url=f"https://dashboard.packit.dev/jobs/testing-farm/{request_id}",
        )
        return request_id
