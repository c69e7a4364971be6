"""Reports as plain text or GitHub markdown: the output formats, declared once.

Every rendering (drift, whatif, model, traces) writes through :class:`Document`, so a format is
chosen in one place: headings, tables, collapsible details and code spans follow it, and plain
tables narrow to a terminal's width when one is given::

    doc = Document("github")
    doc.heading("Summary", 1)
    doc.table([["c-3ch", "147"]], ["run", "requests"])
    str(doc)        # '## Summary\\n\\n| run   |   requests |\\n...'

A GitHub comment holds at most :data:`GITHUB_COMMENT_LIMIT` characters: :func:`fit_comment` keeps
a head and a tail and as many collapsible sections as fit, with a note naming what was left out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: the output formats of every command: a terminal, a GitHub comment or issue, a program
FORMATS = ("plain", "github", "json")
#: the formats :class:`Document` writes (json documents are built as data)
TEXT_FORMATS = ("plain", "github")
#: tabulate's table format for each text format
TABLE_FORMATS = {"plain": "simple", "github": "github"}
#: the most characters GitHub takes in one issue or pull-request comment
GITHUB_COMMENT_LIMIT = 65_536
#: a plain table column is never narrowed below this many characters (or its natural width),
#: nor below its longest word up to MAX_WORD characters
MIN_COLUMN = 8
MAX_WORD = 24


def table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    fmt: str = "plain",
    *,
    colalign: Sequence[str] | None = None,
    width: int | None = None,
    numparse: bool = False,
    floatfmt: str = "g",
) -> str:
    """``rows`` as a table in ``fmt``; a plain table wider than ``width`` has its widest columns
    wrapped (cells on several lines) until it fits: between words while each column keeps its
    longest word (up to :data:`MAX_WORD`), else inside words down to :data:`MIN_COLUMN` a column.

    >>> print(table([["a long cell that wraps", "1"]], ["text", "n"], width=20))
    text         n
    -----------  -
    a long cell  1
    that wraps
    """
    from tabulate import tabulate

    if fmt not in TABLE_FORMATS:
        raise ValueError(f"no table in format {fmt!r}: one of {', '.join(TABLE_FORMATS)}")
    options: dict[str, Any] = {"tablefmt": TABLE_FORMATS[fmt], "disable_numparse": not numparse,
                               "floatfmt": floatfmt}
    if colalign is not None:
        options["colalign"] = colalign
    text = tabulate(rows, headers, **options)
    if fmt != "plain" or width is None or text_width(text) <= width or not headers:
        return text
    cells = [[str(c) for c in row] for row in rows]
    natural = [max([len(line) for line in str(h).splitlines() or [""]]
                   + [len(line) for r in cells if i < len(r) for line in r[i].splitlines() or [""]])
               for i, h in enumerate(headers)]
    words = [max([len(w) for h in [str(headers[i])] + [r[i] for r in cells if i < len(r)] for w in h.split()] or [0])
             for i in range(len(headers))]
    floors = [min(n, max(MIN_COLUMN, min(w, MAX_WORD))) for n, w in zip(natural, words)]
    target = width - (text_width(text) - sum(natural))  # what separators and padding leave
    narrowed = text
    for floor in (floors, [min(n, MIN_COLUMN) for n in natural]):  # whole words first, then any
        for _ in range(4):
            caps = _narrowed(natural, floor, target)
            if caps == natural:
                return text
            narrowed = _tight(rows, headers, caps, options)
            over = text_width(narrowed) - width
            if over <= 0:
                return narrowed
            if caps == floor:
                break
            target -= over
    return narrowed


def _tight(rows: Sequence[Sequence[Any]], headers: Sequence[str], caps: list[int], options: dict[str, Any]) -> str:
    """tabulate with ``caps`` as column widths and no padding around headers (tabulate's
    ``MIN_PADDING``, restored after: two characters a column a terminal cannot spare)."""
    import tabulate as module

    padding = module.MIN_PADDING
    module.MIN_PADDING = 0
    try:
        return module.tabulate(rows, headers, maxcolwidths=caps, maxheadercolwidths=caps, **options)
    finally:
        module.MIN_PADDING = padding


def _narrowed(natural: list[int], floors: list[int], target: int) -> list[int]:
    """Column widths summing to at most ``target``, taken from the widest columns first."""
    caps = list(natural)
    excess = sum(caps) - target
    while excess > 0:
        widest = max(range(len(caps)), key=lambda i: (caps[i] > floors[i], caps[i]))
        if caps[widest] <= floors[widest]:
            break
        caps[widest] -= 1
        excess -= 1
    return caps


def text_width(text: str) -> int:
    """The longest line of ``text``."""
    return max((len(line) for line in text.splitlines()), default=0)


class Document:
    """Headings, prose, tables and collapsible blocks in plain text or GitHub markdown.

    ``width``: plain tables narrow and plain prose wraps to it (None: as wide as they are).
    """

    def __init__(self, fmt: str = "plain", width: int | None = None) -> None:
        if fmt not in TEXT_FORMATS:
            raise ValueError(f"a document is one of {', '.join(TEXT_FORMATS)}, not {fmt!r}")
        self.fmt = fmt
        self.width = width if fmt == "plain" else None
        self.lines: list[str] = []

    @property
    def github(self) -> bool:
        return self.fmt == "github"

    def heading(self, text: str, level: int = 1) -> None:
        """``## text`` in markdown (level 1 is ``##``: the comment's own title is level 0);
        underlined with ``=`` (level ≤ 1) or ``-`` in plain text."""
        self.blank()
        if self.github:
            self.lines.append(f"{'#' * (level + 1)} {text}")
        else:
            lines = textwrap.wrap(text, self.width) if self.width and len(text) > self.width else [text]
            self.lines += [*lines, ("=" if level <= 1 else "-") * max(map(len, lines))]

    def text(self, *lines: str) -> None:
        for line in lines:
            if self.width and len(line) > self.width and "\n" not in line:
                indent = line[: len(line) - len(line.lstrip())]
                self.lines += textwrap.wrap(line, self.width, subsequent_indent=indent + "  ",
                                            break_on_hyphens=False) or [""]
            else:
                self.lines.append(line)

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def table(self, rows: Sequence[Sequence[Any]], headers: Sequence[str],
              colalign: Sequence[str] | None = None, **options: Any) -> None:
        self.blank()
        self.lines.append(table(rows, headers, self.fmt, colalign=colalign, width=self.width, **options))
        self.lines.append("")

    def open_details(self, summary: str) -> None:
        """A collapsible block in markdown; a ``summary:`` line in plain text."""
        self.blank()
        if self.github:
            self.lines += ["<details>", f"<summary>{summary}</summary>", ""]
        else:
            self.text(f"{summary}:")

    def close_details(self) -> None:
        if self.github:
            self.blank()
            self.lines += ["</details>", ""]

    def code(self, text: str) -> str:
        return f"`{text}`" if self.github else text

    def strong(self, text: str) -> str:
        return f"**{text}**" if self.github else text

    @property
    def bullet(self) -> str:
        return "- " if self.github else "  "

    @property
    def sub_bullet(self) -> str:
        return "  - " if self.github else "      "

    def __str__(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Section:
    """A part of a comment that may be left out: shown collapsed under ``title``."""

    title: str
    body: str
    name: str = ""  # how a note of what was left out names it (default: the title)

    def markdown(self) -> str:
        return f"<details>\n<summary>{self.title}</summary>\n\n{self.body.strip()}\n\n</details>\n"


def fit_comment(head: str, sections: Sequence[Section], tail: str = "", *,
                limit: int = GITHUB_COMMENT_LIMIT, more: str = "") -> str:
    """``head``, then each section collapsed while the whole stays within ``limit`` characters,
    then ``tail``; sections that do not fit are named in a note (``more``: how to see them).

    A head too long on its own is cut at a line, with a note: the result never exceeds ``limit``.
    """
    def note(left: Sequence[Section]) -> str:
        if not left:
            return ""
        names = ", ".join(s.name or s.title for s in left)
        text = (f"_{len(left)} more section{'s' if len(left) != 1 else ''} left out: a GitHub comment holds "
                f"{limit:,} characters{f'; {more}' if more else ''}: {names}._\n")
        if len(text) > limit // 4:
            text = text[: limit // 4 - 3].rstrip() + "…_\n"
        return text

    tail_text = ("\n" + tail.strip() + "\n") if tail.strip() else ""
    head_text = head.rstrip() + "\n\n"
    budget = limit - len(tail_text) - len(note(sections))
    if len(head_text) > budget:
        cut = "\n_(cut here: the comment limit)_\n\n"
        head_text = head_text[: max(0, budget - len(cut))]
        head_text = head_text[: head_text.rfind("\n") + 1] + cut
    body = head_text
    shown = 0
    for i, section in enumerate(sections):
        block = section.markdown() + "\n"
        room = limit - len(tail_text) - len(note(sections[i + 1:]))
        if len(body) + len(block) > room:
            break
        body += block
        shown += 1
    out = body + note(sections[shown:]) + tail_text
    return out[:limit]


def json_document(name: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    """``{"format": "api-tracer/NAME", "version": VERSION, **body}``: the header of every JSON
    document api-tracer prints, as of every file it writes.

    >>> json_document("drift", 2, {"runs": []})
    {'format': 'api-tracer/drift', 'version': 2, 'runs': []}
    """
    return {"format": f"api-tracer/{name}", "version": version, **body}
