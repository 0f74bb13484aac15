"""A rebuild after one chapter's text changed parses that chapter's Markdown and no other (issue #20).

The page cache puts the unchanged chapters' pages back without making their flowables, so
their blocks are not needed for the layout; the picture plan works a chapter's flow out
only when the chapter is laid out, and the page estimate keeps each chapter's paragraph
lengths in the build's content memo. These tests count markdown-it's parses, and check the
PDF is still a cold build's, byte for byte.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from chapterbook.render import images
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.interior.plan import Pictures, Slot
from chapterbook.render.pagecache import PageCache
from chapterbook.render.pagecount import estimate_pages
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from chapterbook.spec.memo import Memo
from chapterbook.text import grammar
from render_fixtures import PARAGRAPH, make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import genbook  # noqa: E402  (bench/genbook.py: varied books of any size)


class _CountingParser:
    """Stands in for markdown-it's parser in text.grammar, noting each text it parses as a block document."""

    def __init__(self, md):
        self.md = md
        self.texts: list[str] = []

    def parse(self, text, env=None):
        self.texts.append(text)
        return self.md.parse(text, env)

    def __getattr__(self, name):
        return getattr(self.md, name)


def _forget() -> None:
    """Empty text.grammar's in-process caches, as in a new process."""
    grammar.parse.cache_clear()
    grammar._flat.cache_clear()


@pytest.fixture
def parses(monkeypatch):
    """The chapter texts text.grammar parses from now on (its in-process caches emptied first)."""
    _forget()
    counter = _CountingParser(grammar.markdown())
    monkeypatch.setattr(grammar, "markdown", lambda: counter)
    yield counter.texts
    _forget()


def _build(book: Path, out: Path):
    """render_book as `build` runs it: the story loaded with the content memo kept in `out`, saved after."""
    story = load_story(book / "story.yaml", Memo(out / "front.memo"))
    result = render_book(story, out / "book.pdf", out / "cache")
    story.memo.save()
    return result


@pytest.fixture(scope="module")
def book40(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("genbook") / "book"
    genbook.make_book(out, 40, seed=5)
    return out


def test_an_edit_parses_only_the_edited_chapter_and_makes_a_cold_build_s_pdf(tmp_path, book40, parses):
    book = tmp_path / "book"
    shutil.copytree(book40, book)
    _build(book, tmp_path / "warm")
    chapters = sorted((book / "chapters").glob("*.md"))
    assert len(chapters) >= 4 and len(set(parses)) == len(chapters)  # the first build parses every chapter once

    middle = chapters[len(chapters) // 2]
    middle.write_text("Zebra " + middle.read_text(encoding="utf-8"), encoding="utf-8")
    _forget()  # a new process: nothing parsed yet
    parses.clear()
    again = _build(book, tmp_path / "warm")
    assert parses == [middle.read_text(encoding="utf-8")]  # once, though both strict and tolerant views are read
    assert (again.chapters_replayed, again.chapters_laid_out) == (len(chapters) - 1, 1)

    cold = _build(book, tmp_path / "cold")
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()
    assert [w.message for w in again.warnings] == [w.message for w in cold.warnings]


def test_an_edit_opens_no_unchanged_picture(tmp_path, book40, monkeypatch):
    """The page estimate and the picture plan take each picture's size from the memo, by its content, as lint does."""
    book = tmp_path / "book"
    shutil.copytree(book40, book)
    opened: list[str] = []
    real_probe = images._probe
    monkeypatch.setattr(images, "_probe", lambda source, *a: opened.append(Path(source).name) or real_probe(source, *a))
    _build(book, tmp_path / "warm")
    assert opened  # a first build reads every picture's header once
    assert len(opened) == len(set(opened))
    chapters = sorted((book / "chapters").glob("*.md"))
    chapters[1].write_text("Zebra " + chapters[1].read_text(encoding="utf-8"), encoding="utf-8")
    images._PROBED.clear()  # a new process
    opened.clear()
    again = _build(book, tmp_path / "warm")
    assert opened == []
    assert again.pdf.read_bytes() == _build(book, tmp_path / "cold").pdf.read_bytes()


def test_the_page_estimate_from_the_memo_is_the_estimate_worked_out(tmp_path, book40, parses):
    story = load_story(book40 / "story.yaml", Memo(tmp_path / "front.memo"))
    geo = PageGeometry.for_layout(story.spec.layout)
    first = estimate_pages(story, geo)
    story.memo.save()
    assert parses  # worked out from the parsed text
    _forget()
    parses.clear()
    again = load_story(book40 / "story.yaml", Memo(tmp_path / "front.memo"))
    assert estimate_pages(again, geo) == first
    assert parses == []  # every chapter's lengths came from the memo
    assert estimate_pages(load_story(book40 / "story.yaml"), geo) == first  # and a memo kept in memory only agrees


def test_the_plan_works_out_a_chapter_s_flow_when_it_is_asked_for(tmp_path, parses):
    path = make_story(tmp_path / "book", chapters=[PARAGRAPH + "\n\n[illustration: cart]\n\n" + PARAGRAPH, PARAGRAPH + " Two.", PARAGRAPH + " Three."])
    story = load_story(path)
    geo = PageGeometry.for_layout(story.spec.layout)
    with images.Resampler(tmp_path / "cache") as resampler:
        pictures = Pictures(story, geo, resampler)
        assert parses == []  # the slots are made and queued without the text
        assert [s.id for s in pictures.slots(0)] == ["opener", "cart", "push"]
        assert [p.source.name for p in pictures.placed_images] == ["cart.png"]
        items = pictures.chapter_slots[0]
        assert len(parses) == 1
        assert [obj.id for kind, obj in items if isinstance(obj, Slot)] == ["opener", "cart", "push"]
        assert items[0][0] == "opener" and [kind for kind, _ in items].count("block") == 2
        assert pictures.chapter_slots[0] is items and len(parses) == 1  # worked out once
        assert len(pictures.chapter_slots) == 3 and len(list(pictures.chapter_slots)) == 3
        resampler.finish()


def test_a_free_brief_of_a_chapter_put_back_is_found_by_its_id(tmp_path, parses):
    """A pasted draft's free brief (a marker naming no slot) is a placeholder made from the text: a chapter put
    back from the page cache that had one float past its end finds it again, its text parsed then."""
    text = PARAGRAPH + "\n\n[illustration: a map of the whole beach]\n\n" + PARAGRAPH
    path = make_story(tmp_path / "book", chapters=[PARAGRAPH, text])
    story = load_story(path)
    geo = PageGeometry.for_layout(story.spec.layout)
    with images.Resampler(tmp_path / "cache") as resampler:
        pictures = Pictures(story, geo, resampler)
        from chapterbook.render.fonts import book_font

        family = book_font(story, tmp_path / "fonts")
        layout = PageCache(tmp_path / "pages", story, family, resampler.hashes).layout(geo, pictures, frozenset(), trial=False)
        marker_id = next(obj.id for _, obj in pictures.chapter_slots[1] if isinstance(obj, Slot) and obj.image is None)
        found = layout.slot(1, marker_id)
        assert found is not None and found.brief == "a map of the whole beach" and found.where is not None
        assert layout.slot(0, "cart") is not None and layout.slot(0, None) is None and layout.slot(1, "nothing") is None
        resampler.finish()
