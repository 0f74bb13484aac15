"""--pdfx: PDF/X-3 of the book and cover through Ghostscript, reproducible and preflighted; clear messages when it cannot."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from chapterbook.build import build
from chapterbook.errors import ChapterbookError, UsageError
from chapterbook.output import sha256_file
from chapterbook.render import pdfx
from chapterbook.spec.load import load_story
from render_fixtures import make_story


def _tiny(path):
    c = Canvas(str(path), pagesize=(441, 666))
    c.setTrimBox((0, 9, 432, 657))
    c.setBleedBox((0, 0, 441, 666))
    c.rect(50, 50, 100, 100, fill=1)
    c.showPage()
    c.save()
    return path


def test_missing_ghostscript_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfx.shutil, "which", lambda name: None)
    with pytest.raises(ChapterbookError) as info:
        pdfx.to_pdfx(_tiny(tmp_path / "in.pdf"), tmp_path / "out.pdf", "T")
    assert "Ghostscript" in str(info.value) and "apt-get install ghostscript" in str(info.value)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript not installed")
def test_pdfx_has_an_output_intent_and_keeps_the_boxes(tmp_path):
    out = pdfx.to_pdfx(_tiny(tmp_path / "in.pdf"), tmp_path / "out.pdf", "A (tricky) title")
    reader = PdfReader(out)
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFX"
    page = reader.pages[0]
    assert [float(v) for v in page["/TrimBox"]] == [0, 9, 432, 657]


needs_gs = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript not installed")


def _pdffonts(path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


@needs_gs
def test_build_with_pdfx_converts_book_and_cover_reproducibly_and_preflights_them(tmp_path):
    story = load_story(make_story(tmp_path / "story"))  # has an opener without a picture: one placeholder
    first = build(story, ["pdf"], tmp_path / "out", pdfx=True)
    book, cover = first.outputs["pdf-pdfx"], first.outputs["cover-pdfx"]
    assert (book.name, cover.name) == ("book-pdfx.pdf", "cover-pdfx.pdf")
    by_file = {r.pdf.name: r for r in first.reports}
    assert set(by_file) == {"book.pdf", "cover.pdf", "book-pdfx.pdf", "cover-pdfx.pdf"}
    assert all(r.ok for r in first.reports), [f.format() for r in first.reports for f in r.errors]
    # Ghostscript rewrites every line as single glyphs (TJ); the placeholder must still be found.
    assert by_file["book-pdfx.pdf"].placeholders == by_file["book.pdf"].placeholders != []
    assert by_file["book-pdfx.pdf"].pages == by_file["book.pdf"].pages
    for pdf in (book, cover):
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFX"
        rows = _pdffonts(pdf)
        assert rows and all(r[-5] == "yes" for r in rows), rows  # the emb column
    # Same inputs, same bytes: Ghostscript's dates and /ID come from the input, not the clock.
    recorded = json.loads(first.record.read_text())["outputs"]
    assert recorded["pdf-pdfx"]["sha256"] == sha256_file(book)
    before = book.read_bytes(), cover.read_bytes()
    time.sleep(1.1)
    build(story, ["pdf"], tmp_path / "out", pdfx=True)
    assert (book.read_bytes(), cover.read_bytes()) == before
    assert sorted(p.name for p in book.parent.iterdir() if p.name.startswith(".book") or p.name.startswith(".cover")) == []


def test_pdfx_needs_the_pdf_format(tmp_path):
    story = load_story(make_story(tmp_path / "story"))
    with pytest.raises(UsageError, match="makes none"):
        build(story, ["md"], tmp_path / "out", pdfx=True)
    assert not (tmp_path / "out").exists()


def test_a_failing_ghostscript_leaves_no_file(tmp_path, monkeypatch):
    false = shutil.which("false")  # a "Ghostscript" that fails at once
    monkeypatch.setattr(pdfx.shutil, "which", lambda name: false)
    target = tmp_path / "out" / "book-pdfx.pdf"
    with pytest.raises(ChapterbookError, match="could not make a PDF/X file"):
        pdfx.to_pdfx(_tiny(tmp_path / "in.pdf"), target, "T")
    assert list((tmp_path / "out").iterdir()) == []


def test_pdfx_without_ghostscript_builds_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfx.shutil, "which", lambda name: None)
    story = load_story(make_story(tmp_path / "story"))
    with pytest.raises(ChapterbookError, match="needs Ghostscript"):
        build(story, None, tmp_path / "out", pdfx=True)
    assert not (tmp_path / "out").exists()


@needs_gs
def test_a_failed_conversion_still_records_the_plain_pdfs(tmp_path, monkeypatch):
    story = load_story(make_story(tmp_path / "story"))
    monkeypatch.setattr(pdfx.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "Unrecoverable error"))
    with pytest.raises(ChapterbookError, match="Unrecoverable error"):
        build(story, ["pdf"], tmp_path / "out", pdfx=True)
    book_dir = next((tmp_path / "out").iterdir())
    recorded = json.loads((book_dir / "build.json").read_text())["outputs"]
    assert sorted(recorded) == ["cover", "pdf"]
    assert recorded["pdf"]["sha256"] == sha256_file(book_dir / "book.pdf")
    assert sorted(p.name for p in book_dir.iterdir() if not p.name.startswith(".cache")) == ["book.pdf", "build.json", "cover.pdf"]
