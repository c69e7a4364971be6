"""Point unchanged ogr/PyGithub at a GitHub of our own (see :func:`redirect_api`)."""

from tracer.capture.patches import GITHUB_API, redirect_api

__all__ = ["GITHUB_API", "redirect_api"]
