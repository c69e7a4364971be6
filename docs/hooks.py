"""mkdocs hook: every public name (``tracer.__all__``) has a docstring with an example, else the
strict build fails with a warning naming it."""

from __future__ import annotations

import inspect
import logging
import re

log = logging.getLogger("mkdocs.plugins.api_tracer")
#: an example: a doctest prompt, or a literal block (a line ending in "::" then indented code)
_EXAMPLE = re.compile(r">>> |::\n\s*\n?\s{4,}\S")


def missing_examples() -> list[str]:
    """The public names whose docstring is absent or shows no example."""
    import tracer

    missing = []
    for name in tracer.__all__:
        doc = inspect.getdoc(getattr(tracer, name)) or ""
        if not doc or not _EXAMPLE.search(doc):
            missing.append(name)
    return missing


def on_pre_build(config: object) -> None:
    for name in missing_examples():
        log.warning("tracer.%s: a public name needs a docstring with an example", name)
