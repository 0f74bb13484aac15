"""Chapter parses kept between runs (text.grammar.known_parses): read back the same, and only a new text is parsed."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import pytest

from chapterbook.spec.load import load_story
from chapterbook.spec.memo import Memo
from chapterbook.text import grammar

REPO = Path(__file__).resolve().parent.parent
BOOKS = [
    Path(__file__).resolve().parent / "fixtures" / "grammar-book" / "story.yaml",  # every construct of the grammar
    REPO / "stories" / "beach-ride-quest" / "story.yaml",
    REPO / "stories" / "magnet-mystery" / "story.yaml",
]
ODD = [
    "",
    "# Only a heading",
    "<div>HTML</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    code\n\n[x]: http://example.org\n",
    "*[Picture: a kite]*\n\n1. one\n2. two\n\n> quoted *text*\n\n---\n\nTitle\n=====\n",
]


def _texts(story_yaml: Path) -> list[str]:
    return [source.text for source in load_story(story_yaml).texts if source is not None]


@pytest.mark.parametrize("text", [t for book in BOOKS for t in _texts(book)] + ODD)
def test_a_kept_parse_reads_back_as_the_same_blocks_and_findings(text):
    parsed = grammar.parse(text)
    back = msgspec.msgpack.decode(msgspec.msgpack.encode(parsed), type=grammar.Parsed)
    assert back == parsed
    assert [type(b) for b in back.blocks] == [type(b) for b in parsed.blocks]  # the same classes, not only equal fields
    assert grammar.parse(text, tolerant=True).findings == tuple(f for f in back.findings if f.code not in grammar.TOLERATED)


def _as_a_new_process(keep_memo_reads: bool = True) -> None:
    """Empty this process's caches of parses (parse's and the flat view's), as a new process starts."""
    grammar.parse.cache_clear()
    grammar._flat.cache_clear()
    if not keep_memo_reads:
        grammar._kept.clear()


@pytest.fixture
def parses(monkeypatch):
    """How many texts were parsed (read by markdown-it) since the parse cache was emptied."""
    seen: list[str] = []
    real = grammar._Reader.read
    monkeypatch.setattr(grammar._Reader, "read", lambda self, tokens: seen.append(self.text) or real(self, tokens))
    _as_a_new_process(keep_memo_reads=False)
    yield seen
    _as_a_new_process(keep_memo_reads=False)


def test_after_an_edit_a_build_parses_only_the_edited_chapter_and_writes_what_a_fresh_build_does(cli, tmp_path, parses):
    book = tmp_path / "beach"
    shutil.copytree(REPO / "stories" / "beach-ride-quest", book)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert cli("build", str(book / "story.yaml"), "--format", "md,html,epub", "--output", str(out)).code == 0
    chapters = sorted((book / "chapters").glob("*.md"))
    assert len(set(parses)) == len(chapters)  # the first build parses every chapter
    edited = chapters[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace(" the ", " the very ", 1), encoding="utf-8")
    _as_a_new_process()
    parses.clear()
    assert cli("build", str(book / "story.yaml"), "--format", "md,html,epub", "--output", str(out)).code == 0
    assert set(parses) == {edited.read_text(encoding="utf-8")}  # the others came back from the memo
    _as_a_new_process(keep_memo_reads=False)
    assert cli("build", str(book / "story.yaml"), "--format", "md,html,epub", "--output", str(fresh)).code == 0
    for name in ("manuscript.md", "preview.html", "book.epub"):
        assert (out / "beach" / name).read_bytes() == (fresh / "beach" / name).read_bytes(), name


def test_a_kept_parse_is_found_by_its_text_alone(parses):
    memo = Memo()
    text = "Cassie pushed the cart.\n\n[illustration: cart]\n\nIt rolled.\n"
    assert grammar.known_parses([text], memo) == 0 and parses == [text]  # parsed, and kept
    _as_a_new_process()
    assert grammar.known_parses([text, text + "More.\n"], memo) == 1  # the first read back, the second parsed
    assert grammar.parse(text).blocks[1] == grammar.IllustrationMarker(2, 0, 25, 3, "cart", "[illustration: cart]")
    assert parses == [text, text + "More.\n"]


def test_only_the_last_books_kept_parses_are_held(parses):
    """A long-running process (watch) reads kept parses on every rebuild: what it holds stays one book's worth."""
    memo = Memo()
    old, new = "Cassie ran.\n", "Cassie ran fast.\n"
    grammar.known_parses([old], memo)
    _as_a_new_process(keep_memo_reads=False)
    assert grammar.known_parses([old], memo) == 1 and set(grammar._kept) == {old}
    grammar.known_parses([new], memo)  # the chapter edited: the old text's blocks are let go
    assert set(grammar._kept) == set()
    _as_a_new_process(keep_memo_reads=False)
    assert grammar.known_parses([new], memo) == 1 and set(grammar._kept) == {new}


@pytest.mark.parametrize("text", ["A *small* ball", "**Grown-up check:** use a *low* table", "plain words", "`code` and <b>tag</b> & [a link](x)"])
def test_a_strings_runs_kept_in_the_memo_read_back_the_same(text, tmp_path):
    """Titles, captions and activities (text.inline.parse_inline) are kept by their text like the chapters' blocks."""
    from chapterbook.text import inline

    fresh = inline._parse_inline(text)
    try:
        memo = Memo(tmp_path / "memo")
        inline.known_inlines(memo)
        inline.parse_inline.cache_clear()
        assert inline.parse_inline(text) == fresh
        memo.save()
        again = Memo(tmp_path / "memo")  # the next run's
        inline.known_inlines(again)
        inline.parse_inline.cache_clear()
        assert again.get("inline", __import__("hashlib").sha256(text.encode()).hexdigest()) is not None
        assert inline.parse_inline(text) == fresh
        assert any(s.emphasis or s.strong for s in fresh) or "*" not in text
    finally:
        inline.known_inlines(None)
        inline.parse_inline.cache_clear()
