"""Preflight findings compared with poppler (pdffonts, pdfimages, pdfinfo) and qpdf, on good and bad PDFs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from chapterbook.cli import main
from chapterbook.errors import Severity
from chapterbook.preflight import preflight
from chapterbook.render.cover import render_cover
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story

REPO = Path(__file__).resolve().parent.parent


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, capture_output=True)


def _out(*cmd: str) -> str:
    return _run(*cmd).stdout.decode("latin-1")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("good")
    root = tmp / "story"
    make_story(root)
    (root / "images" / "cart.png").rename(root / "images" / "kept.png")
    yaml = (root / "story.yaml").read_text()
    # one real image, one placeholder left
    yaml = yaml.replace("image: images/cart.png", "image: images/kept.png")
    (root / "story.yaml").write_text(yaml)
    story = load_story(root / "story.yaml")
    return render_book(story, tmp / "book.pdf", tmp / "cache").pdf


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    """A PDF breaking most rules: Helvetica, no boxes, no bleed, 3 pages, a bookmark, a link, a 72 ppi image."""
    tmp = tmp_path_factory.mktemp("bad")
    img = tmp / "small.png"
    Image.new("RGB", (144, 144), (10, 200, 30)).save(img)
    pdf = tmp / "bad.pdf"
    c = Canvas(str(pdf), pagesize=(432, 648))
    for n in range(3):
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica", 12)
        c.drawString(72, 600, f"Page {n + 1}")
        if n == 0:
            c.bookmarkPage("p1")
            c.addOutlineEntry("Start", "p1")
            c.linkURL("https://example.org", (72, 500, 200, 520))
            c.drawImage(str(img), 72, 300, 144, 144)  # 144 px over 2 in: 72 ppi
        c.showPage()
    c.save()
    return pdf


def test_good_book_passes_and_lists_the_placeholder(good):
    report = preflight(good)
    assert report.ok, [f.format() for f in report.errors]
    assert report.kind == "interior"
    assert [slot for _, slot in report.placeholders] == ["opener"]
    assert [f.check for f in report.warnings] == ["placeholders"]


def test_fonts_agree_with_pdffonts(good, bad):
    for pdf in (good, bad):
        rows = _out("pdffonts", str(pdf)).splitlines()[2:]
        poppler = {}
        for row in rows:
            cols = row.split()
            poppler[cols[0]] = (cols[-5] == "yes", cols[-4] == "yes")
        ours = {f.name: (f.embedded, f.subset) for f in preflight(pdf).fonts}
        assert ours == poppler


def test_image_ppi_agrees_with_pdfimages(good, bad):
    for pdf in (good, bad):
        rows = [r.split() for r in _out("pdfimages", "-list", str(pdf)).splitlines()[2:]]
        poppler = sorted((int(r[0]), int(r[3]), int(r[4]), int(r[12]), int(r[13])) for r in rows)
        ours = sorted((i.page, i.width_px, i.height_px, round(i.x_ppi), round(i.y_ppi)) for i in preflight(pdf).images)
        assert ours == poppler and ours


def test_boxes_agree_with_pdfinfo(good, bad):
    for pdf in (good, bad):
        report = preflight(pdf)
        text = _out("pdfinfo", "-box", "-f", "1", "-l", str(report.pages), str(pdf))
        for box in report.boxes:
            media = re.search(rf"Page\s+{box.page} MediaBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text)
            trim = re.search(rf"Page\s+{box.page} TrimBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text)
            assert tuple(float(v) for v in media.groups()) == pytest.approx(box.media)
            if box.trim is not None:
                assert tuple(float(v) for v in trim.groups()) == pytest.approx(box.trim)
            else:  # poppler reports a missing TrimBox as the CropBox (= MediaBox here)
                assert tuple(float(v) for v in trim.groups()) == pytest.approx(box.media)


def test_qpdf_check_passes_on_the_built_book(good):
    result = _run("qpdf", "--check", str(good), check=False)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_bad_pdf_fails_with_a_recommendation_for_each_problem(bad):
    report = preflight(bad)
    assert not report.ok
    checks = {(f.check, f.severity) for f in report.findings}
    for expected in [
        ("fonts", Severity.ERROR),
        ("boxes", Severity.ERROR),
        ("outlines", Severity.ERROR),
        ("annotations", Severity.ERROR),
        ("images", Severity.ERROR),
        ("page-count", Severity.ERROR),
        ("page-count", Severity.WARNING),
        ("colour", Severity.WARNING),
    ]:
        assert expected in checks, expected
    assert all(f.recommendation for f in report.findings)
    fonts = [f for f in report.findings if f.check == "fonts"]
    assert "Helvetica" in fonts[0].message
    images = [f for f in report.findings if f.check == "images"][0]
    assert "72 ppi" in images.message and images.page == 1 and "600 x 600" in images.recommendation


def test_cli_exit_codes_and_output(good, bad, capsys):
    assert main(["preflight", str(good)]) == 0
    out = capsys.readouterr().out
    assert "preflight passed" in out and "opener" in out
    assert main(["preflight", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "preflight FAILED" in out and "not embedded" in out and "→" in out
    assert main(["preflight", str(bad.parent / "nope.pdf")]) == 2
    assert main(["preflight", str(good), "--trim", "5x8"]) == 1
    assert "not the 5 x 8 in asked for" in capsys.readouterr().out


def test_not_a_pdf_is_a_clear_error(tmp_path, capsys):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"hello")
    assert main(["preflight", str(junk)]) == 1
    assert "junk.pdf is not a PDF" in capsys.readouterr().err


def test_a_cut_short_pdf_is_one_clear_error_without_the_readers_log(good, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[:5000])
    done = subprocess.run([sys.executable, "-m", "chapterbook", "preflight", str(cut)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("error: cut.pdf is not a readable PDF") and "EOF marker" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_cover_is_checked_against_the_books_trim(tmp_path, capsys):
    story = load_story(make_story(tmp_path / "story"))  # 6x9
    cover = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 24).pdf
    assert main(["preflight", str(cover), "--trim", "6x9"]) == 0
    capsys.readouterr()
    assert main(["preflight", str(cover), "--trim", "5x8"]) == 1
    out = capsys.readouterr().out
    assert "for a 5 x 8 in book it must be 8 in tall and 10 in wide plus the spine" in out
