"""Errors a user can act on. The CLI prints their message on one line and exits 2."""


class TracerError(Exception):
    """Base of every error api-tracer reports to a user (bad input, bad data).

    The message is one line; ``details`` (optional, several lines, e.g. a table) is printed
    after it. The command line prints it and exits 2::

        try:
            trace = Trace.load(path)
        except TracerError as exc:
            sys.exit(f"{exc}")        # "run.json: calls[3]: 'status' must be an integer ..."
    """

    def __init__(self, message: str = "", details: str = "") -> None:
        super().__init__(message.translate(_LINE_BREAKS))
        self.details = details


#: the characters that break a line (``str.splitlines``), spelt as escapes: a message stays one
#: line whatever a file's names and values hold (a YAML key may be ``"a\nb"``)
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


class UsageError(TracerError):
    """A command-line argument or API argument is invalid.

    >>> Budget.from_kwargs(max_totl=3)
    Traceback (most recent call last):
    UsageError: github_api_budget: unknown budget argument 'max_totl' (valid: ...)
    """


class DataError(TracerError):
    """A file (rules, cassette, manifest, scenario, trace) is missing or malformed.

    The message names the file and what is wrong with it.

    >>> Rules.load("rules.yaml")
    Traceback (most recent call last):
    DataError: rules.yaml: routes[0]: 'route' must look like 'GET /repos/{owner}/{repo}', got 'get /x'
    """
