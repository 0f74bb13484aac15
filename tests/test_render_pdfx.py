"""--pdfx: PDF/X-3 through Ghostscript, and a clear message when it is missing."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from chapterbook.errors import ChapterbookError
from chapterbook.render import pdfx


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
