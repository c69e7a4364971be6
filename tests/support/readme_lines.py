"""The lines the README tells a packit-service worker to add, read from the README itself, so
that what the tests run is what the README says, character for character."""

from __future__ import annotations

import re

from paths import ROOT

_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def readme_lines() -> str:
    """The README's Python block that instruments packit-service's ``celery_app``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in _BLOCK.findall(text) if "instrument_celery(celery_app" in b]
    if len(blocks) != 1:
        raise AssertionError(f"README.md: {len(blocks)} Python blocks instrument celery_app, expected 1")
    return blocks[0]
