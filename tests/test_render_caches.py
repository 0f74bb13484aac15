"""The caches that make a rebuild cheap: font metrics and remembered content hashes.

Both may only ever save work: a rebuild through them must give the same PDF as a
build without them, and a damaged or stale entry must be noticed, not trusted.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from chapterbook import output
from chapterbook.output import HashMemo, sha256_file
from chapterbook.render import fonts, rl_fast
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ITALIC = fonts.FONT_DIR / "Andika-Italic.ttf"


def _same_face(restored: TTFontFace, parsed: TTFontFace) -> None:
    """Every attribute ReportLab's parser sets, equal (the scale is a function, so compare what it gives)."""
    assert restored.charWidths  # asking for one attribute restores them all
    assert sorted(k for k in restored.__dict__ if k != "_load") == sorted(parsed.__dict__)
    for key, value in parsed.__dict__.items():
        if key == "_pdfScale":
            assert restored._pdfScale(1234) == value(1234)
        else:
            assert restored.__dict__[key] == value, key
            assert type(restored.__dict__[key]) is type(value), key
    assert restored.name.ustr == parsed.name.ustr


# --- font metrics ----------------------------------------------------------------------------


def test_font_metrics_from_the_cache_are_what_reportlab_parses(tmp_path):
    memo = HashMemo(tmp_path / "fonts.json")
    first = rl_fast.ttfont("t-italic", ITALIC, memo)
    assert type(first.face) is TTFontFace  # nothing cached yet: parsed, then stored
    assert len(list(tmp_path.glob("*.metrics"))) == 1
    second = rl_fast.ttfont("t-italic", ITALIC, memo)
    assert isinstance(second.face, rl_fast.LazyFace)
    parsed = TTFont("t-italic", str(ITALIC))
    # The font object around the face, as TTFont.__init__ builds it (checks the copy in _ttfont).
    assert sorted(second.__dict__) == sorted(parsed.__dict__)
    for key in ("fontName", "_asciiReadable", "_shapable"):
        assert getattr(second, key) == getattr(parsed, key)
    assert second.stringWidth("Cassie pushed the cart.", 14) == parsed.stringWidth("Cassie pushed the cart.", 14)
    _same_face(second.face, parsed.face)


def test_a_face_nobody_asks_about_is_never_unmarshalled(tmp_path):
    memo = HashMemo(tmp_path / "fonts.json")
    rl_fast.ttfont("t-italic", ITALIC, memo)
    font = rl_fast.ttfont("t-italic", ITALIC, memo)
    # Registering only needs the name, which is stored apart from the metrics.
    assert set(font.face.__dict__) == {"name", "_ttf_data", "_load"}
    assert font.face.name.ustr == "Andika-Italic"
    with pytest.raises(AttributeError):
        font.face.__no_such_thing__  # noqa: B018 - dunder lookups must not restore (copy, pickle probe them)
    assert "_load" in font.face.__dict__


def test_a_lazy_face_is_parsed_and_stored_only_when_first_used(tmp_path, monkeypatch):
    memo = HashMemo(tmp_path / "fonts.json")
    parses = []
    real = rl_fast._parsed  # the one parse per process (fonts.parsed_face)
    monkeypatch.setattr(rl_fast, "_parsed", lambda path: parses.append(path) or real(path))
    font = rl_fast.ttfont("t-italic", ITALIC, memo, lazy=True)
    assert isinstance(font.face, rl_fast.LazyFace) and font.face.name.ustr == "Andika-Italic"
    assert parses == [] and list(tmp_path.glob("*.metrics")) == []  # registered by name only
    parsed = TTFont("t-italic", str(ITALIC))
    assert font.stringWidth("Cassie pushed the cart.", 14) == parsed.stringWidth("Cassie pushed the cart.", 14)
    assert len(parses) == 1 and len(list(tmp_path.glob("*.metrics"))) == 1
    _same_face(font.face, parsed.face)
    # The next build restores what the first one stored, and parses nothing.
    again = rl_fast.ttfont("t-italic", ITALIC, memo, lazy=True)
    _same_face(again.face, parsed.face)
    assert len(parses) == 1


def test_a_damaged_metrics_file_is_ignored_and_written_again(tmp_path):
    memo = HashMemo(tmp_path / "fonts.json")
    rl_fast.ttfont("t-italic", ITALIC, memo)
    (cached,) = tmp_path.glob("*.metrics")
    good = cached.read_bytes()
    cached.write_bytes(good[:1000] + bytes([good[1000] ^ 0xFF]) + good[1001:])
    font = rl_fast.ttfont("t-italic", ITALIC, memo)
    assert type(font.face) is TTFontFace  # parsed from the font file, not from the damaged copy
    assert cached.read_bytes() == good
    cached.write_bytes(good[:50])  # cut short
    assert type(rl_fast.ttfont("t-italic", ITALIC, memo).face) is TTFontFace


def test_metrics_that_pass_the_checksum_but_cannot_be_read_fall_back_to_the_font_file(tmp_path):
    memo = HashMemo(tmp_path / "fonts.json")
    rl_fast.ttfont("t-italic", ITALIC, memo)
    (cached,) = tmp_path.glob("*.metrics")
    name = b"Andika-Italic"
    payload = len(name).to_bytes(2, "big") + name + b"\xff not marshal data"
    cached.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)
    font = rl_fast.ttfont("t-italic", ITALIC, memo)
    assert isinstance(font.face, rl_fast.LazyFace)
    _same_face(font.face, TTFont("t-italic", str(ITALIC)).face)


@pytest.fixture
def fonts_unregistered(monkeypatch):
    """Make ReportLab forget the shipped fonts (for this test only), as in a new process."""

    def forget() -> None:
        monkeypatch.setattr(pdfmetrics, "_fonts", {k: v for k, v in pdfmetrics._fonts.items() if not k.startswith("Andika")})
        faces = {k: v for k, v in pdfmetrics._dynFaceNames.items() if not (k.decode() if isinstance(k, bytes) else k).startswith("Andika")}
        monkeypatch.setattr(pdfmetrics, "_dynFaceNames", faces)

    forget()
    return forget


def test_a_rebuild_with_cached_font_metrics_gives_the_same_pdf(tmp_path, fonts_unregistered):
    story = load_story(make_story(tmp_path / "story"))
    cache = tmp_path / "out" / ".cache" / "images"
    first = render_book(story, tmp_path / "first.pdf", cache)
    # Only the faces the book draws with were parsed, so only they were stored: not bold italic.
    assert len(list((cache / "fonts").glob("*.metrics"))) == 3
    fonts_unregistered()
    family = fonts.book_font(story, cache / "fonts")
    assert isinstance(pdfmetrics.getFont(family.regular).face, rl_fast.LazyFace)
    fonts_unregistered()
    second = render_book(story, tmp_path / "second.pdf", cache)
    assert second.pdf.read_bytes() == first.pdf.read_bytes()
    assert second.pages == first.pages
    # The sample story draws no bold italic, so that face was never restored.
    assert "_load" in pdfmetrics.getFont(family.bolditalic).face.__dict__


# --- remembered content hashes ----------------------------------------------------------------


def _old(path: Path, seconds_ago: float = 60) -> None:
    """Give `path` a modification time in the past (its change time becomes now)."""
    t = path.stat().st_mtime - seconds_ago
    os.utime(path, (t, t))


def test_a_remembered_hash_is_not_computed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(HashMemo, "RACY_SECONDS", 0.0)
    picture = tmp_path / "a.jpg"
    picture.write_bytes(b"picture one" * 1000)
    memo = HashMemo(tmp_path / "cache" / "sources.json")
    assert memo.sha256(picture) == hashlib.sha256(picture.read_bytes()).hexdigest()
    memo.save()
    calls = []
    monkeypatch.setattr(output, "sha256_file", lambda p: calls.append(p) or sha256_file(p))
    again = HashMemo(tmp_path / "cache" / "sources.json")
    assert again.sha256(picture) == hashlib.sha256(picture.read_bytes()).hexdigest()
    assert calls == []


def test_a_changed_file_is_hashed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(HashMemo, "RACY_SECONDS", 0.0)
    picture = tmp_path / "a.jpg"
    picture.write_bytes(b"A" * 4096)
    _old(picture)
    memo = HashMemo(tmp_path / "sources.json")
    before = memo.sha256(picture)
    memo.save()
    # Same size, and the modification time even set back to what it was: the change time still moves.
    stamp = picture.stat().st_mtime_ns
    time.sleep(0.05)  # past the file system's clock tick (which is what RACY_SECONDS guards against)
    picture.write_bytes(b"B" * 4096)
    os.utime(picture, ns=(stamp, stamp))
    after = HashMemo(tmp_path / "sources.json").sha256(picture)
    assert after != before
    assert after == hashlib.sha256(b"B" * 4096).hexdigest()


def test_a_file_written_moments_ago_is_not_remembered(tmp_path):
    picture = tmp_path / "a.jpg"
    picture.write_bytes(b"fresh")
    memo = HashMemo(tmp_path / "sources.json")
    assert memo.sha256(picture) == hashlib.sha256(b"fresh").hexdigest()
    memo.save()
    # A second write within the same clock tick could keep every stat field; so nothing was stored.
    assert not (tmp_path / "sources.json").exists()


def test_a_damaged_hash_file_is_treated_as_empty(tmp_path, monkeypatch):
    monkeypatch.setattr(HashMemo, "RACY_SECONDS", 0.0)
    picture = tmp_path / "a.jpg"
    picture.write_bytes(b"content")
    for junk in ("{not json", "[1, 2]", '{"' + str(picture.resolve()) + '": "oops"}'):
        (tmp_path / "sources.json").write_text(junk)
        assert HashMemo(tmp_path / "sources.json").sha256(picture) == hashlib.sha256(b"content").hexdigest()


# --- garbage collection during a render -------------------------------------------------------


def test_rendering_gives_frozen_objects_back_and_leaves_a_callers_freeze_alone(tmp_path):
    import gc

    story = load_story(make_story(tmp_path / "story"))
    assert gc.get_freeze_count() == 0
    render_book(story, tmp_path / "a.pdf", tmp_path / "cache")
    assert gc.get_freeze_count() == 0  # everything set aside during the render is collectable again
    gc.freeze()
    try:
        render_book(story, tmp_path / "b.pdf", tmp_path / "cache")
        # Still frozen (the count itself may drop: frozen objects can be freed by reference counting).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_first_build_parses_each_face_of_its_font_once(tmp_path, cli, monkeypatch):
    """Validate's glyph check, its measuring of diagram words and the renderer share one parse per face (fonts.parsed_face)."""
    import os

    from reportlab.pdfbase import ttfonts

    from chapterbook.render import fonts
    from render_fixtures import make_story

    root = tmp_path / "story"
    make_story(root, layout="layout:\n  font: fonts/Kid-Regular.ttf\n")  # a diagram too: its words are measured
    (root / "fonts").mkdir()
    for style in ("Regular", "Bold"):  # a family of its own, new to this process (its content names it)
        data = (fonts.FONT_DIR / f"Andika-{style}.ttf").read_bytes()
        (root / "fonts" / f"Kid-{style}.ttf").write_bytes(data + os.urandom(16))
    monkeypatch.setattr(fonts, "_PARSED", {})
    parsed = []
    real = ttfonts.TTFontFace
    monkeypatch.setattr(ttfonts, "TTFontFace", lambda path, *a, **k: parsed.append(os.path.basename(path)) or real(path, *a, **k))
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
    assert result.code == 0, result.err
    assert sorted(parsed) == ["Kid-Bold.ttf", "Kid-Regular.ttf"]


def test_a_first_build_stores_the_metrics_of_the_faces_validate_registered(tmp_path, cli):
    """Validate registers the fonts (to measure a diagram's words) before the renderer's cache exists; the
    renderer still stores the metrics of the faces it drew with, so the next build restores instead of parsing."""
    from chapterbook.output import sha256_file
    from chapterbook.render import fonts
    from render_fixtures import make_story

    root = tmp_path / "story"
    make_story(root)  # Andika, with a diagram
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
    assert result.code == 0, result.err
    folder = tmp_path / "out" / "story" / ".cache" / "images" / "fonts"
    regular = fonts.FONT_DIR / fonts.SHIPPED["Andika"]["regular"]
    stored = rl_fast._metrics_file(folder, sha256_file(regular))
    assert stored.is_file()
    restored = rl_fast._restore_metrics(stored, regular, regular.read_bytes())
    assert restored is not None
    parsed = TTFontFace(str(regular))
    assert restored.charWidths == parsed.charWidths and restored.charToGlyph == parsed.charToGlyph
    # Every attribute but the parser's read position (where the face was last read from, for a subset, in this process).
    assert {k: v for k, v in restored.__dict__.items() if k not in ("_pos", "_pdfScale")} == {
        k: v for k, v in parsed.__dict__.items() if k not in ("_pos", "_pdfScale")
    }
