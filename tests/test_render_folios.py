"""Folios (page numbers) and running heads: which pages carry them.

A designer's rule: every page from the first chapter on carries its folio at the foot, except a
chapter's opener (the book's major sections open without one, every chapter alike), blank pages
and full-page art. A back-matter section is found through the contents by its page number, so
its first page carries the folio too (without a running head: its title is set on the page).
A one-page glossary or questions page used to have no folio at all.
"""

from __future__ import annotations

import pytest

from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story
from test_render_holes import _words

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_back_matter_pages_carry_their_folio_and_chapter_openers_none(tmp_path):
    path = make_story(tmp_path / "b", illustrations="")
    source = path.read_text().replace(
        "back_matter:\n",
        "back_matter:\n  about_the_author: Ada Writer taught science for ten years.\n  also_in_series: [The Magnet Mystery, The Ice Castle]\n",
    )
    path.write_text(source)
    story = load_story(path)
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    page_h = geo.page_size[1]
    _, y, _, h = geo.text_block(True)
    top, foot = page_h - (y + h), page_h - y
    words = _words(result.pdf)
    folio = {p: any(t == str(p) and y0 > foot for y0, _, t in words[p - 1]) for p in range(1, result.pages + 1)}
    head = {p: any(y1 < top for _, y1, _ in words[p - 1]) for p in range(1, result.pages + 1)}
    chapters = {k: p for k, p in result.section_pages.items() if k.startswith("ch")}
    back = {k: p for k, p in result.section_pages.items() if not k.startswith("ch")}
    assert len(back) >= 4, back  # glossary, activities, questions, notes, about the author, the series
    for key, page in chapters.items():
        assert not folio[page] and not head[page], f"{key}'s opener, page {page}"
    for key, page in back.items():
        assert folio[page], f"the first page of '{key}' (page {page}) has no folio"
        assert not head[page], f"the first page of '{key}' (page {page}) has a running head over its title"
    last_text = max(p for p in range(1, result.pages + 1) if any(y0 <= foot for y0, _, _ in words[p - 1]))
    for page in range(min(back.values()), last_text + 1):  # every back-matter page with text on it
        assert folio[page], f"back-matter page {page} has no folio"
