"""Bad input: each gives a clear error naming the file and spec line, and no PDF at all."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from chapterbook.errors import RenderError
from chapterbook.preflight import preflight
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims width x height pixels but holds almost no data (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _story_with_image(tmp_path: Path, writer) -> tuple:
    root = tmp_path / "story"
    make_story(root)
    writer(root / "images" / "cart.png")
    story = load_story(root / "story.yaml")
    return story, tmp_path / "out"


def _assert_nothing_written(out: Path) -> None:
    leftovers = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".pdf", ".tmp")] if out.exists() else []
    assert leftovers == []


def _image_line(story) -> int:
    lines = story.path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if "image: images/cart.png" in line)


def test_corrupt_image_names_the_file_and_spec_line(tmp_path):
    story, out = _story_with_image(tmp_path, lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50))
    with pytest.raises(RenderError) as info:
        render_book(story, out / "book.pdf", out / "cache")
    text = str(info.value)
    assert "cart.png" in text and "cannot be read" in text
    assert f"story.yaml:{_image_line(story)}:" in text
    _assert_nothing_written(out)


def test_truncated_image_is_refused_when_decoded(tmp_path):
    from PIL import Image

    def truncated(p: Path) -> None:
        Image.effect_noise((800, 600), 60).convert("RGB").save(p)
        p.write_bytes(p.read_bytes()[:4000])

    story, out = _story_with_image(tmp_path, truncated)
    with pytest.raises(RenderError) as info:
        render_book(story, out / "book.pdf", out / "cache")
    assert "cart.png" in str(info.value) and "damaged" in str(info.value)
    _assert_nothing_written(out)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    story, out = _story_with_image(tmp_path, lambda p: _png_header_only(p, 30000, 30000))
    with pytest.raises(RenderError) as info:
        render_book(story, out / "book.pdf", out / "cache")
    text = str(info.value)
    assert "900 million pixels" in text and "too large" in text and "cart.png" in text and f"story.yaml:{_image_line(story)}:" in text
    _assert_nothing_written(out)


def test_image_just_over_our_limit_names_its_size(tmp_path):
    story, out = _story_with_image(tmp_path, lambda p: _png_header_only(p, 9000, 9000))
    with pytest.raises(RenderError) as info:
        render_book(story, out / "book.pdf", out / "cache")
    assert "9000 x 9000 pixels" in str(info.value)
    _assert_nothing_written(out)


def test_image_path_leaving_the_story_folder_is_refused(tmp_path):
    root = tmp_path / "story"
    make_story(root)
    (tmp_path / "secret.png").write_bytes((root / "images" / "cart.png").read_bytes())
    yaml = (root / "story.yaml").read_text().replace("image: images/cart.png", "image: ../secret.png")
    (root / "story.yaml").write_text(yaml)
    story = load_story(root / "story.yaml")
    with pytest.raises(RenderError) as info:
        render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / "cache")
    assert "leaves the story folder" in str(info.value) and "../secret.png" in str(info.value)
    _assert_nothing_written(tmp_path / "out")


def test_a_failed_rebuild_keeps_the_previous_pdf(tmp_path):
    root = tmp_path / "story"
    make_story(root)
    story = load_story(root / "story.yaml")
    good = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    before = good.pdf.read_bytes()
    (root / "images" / "cart.png").write_bytes(b"not an image")
    with pytest.raises(RenderError):
        render_book(load_story(root / "story.yaml"), tmp_path / "book.pdf", tmp_path / "cache")
    assert (tmp_path / "book.pdf").read_bytes() == before
    assert not list(tmp_path.glob(".book.pdf.*"))


def test_markup_characters_emoji_and_rtl_do_not_crash(tmp_path):
    text = 'A < B & C > D. <para>Not a tag</para> "Hi!" 🚀🙂 said مرحبا and שלום. **bold** and *it*.\n\n' + PARAGRAPH
    story = load_story(make_story(tmp_path / "story", chapters=[text], illustrations=""))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    assert result.pages >= 24
    assert any(w.code == "missing-glyph" for w in result.warnings)
    assert preflight(result.pdf).ok


def test_a_very_long_chapter_spans_many_pages(tmp_path):
    text = "\n\n".join([PARAGRAPH] * 260)
    story = load_story(make_story(tmp_path / "story", chapters=[text], illustrations=""))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    assert result.pages > 60
    report = preflight(result.pdf)
    assert report.ok, [f.format() for f in report.findings]


def test_an_empty_chapter_is_a_warning_not_a_crash(tmp_path):
    story = load_story(make_story(tmp_path / "story", chapters=[PARAGRAPH, ""], illustrations=""))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    empty = [w for w in result.warnings if w.code == "empty-chapter"]
    assert len(empty) == 1 and "chapter 2" in empty[0].message
    assert result.section_pages["ch2"] % 2 == 1
