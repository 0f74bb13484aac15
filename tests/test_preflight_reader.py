"""The light PDF reader (preflight_reader.py) gives preflight the same report as pypdf, and hands back what it cannot read.

A build preflights the PDFs it has just written with the light reader, so pypdf is not
loaded. Every report here is compared, field by field, with pypdf's reading of the same
file; files outside ReportLab's plain shape (cross-reference streams, encryption, inline
images, unknown string escapes) must fall back to pypdf and still give pypdf's report.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from chapterbook import preflight_reader
from chapterbook.errors import ChapterbookError
from chapterbook.preflight import preflight
from chapterbook.render.cover import render_cover
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story
from test_epub import REPO, probe_build

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MAGNET = REPO / "stories" / "magnet-mystery"


def _same_report(pdf: Path, kind: str = "auto") -> dict:
    """Both readers' reports of `pdf`, asserted equal (pages seen and not); returns pypdf's, as a dict."""
    by_pypdf = asdict(preflight(pdf, kind=kind))
    seen: dict[str, dict] = {}
    assert asdict(preflight(pdf, kind=kind, ours=True, pages_seen=seen)) == by_pypdf  # every page scanned
    assert asdict(preflight(pdf, kind=kind, ours=True, pages_seen=seen)) == by_pypdf  # every page from `seen`
    return by_pypdf


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[Path]:
    """Interiors and covers chapterbook writes: a small book with a placeholder, and the magnet sample."""
    tmp = tmp_path_factory.mktemp("books")
    made = []
    root = make_story(tmp / "small")
    story = load_story(root)
    made.append(render_book(story, tmp / "small.pdf", tmp / "cache-small").pdf)
    made.append(render_cover(story, tmp / "small-cover.pdf", tmp / "cache-small", 24).pdf)
    shutil.copytree(MAGNET, tmp / "magnet", ignore=shutil.ignore_patterns("output"))
    magnet = load_story(tmp / "magnet" / "story.yaml")
    interior = render_book(magnet, tmp / "magnet.pdf", tmp / "cache-magnet")
    made.append(interior.pdf)
    made.append(render_cover(magnet, tmp / "magnet-cover.pdf", tmp / "cache-magnet", interior.pages).pdf)
    return made


def test_chapterbooks_pdfs_are_read_by_the_light_reader_with_pypdfs_report(books):
    for pdf in books:
        reader = preflight_reader.read(pdf)  # in the plain shape: no fallback
        report = _same_report(pdf)
        assert len(reader.pages) == report["pages"] > 0
    interior = _same_report(books[0], "interior")
    assert interior["placeholders"] and interior["images"] and interior["fonts"]  # the fields compared are not empty


def test_a_pdf_breaking_the_rules_gets_the_same_findings(tmp_path):
    """Helvetica not embedded, no boxes, a bookmark, a link, a 72 ppi picture, text in RGB black: as pypdf reads them."""
    img = tmp_path / "small.png"
    Image.new("RGB", (144, 144), (10, 200, 30)).save(img)
    pdf = tmp_path / "bad.pdf"
    c = Canvas(str(pdf), pagesize=(432, 648))
    for n in range(3):
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica", 12)
        c.drawString(72, 600, f"Page {n + 1} (with parentheses) and a back\\slash, caf\xe9")
        if n == 0:
            c.bookmarkPage("p1")
            c.addOutlineEntry("Start", "p1")
            c.linkURL("https://example.org", (72, 500, 200, 520))
            c.drawImage(str(img), 72, 300, 144, 144)
        c.showPage()
    c.save()
    preflight_reader.read(pdf)
    report = _same_report(pdf)
    assert {f["check"] for f in report["findings"]} >= {"fonts", "boxes", "outlines", "annotations", "images", "colour"}


def _qpdf(*args: str) -> None:
    subprocess.run(["qpdf", *args], check=True, capture_output=True)


def test_files_in_another_shape_are_read_by_pypdf_instead(books, tmp_path):
    streams = tmp_path / "xref-streams.pdf"  # object streams and a cross-reference stream
    _qpdf("--object-streams=generate", str(books[0]), str(streams))
    with pytest.raises(preflight_reader.Unsupported):
        preflight_reader.read(streams)
    _same_report(streams)

    updated = tmp_path / "updated.pdf"  # an incremental update (a second xref section with /Prev)
    data = books[0].read_bytes()
    start = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    size = data[data.rindex(b"/Size") :].split()[1]
    tail = b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %s /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
    root = data[data.rindex(b"/Root") :].split()[1:4]
    updated.write_bytes(data + tail % (size, b" ".join(root), start, len(data)))
    with pytest.raises(preflight_reader.Unsupported):
        preflight_reader.read(updated)
    _same_report(updated)

    inline = tmp_path / "inline.pdf"  # an inline image in a content stream (one grey pixel, written by hand)
    c = Canvas(str(inline), pagesize=(432, 648))
    c._code.append("q 36 0 0 36 72 72 cm BI /W 1 /H 1 /BPC 8 /CS /G ID A EI Q")
    c.showPage()
    c.save()
    reader = preflight_reader.read(inline)  # the objects are plain; its content stream is not
    with pytest.raises(preflight_reader.Unsupported):
        list(reader.operations(reader.pages[0].get_contents()))
    _same_report(inline)


def test_an_encrypted_pdf_is_refused_as_before(books, tmp_path):
    locked = tmp_path / "locked.pdf"
    _qpdf("--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--", str(books[0]), str(locked))  # RC4: pypdf needs no extra package
    with pytest.raises(preflight_reader.Unsupported):
        preflight_reader.read(locked)
    for ours in (False, True):
        with pytest.raises(ChapterbookError, match="encrypted"):
            preflight(locked, ours=ours)


def test_a_damaged_pdf_is_the_same_plain_error_whichever_reader_tries_first(books, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(books[0].read_bytes()[:5000])
    messages = []
    for ours in (False, True):
        with pytest.raises(ChapterbookError) as caught:
            preflight(cut, ours=ours)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "is not a readable PDF" in messages[0]


@pytest.mark.parametrize(
    "literal",
    [
        rb"(plain)",
        rb"(nested (parens) inside)",
        rb"(escaped \( \) \\ and \n\r\t\b\f)",
        rb"(octal \101\102C \7 \0123)",
        b"(a line \\\ncontinued \\\r\nand \\\n\rtwice)",
        rb"(names \/ \% \< \> \[ \] \# \_ \& \$ and a space\ )",
        b"(raw\nline\rbreaks\r\nkept)",
    ],
)
def test_strings_read_as_pypdf_reads_them(literal):
    from io import BytesIO

    from pypdf.generic import read_string_from_stream

    theirs = read_string_from_stream(BytesIO(literal))
    ours, end = preflight_reader._literal(literal, 1)
    assert end == len(literal)
    assert bytes(ours) == theirs.original_bytes


def test_an_escape_pypdf_reads_its_own_way_is_handed_back():
    with pytest.raises(preflight_reader.Unsupported):
        preflight_reader._literal(rb"(odd \q escape)", 1)
    with pytest.raises(preflight_reader.Unsupported):
        preflight_reader._literal(rb"(too big \777)", 1)


def test_a_pdf_build_preflights_without_loading_pypdf(tmp_path):
    """The whole command, cold and after an edit: both PDFs are checked (and pass) with pypdf never imported."""
    story = make_story(tmp_path / "ice")
    for _ in range(2):
        lines = probe_build(story, "pdf", tmp_path / "out")
        assert lines[-1].startswith("0 [") and "pypdf" not in lines[-1] and "reportlab" in lines[-1], lines[-1]
        assert any(line.startswith("preflight passed: book.pdf (interior,") for line in lines)
        assert any(line.startswith("preflight passed: cover.pdf (cover,") for line in lines)
        story.write_text(story.read_text().replace("title: Chapter 1 title", "title: Chapter 1 new title", 1))


def test_damaged_copies_get_the_same_report_or_error_from_either_reader(books, tmp_path):
    """Bytes changed at random in the objects (not the compressed streams): the light reader reads what pypdf reads, or hands it back."""
    import logging
    import random

    source = books[0].read_bytes()
    spots = [i for i in range(source.index(b" obj"), len(source)) if source[i] in b"0123456789 /<>[]R"]
    spots = [i for i in spots if source.rfind(b">>\nstream\n", 0, i) < source.rfind(b"endstream", 0, i)]  # outside stream data
    rng = random.Random(20)
    mutant = tmp_path / "mutant.pdf"
    logging.disable(logging.CRITICAL)  # pypdf's repair messages
    try:
        for _ in range(40):
            data = bytearray(source)
            for _ in range(rng.choice([1, 2, 3])):
                data[rng.choice(spots)] = rng.choice(b"0123456789 /<>[]()R\n%#x")
            mutant.write_bytes(bytes(data))
            outcomes = []
            for ours in (False, True):
                try:
                    outcomes.append(asdict(preflight(mutant, ours=ours)))
                except Exception as exc:  # noqa: BLE001 - the same failure either way is what is compared
                    outcomes.append((type(exc).__name__, str(exc)))
            assert outcomes[0] == outcomes[1]
    finally:
        logging.disable(logging.NOTSET)
