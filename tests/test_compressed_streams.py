"""A rebuild reuses the compressed bytes of the PDF streams it wrote before (rl_fast.CompressedStreams), byte for byte."""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import pytest

from chapterbook.render import rl_fast
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def compressions(monkeypatch) -> list[int]:
    """The sizes of the streams rl_fast compresses from now on."""
    done: list[int] = []

    def compress(data: bytes, *args) -> bytes:
        done.append(len(data))
        return zlib.compress(data, *args)

    # rl_fast's own zlib only: the page cache and ReportLab's pictures compress with the real one.
    fake = SimpleNamespace(compress=compress, crc32=zlib.crc32, decompress=zlib.decompress, error=zlib.error, ZLIB_RUNTIME_VERSION=zlib.ZLIB_RUNTIME_VERSION)
    monkeypatch.setattr(rl_fast, "zlib", fake)
    return done


def test_an_edit_compresses_only_the_streams_that_changed_and_the_pdf_is_a_cold_builds(tmp_path, compressions):
    root = tmp_path / "book"
    make_story(root, chapters=["\n\n".join([PARAGRAPH] * 8)] * 3)
    first = render_book(load_story(root / "story.yaml"), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    assert (tmp_path / "warm" / "cache" / "streams.zmemo").is_file()
    every = len(compressions)
    assert every > first.pages  # a stream per page, and the fonts' and forms'
    compressions.clear()
    story = root / "story.yaml"
    story.write_text(story.read_text(encoding="utf-8").replace("Chapter 3 title", "Chapter 3 new title", 1), encoding="utf-8")
    again = render_book(load_story(story), tmp_path / "warm" / "book.pdf", tmp_path / "warm" / "cache")
    assert 0 < len(compressions) < every / 2  # the edited chapter's pages (and the contents), not the book
    compressions.clear()
    cold = render_book(load_story(story), tmp_path / "cold" / "book.pdf", tmp_path / "cold" / "cache")
    assert len(compressions) >= every - 2
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()


def test_a_memo_from_another_zlib_or_damaged_is_not_used(tmp_path, compressions, monkeypatch):
    root = tmp_path / "book"
    make_story(root)
    story = load_story(root / "story.yaml")
    first = render_book(story, tmp_path / "a" / "book.pdf", tmp_path / "a" / "cache")
    memo = tmp_path / "a" / "cache" / "streams.zmemo"
    every = len(compressions)
    compressions.clear()
    render_book(story, tmp_path / "a" / "book.pdf", tmp_path / "a" / "cache")
    assert compressions == []  # the same book: every stream from the memo
    memo.write_bytes(memo.read_bytes()[:-10] + b"0123456789")  # damaged: the checksum fails
    again = render_book(story, tmp_path / "a" / "book.pdf", tmp_path / "a" / "cache")
    assert len(compressions) == every and again.pdf.read_bytes() == first.pdf.read_bytes()
    compressions.clear()
    monkeypatch.setattr(rl_fast.CompressedStreams, "FORMAT", b"zmemo1|another zlib")
    render_book(story, tmp_path / "a" / "book.pdf", tmp_path / "a" / "cache")
    assert len(compressions) == every
