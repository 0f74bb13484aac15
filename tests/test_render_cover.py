"""The wrap cover: sheet size from trim, spine and bleed; spine text from 79 pages; a clear barcode area."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from chapterbook.preflight import preflight
from chapterbook.render.cover import render_cover
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("cover") / "story"
    return load_story(make_story(root, illustrations="", extra_yaml="", layout="layout:\n  trim: 6x9\n  paper: cream\n"))


def test_sheet_is_back_spine_front_plus_bleed(story, tmp_path):
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 120)
    assert result.spine_in == pytest.approx(0.3)  # 120 pages x 0.0025 in (cream)
    page = PdfReader(result.pdf).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert w == pytest.approx((6 + 6 + 0.3 + 0.25) * 72) and h == pytest.approx((9 + 0.25) * 72)
    trim = [float(v) for v in page["/TrimBox"]]
    assert trim == pytest.approx([9, 9, w - 9, h - 9])
    report = preflight(result.pdf)
    assert report.kind == "cover" and report.ok, [f.format() for f in report.findings]


def _text(pdf: Path) -> str:
    return PdfReader(pdf).pages[0].extract_text()


def test_spine_text_only_from_79_pages(story, tmp_path):
    thin = render_cover(story, tmp_path / "thin.pdf", tmp_path / "cache", 78)
    thick = render_cover(story, tmp_path / "thick.pdf", tmp_path / "cache", 79)
    assert not thin.spine_text and thick.spine_text
    assert "·" not in _text(thin.pdf)
    assert "The Beach Cart  ·  Ada Writer" in _text(thick.pdf).replace("\n", "")


def test_barcode_area_is_clear_white(story, tmp_path):
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 100)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(result.pdf), str(tmp_path / "c")], check=True)
    with Image.open(next(tmp_path.glob("c*.png"))) as img:
        rgb = img.convert("RGB")
        scale = 30 / 72
        # back panel, 0.25 in from the trim at the spine side and the bottom: 2 x 1.2 in
        x1 = (9 + 6 * 72 - 0.25 * 72) * scale
        x0 = x1 - 2 * 72 * scale
        y_bottom = rgb.height - (9 + 0.25 * 72) * scale
        y_top = y_bottom - 1.2 * 72 * scale
        pixels = [rgb.getpixel((int(x), int(y))) for x in range(int(x0) + 2, int(x1) - 2, 3) for y in range(int(y_top) + 2, int(y_bottom) - 2, 3)]
        assert pixels and all(min(p) >= 250 for p in pixels)
        # and the back around it is not white (so the box is really there)
        assert min(rgb.getpixel((int(x0) - 10, int(y_top) - 10))) < 250


def test_cover_art_fills_the_front_at_300_ppi(tmp_path):
    root = tmp_path / "story"
    make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (1700, 2500))
    story = load_story(root / "story.yaml")
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 40)
    rows = [r.split() for r in subprocess.run(["pdfimages", "-list", str(result.pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]]
    assert len(rows) == 1 and rows[0][12] == "300" and rows[0][13] == "300"
    assert not result.warnings  # 1700 x 2500 covers 5.125 x 8.25 in at 300 ppi


def test_unchanged_cover_art_is_not_hashed_again_on_a_rebuild(tmp_path, monkeypatch):
    from chapterbook import output
    from chapterbook.output import HashMemo
    from chapterbook.render import images

    monkeypatch.setattr(HashMemo, "RACY_SECONDS", 0.0)  # the art was written a moment ago
    root = tmp_path / "story"
    make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (1700, 2500))
    story = load_story(root / "story.yaml")
    first = render_cover(story, tmp_path / "a.pdf", tmp_path / "cache", 40).pdf.read_bytes()
    hashed = []
    real = output.sha256_file
    for module in (output, images):  # the memo's hashing, and a direct one
        monkeypatch.setattr(module, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    again = render_cover(story, tmp_path / "b.pdf", tmp_path / "cache", 40).pdf.read_bytes()
    assert hashed == [] and again == first
