"""api-tracer: measure the GitHub API calls of a packit-service PR pipeline."""

__version__ = "0.1.0"
