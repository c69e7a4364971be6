"""The exit codes of every `api-tracer` command: a contract (documented in the README).

- 0: done; the figures are within the tolerance, the scan is clean.
- 1: a verdict: the model drifts beyond the tolerance (``drift``), a secret was found (``scan``).
- 2: bad input (arguments, files, output paths); one line on stderr naming the file and what is wrong.
- 3: an internal error, a bug in api-tracer; one line on stderr naming it so (the traceback
  with ``--debug``).
- 130: interrupted (Ctrl-C).

No command exits 1 for anything but a verdict.
"""

OK = 0
VERDICT = 1
BAD_INPUT = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130
