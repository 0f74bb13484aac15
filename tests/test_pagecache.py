"""The page cache (render/pagecache.py): a rebuild after an edit puts unchanged chapters' pages back from the
cache, and the book it makes is the very PDF, byte for byte, that a cold build of the edited book makes.

Every case builds a book cold, edits it, rebuilds it in the same folder (the cache of the first build there),
builds the edited book again in a fresh folder, and compares the two PDFs with ==. Each also asserts how many
chapters were put back and how many laid out, so a cache that silently never hits fails.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from chapterbook.render.pdf import RenderResult, render_book
from chapterbook.spec.load import load_story
from render_fixtures import write_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import genbook  # noqa: E402  (bench/genbook.py: varied books of any size)


def _render(story_dir: Path, folder: Path) -> RenderResult:
    return render_book(load_story(story_dir / "story.yaml"), folder / "book.pdf", folder / "cache")


def _edit_rebuild(tmp_path: Path, source: Path, edit: Callable[[Path], None]) -> tuple[RenderResult, RenderResult, RenderResult]:
    """(first build, rebuild after `edit` in the same folder, cold build of the edited book in a fresh folder)."""
    book = tmp_path / "book"
    shutil.copytree(source, book, ignore=shutil.ignore_patterns("output"))
    first = _render(book, tmp_path / "warm")
    # Nothing cached yet: only a second layout in the same build (a runt chapter set closer) puts back the first's chapters.
    assert first.chapters_replayed == 0 or first.layouts == 2
    edit(book)
    again = _render(book, tmp_path / "warm")
    cold = _render(book, tmp_path / "cold")
    assert cold.chapters_replayed == 0 or cold.layouts == 2
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()
    assert (again.pages, again.section_pages) == (cold.pages, cold.section_pages)
    assert [w.message for w in again.warnings] == [w.message for w in cold.warnings]
    assert again.placeholders == cold.placeholders
    # The fonts are watched only while a chapter is recorded (rl_pages.FontTap): nothing is left on them.
    assert not [n for n in pdfmetrics.getRegisteredFontNames() if "splitString" in vars(pdfmetrics.getFont(n))]
    return first, again, cold


def _replace(file: Path, old: str, new: str, count: int = 1) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, count), encoding="utf-8")


def _chapter(book: Path, n: int) -> Path:
    return sorted((book / "chapters").glob("*.md"))[n - 1]


def _first_word(file: Path) -> str:
    return re.search(r"\b[a-z]{4,}\b", file.read_text(encoding="utf-8")).group(0)  # type: ignore[union-attr]


BEACH = ROOT / "stories" / "beach-ride-quest"


def test_a_word_changed_in_the_middle_chapter(tmp_path):
    def edit(book):
        ch = _chapter(book, 2)
        _replace(ch, _first_word(ch), "zebra")

    first, again, _ = _edit_rebuild(tmp_path, BEACH, edit)
    assert (again.chapters_replayed, again.chapters_laid_out) == (2, 1)


def test_a_sentence_added_to_the_first_chapter(tmp_path):
    def edit(book):
        ch = _chapter(book, 1)
        text = ch.read_text(encoding="utf-8").rstrip("\n")
        ch.write_text(text + " Then the ball stopped by a shell.\n", encoding="utf-8")

    _, again, _ = _edit_rebuild(tmp_path, BEACH, edit)
    assert (again.chapters_replayed, again.chapters_laid_out) == (2, 1)


def test_paragraphs_added_move_the_later_chapters(tmp_path):
    """A chapter grows by pages: the chapters after it start on other pages and are still put back."""

    def edit(book):
        ch = _chapter(book, 1)
        para = "Cassie ran along the sand and counted the waves. The water came in and went out again."
        ch.write_text(ch.read_text(encoding="utf-8") + ("\n\n" + para) * 30 + "\n", encoding="utf-8")

    first, again, _ = _edit_rebuild(tmp_path, BEACH, edit)
    assert again.section_pages["ch2"] > first.section_pages["ch2"]  # chapter 2 starts later now
    assert again.pages > first.pages
    assert (again.chapters_replayed, again.chapters_laid_out) == (2, 1)


def test_a_character_new_to_the_font_in_an_early_chapter(tmp_path):
    """A character the font has not used yet takes the next subset code, so the codes of characters
    first used after it move: chapters drawing those are laid out again, and the bytes still match."""

    def edit(book):
        ch = _chapter(book, 1)
        _replace(ch, _first_word(ch), "café, naïve Zoë")

    _, again, _ = _edit_rebuild(tmp_path, BEACH, edit)
    assert again.chapters_laid_out >= 1  # here chapters 2 and 3 first use characters whose codes moved


def test_magnet_mystery_a_word_changed(tmp_path):
    source = ROOT / "stories" / "magnet-mystery"

    def edit(book):
        ch = _chapter(book, 1)
        _replace(ch, _first_word(ch), "zebra")

    _, again, cold = _edit_rebuild(tmp_path, source, edit)
    # The edited chapter is laid out in the rebuild (maybe in its first layout, when a runt chapter made it lay the book out
    # twice: the second then puts it back), and every chapter is in the final layout.
    assert again.chapters_laid_out_in_build >= 1
    assert again.chapters_replayed + again.chapters_laid_out == cold.chapters_replayed + cold.chapters_laid_out


def test_grammar_book_edited_then_rebuilt_unchanged(tmp_path):
    """One chapter, every kind of block, pictures that float and shrink: edited, then rebuilt from the cache."""
    source = ROOT / "tests" / "fixtures" / "grammar-book"

    def edit(book):
        ch = _chapter(book, 1)
        _replace(ch, _first_word(ch), "zebra")

    _, again, cold = _edit_rebuild(tmp_path, source, edit)
    assert again.chapters_laid_out == 1
    rebuilt = _render(tmp_path / "book", tmp_path / "warm")  # nothing changed: the chapter comes from the cache
    assert (rebuilt.chapters_replayed, rebuilt.chapters_laid_out) == (1, 0)
    assert rebuilt.pdf.read_bytes() == cold.pdf.read_bytes()


@pytest.fixture(scope="module")
def long_book(tmp_path_factory) -> Path:
    """A generated book of about 60 pages (bench/genbook.py): PNG and JPEG pictures, every placement, diagrams."""
    out = tmp_path_factory.mktemp("genbook") / "book"
    genbook.make_book(out, 60, seed=11)
    return out


def test_long_book_a_word_changed_in_the_middle(tmp_path, long_book):
    chapters = sorted((long_book / "chapters").glob("*.md"))
    middle = len(chapters) // 2 + 1

    def edit(book):
        ch = _chapter(book, middle)
        _replace(ch, _first_word(ch), "zebra")

    _, again, cold = _edit_rebuild(tmp_path, long_book, edit)
    assert again.chapters_laid_out == 1
    assert again.chapters_replayed == len(chapters) - 1


def test_long_book_a_character_new_to_the_font_in_chapter_one(tmp_path, long_book):
    """Later chapters that draw only characters coded before are put back, with the codes they had."""
    chapters = sorted((long_book / "chapters").glob("*.md"))

    def edit(book):  # at the end of chapter 1, after the characters it used first
        ch = _chapter(book, 1)
        ch.write_text(ch.read_text(encoding="utf-8").rstrip("\n") + " Zoë ate a crêpe at the café.\n", encoding="utf-8")

    _, again, _ = _edit_rebuild(tmp_path, long_book, edit)
    assert again.chapters_replayed >= len(chapters) // 2
    assert again.chapters_laid_out >= 1


def test_long_book_a_picture_swapped(tmp_path, long_book):
    """A picture of another shape in one chapter: that chapter is laid out, the rest put back."""
    chapters = sorted((long_book / "chapters").glob("*.md"))

    def edit(book):
        picture = sorted((book / "images").glob("c3-p1.*"))[0]
        write_image(picture.with_suffix(".png"), (1500, 2400), colour=(30, 160, 90))
        if picture.suffix != ".png":
            picture.unlink()
            _replace(book / "story.yaml", f"images/{picture.name}", f"images/{picture.stem}.png")

    _, again, _ = _edit_rebuild(tmp_path, long_book, edit)
    assert again.chapters_laid_out == 1
    assert again.chapters_replayed == len(chapters) - 1


def test_a_damaged_cache_entry_is_laid_out_again(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(BEACH, book, ignore=shutil.ignore_patterns("output"))
    first = _render(book, tmp_path / "warm")
    for entry in (tmp_path / "warm" / "cache" / "pages").glob("*.pages"):
        blob = bytearray(entry.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        entry.write_bytes(bytes(blob))
    again = _render(book, tmp_path / "warm")
    assert (again.chapters_replayed, again.chapters_laid_out) == (0, 3)
    assert again.pdf.read_bytes() == first.pdf.read_bytes()
    assert _render(book, tmp_path / "warm").chapters_replayed == 3  # written again, whole


def test_the_cache_keeps_only_this_book_s_chapters(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(BEACH, book, ignore=shutil.ignore_patterns("output"))
    _render(book, tmp_path / "warm")
    folder = tmp_path / "warm" / "cache" / "pages"
    before = {f.name for f in folder.glob("*.pages")}
    assert before
    for n in (1, 2, 3):
        ch = _chapter(book, n)
        _replace(ch, _first_word(ch), "zebra")
    _render(book, tmp_path / "warm")
    after = {f.name for f in folder.glob("*.pages")}
    assert not before & after  # every chapter changed: the old entries are gone
    assert len(after) <= 2 * 3  # a trial and a final layout of each chapter at most


def test_warnings_of_chapters_put_back_are_the_same_and_point_at_the_same_places(tmp_path):
    """A chapter put back without being made gives its warnings from the cache; when an edit above it in
    story.yaml moves its lines, its pages still come from the cache and its warnings point at the new lines."""
    book = tmp_path / "book"
    shutil.copytree(BEACH, book, ignore=shutil.ignore_patterns("output"))
    ch3 = _chapter(book, 3)  # a character the font lacks, in chapter 3's text and in a caption (at its spec line)
    ch3.write_text(ch3.read_text(encoding="utf-8").rstrip("\n") + " The sign said 水 and 水 again.\n", encoding="utf-8")
    _replace(book / "story.yaml", "The ball pushes the air back.", "The ball pushes the air 水 back.")
    first = _render(book, tmp_path / "warm")
    glyphs = [w for w in first.warnings if w.code == "missing-glyph"]
    assert len(glyphs) >= 2 and all("水" in w.message for w in glyphs)
    assert {w.where.file.name for w in glyphs} == {"story.yaml", ch3.name}

    def edit(b):
        ch2 = _chapter(b, 2)
        _replace(ch2, _first_word(ch2), "zebra")
        spec = b / "story.yaml"  # a line more in chapter 1's entry: every later chapter's spec lines move down
        text = spec.read_text(encoding="utf-8")
        at = text.index("\n", text.index("title:", text.index("chapters:"))) + 1
        indent = re.match(r"\s*", text[at:]).group(0)  # type: ignore[union-attr]
        spec.write_text(text[:at] + f"{indent}# a note the author added\n" + text[at:], encoding="utf-8")

    edit(book)
    again = _render(book, tmp_path / "warm")
    cold = _render(book, tmp_path / "cold")
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()
    assert (again.chapters_replayed, again.chapters_laid_out) == (2, 1)
    assert [(w.message, w.where, w.path) for w in again.warnings] == [(w.message, w.where, w.path) for w in cold.warnings]
    moved = [(w.where.file.name, w.where.line) for w in again.warnings if w.code == "missing-glyph"]
    assert moved == [(w.where.file.name, w.where.line + (w.where.file.name == "story.yaml")) for w in glyphs]
    rebuilt = _render(book, tmp_path / "warm")  # nothing changed: chapters made from the cache alone, warnings too
    assert (rebuilt.chapters_replayed, rebuilt.chapters_laid_out) == (3, 0)
    assert [(w.message, w.where, w.path) for w in rebuilt.warnings] == [(w.message, w.where, w.path) for w in cold.warnings]
