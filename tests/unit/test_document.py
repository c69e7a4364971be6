"""tracer.document: the formats declared once, tables narrowed to a width, a GitHub comment
cut to its limit (each limit exactly at its boundary)."""

from __future__ import annotations

import pytest

from tracer.document import FORMATS, GITHUB_COMMENT_LIMIT, Document, Section, fit_comment, json_document, table


def test_a_section_that_fits_exactly_is_kept_and_one_character_more_is_not() -> None:
    head, tail = "## head\n\ntable", "**verdict**"
    section = Section("run a", "x" * 100, "a")
    whole = fit_comment(head, [section], tail, limit=10_000)
    assert "x" * 100 in whole and "left out" not in whole
    exact = len(whole)
    assert fit_comment(head, [section], tail, limit=exact) == whole
    cut = fit_comment(head, [section], tail, limit=exact - 1)
    assert "x" * 100 not in cut and len(cut) <= exact - 1 and cut.rstrip().endswith(tail)


def test_a_comment_never_exceeds_the_limit_and_names_what_it_left_out() -> None:
    sections = [Section(f"run {i}", "y" * 20_000, f"r{i}") for i in range(8)]
    text = fit_comment("## head", sections, "**verdict**", more="`api-tracer drift --run NAME`")
    assert len(text) <= GITHUB_COMMENT_LIMIT and text.count("<details>") == 3
    assert "_5 more sections left out: a GitHub comment holds 65,536 characters; `api-tracer drift --run NAME`:" \
           " r3, r4, r5, r6, r7._" in text
    huge = fit_comment("z\n" * 40_000, sections, "**verdict**")
    assert len(huge) <= GITHUB_COMMENT_LIMIT and huge.rstrip().endswith("**verdict**") and "cut here" in huge


def test_documents_follow_their_format() -> None:
    for fmt, heading in (("plain", "Title\n====="), ("github", "## Title")):
        doc = Document(fmt)
        doc.heading("Title", 1)
        assert str(doc) == heading
    with pytest.raises(ValueError, match="plain, github"):
        Document("json")
    assert FORMATS == ("plain", "github", "json")
    assert json_document("x", 3, {"a": 1}) == {"format": "api-tracer/x", "version": 3, "a": 1}
    assert table([["a"]], ["h"], "github").startswith("| h")
