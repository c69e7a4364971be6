"""Errors a user can act on. The CLI prints their message on one line and exits 2."""


class TracerError(Exception):
    """Base of every error api-tracer reports to a user (bad input, bad data).

    The message is one line; ``details`` (optional, several lines, e.g. a table) is printed
    after it.
    """

    def __init__(self, message: str = "", details: str = "") -> None:
        super().__init__(message)
        self.details = details


class UsageError(TracerError):
    """A command-line argument or API argument is invalid."""


class DataError(TracerError):
    """A file (rules, cassette, manifest, scenario, trace) is missing or malformed.

    The message names the file and what is wrong with it.
    """
