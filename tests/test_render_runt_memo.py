"""A rebuild after an edit sets the chapters it knows to be runts closer at once, and is still a first build's PDF.

A chapter ending on a page of one or two lines is set closer (a "runt"), which a first build
finds only by laying the book out: it lays it out again. The layout memo remembers, by each
chapter's content and geometry (pagecache.PageCache.runt_keys), which chapters ended so and
how many pages they spanned, so a rebuild after an edit elsewhere lays the book out once.
The page count a first build would have seen (with those chapters not yet set closer) decides
the gutter, so where that count and the closer-set one fall on two sides of a step of the
gutter table, the rebuild must still end as a first build does: the cases below put a step at
every place around the magnet sample's counts (24 pages as first laid out, 22 with its first
chapter set closer) and compare the PDFs byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chapterbook import print_rules
from chapterbook.render import pdf
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MAGNET = Path(__file__).resolve().parent.parent / "stories" / "magnet-mystery"


@pytest.fixture
def magnet(tmp_path) -> Path:
    book = tmp_path / "magnet"
    shutil.copytree(MAGNET, book, ignore=shutil.ignore_patterns("output"))
    return book


def _edit_second_chapter(book: Path) -> None:
    """A word changed in chapter 2 (its text file); chapter 1 is the runt."""
    chapter = book / "chapters" / "02-the-needle-that-knows-north.md"
    body = chapter.read_text(encoding="utf-8")
    assert " the " in body
    chapter.write_text(body.replace(" the ", " the small ", 1), encoding="utf-8")


def _tight_given(monkeypatch) -> list[frozenset[int]]:
    given: list[frozenset[int]] = []
    real_init = pdf.Interior.__init__

    def spy(self, story, family, pictures, tight=frozenset()):
        given.append(frozenset(tight))
        real_init(self, story, family, pictures, tight)

    monkeypatch.setattr(pdf.Interior, "__init__", spy)
    return given


def test_an_edit_elsewhere_lays_the_book_out_once_with_the_runt_set_closer(magnet, tmp_path, monkeypatch):
    first = render_book(load_story(magnet / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    assert first.layouts == 2  # a first build finds the runt by laying the book out
    assert json.loads((tmp_path / "warm" / "cache" / "layout.json").read_text())["tight"] == [0]
    _edit_second_chapter(magnet)
    given = _tight_given(monkeypatch)
    again = render_book(load_story(magnet / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    assert again.layouts == 1 and given == [frozenset({0})]  # set closer from the start
    cold = render_book(load_story(magnet / "story.yaml"), tmp_path / "cold" / "book.pdf", tmp_path / "cold" / "cache")
    assert cold.layouts == 2
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()


def test_an_edit_to_the_runt_chapter_itself_finds_it_again(magnet, tmp_path, monkeypatch):
    """The runt's own text changed: its key is new, so it is laid out as it falls, as in a first build."""
    render_book(load_story(magnet / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    assert json.loads((tmp_path / "warm" / "cache" / "layout.json").read_text())["runts"]  # remembered from the first build
    story = magnet / "story.yaml"
    text = story.read_text(encoding="utf-8")
    edited = text.replace("He was making pancakes.", "He was making pancakes again.", 1)  # chapter 1's text
    assert edited != text
    story.write_text(edited, encoding="utf-8")
    given = _tight_given(monkeypatch)
    again = render_book(load_story(story), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    cold = render_book(load_story(story), tmp_path / "cold" / "book.pdf", tmp_path / "cold" / "cache")
    assert given[0] == frozenset()  # not assumed: chapter 1 is another text now
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()


@pytest.mark.parametrize("step", [20, 21, 22, 23, 24, 25, 26])
@pytest.mark.parametrize("estimate", [18, 30])
@pytest.mark.parametrize("wider", [0.75, 1.5])
def test_a_step_of_the_gutter_table_between_the_two_counts_gives_a_first_builds_pdf(magnet, tmp_path, monkeypatch, step, estimate, wider):
    """`wider`: the inside margin past the step; 1.5 in takes so much of the line that the book stays past the step."""
    # Short books are padded to 24 pages, which would hide the counts: no padding here but to an even count.
    monkeypatch.setattr(pdf, "MIN_PAGES", 2)
    monkeypatch.setattr(print_rules, "GUTTER_TABLE", ((step, 0.375, 0.625), (300, 0.5, wider), *print_rules.GUTTER_TABLE[2:]))
    monkeypatch.setattr(pdf, "estimate_pages", lambda story, geo: estimate)
    render_book(load_story(magnet / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    _edit_second_chapter(magnet)
    again = render_book(load_story(magnet / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    cold = render_book(load_story(magnet / "story.yaml"), tmp_path / "cold" / "book.pdf", tmp_path / "cold" / "cache")
    assert (again.pages, again.inside_in, again.section_pages) == (cold.pages, cold.inside_in, cold.section_pages)
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()
    assert again.layouts <= cold.layouts
