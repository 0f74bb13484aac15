"""Leftovers of the design review on screens: tall pictures capped in the ebook as in the preview, and
transparent pictures that show the page under them instead of a white box. Checked in Debian's chromium
(through Playwright), where the pictures' boxes and pixels are measured, and with EPUBCheck."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
JAVA = shutil.which("java")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")


@contextmanager
def _browser() -> Iterator[Any]:
    """A chromium page 1000 x 1400 px, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
        try:
            yield browser.new_page(viewport={"width": 1000, "height": 1400})
        finally:
            browser.close()


def _built(story: Path, out: Path, formats: list[str]) -> dict[str, Path]:
    """The story built into `out`, its ebook (when made) unzipped into out/unzipped."""
    outputs = build(load_story(story), formats, out).outputs
    if "epub" in outputs:
        with zipfile.ZipFile(outputs["epub"]) as z:
            z.extractall(out / "unzipped")
    return outputs


# --- tall pictures: capped in the ebook as in the preview --------------------------------------------


def _tall_story(root: Path) -> Path:
    """A 700 x 3600 picture as a chapter opener, as a half-page picture and as a spot, and a half-page diagram."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    for name, colour in (("opener", (200, 90, 60)), ("tall", (60, 90, 200)), ("spot", (60, 160, 90))):
        Image.new("RGB", (700, 3600), colour).save(root / "images" / f"{name}.png")
    ill = """
    illustrations:
      - id: opener
        brief: A lighthouse, very tall and thin.
        image: images/opener.png
        placement: opener
      - id: tall
        brief: A rocket standing on its pad.
        image: images/tall.png
        placement: half
      - id: spot
        brief: A tall thin bottle of water.
        image: images/spot.png
        placement: spot
      - id: arrows
        brief: Forces on the rocket.
        placement: half
        diagram: {kind: force_arrows, object: rocket, labels: [thrust, weight]}
"""
    text = "\n\n".join([PARAGRAPH, "[illustration: tall]", PARAGRAPH, "[illustration: spot]", PARAGRAPH, "[illustration: arrows]", PARAGRAPH])
    return make_story(root, chapters=[text], illustrations=ill)


_HEIGHTS = """() => Object.fromEntries([...document.querySelectorAll('figure')].map(f => {
  const img = f.querySelector('img');
  if (!img) return [f.id, null];
  const box = img.getBoundingClientRect();
  return [f.id, {em: box.height / parseFloat(getComputedStyle(img).fontSize), ratio: box.width / box.height, height: box.height}];
}))"""


@needs_chromium
def test_tall_half_opener_and_spot_pictures_are_capped_in_the_ebook_as_in_the_preview(tmp_path):
    out = _built(_tall_story(tmp_path / "s"), tmp_path / "out", ["html", "epub"])
    chapter = tmp_path / "out" / "unzipped" / "EPUB" / "chapter-01.xhtml"
    with _browser() as page:
        seen = {}
        for name, url in (("preview", out["preview"].as_uri()), ("ebook", chapter.as_uri())):
            page.goto(url)
            page.wait_for_load_state("load")
            seen[name] = page.evaluate(_HEIGHTS)
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    for ident in ("ill-opener", "ill-tall", "ill-spot"):
        preview, ebook = seen["preview"][ident], seen["ebook"][ident]
        # Capped at the same height in the reader's own type size (em), the picture's shape kept.
        assert ebook["em"] == pytest.approx(preview["em"], abs=0.05), (ident, seen)
        assert ebook["em"] <= 20.01 and ebook["ratio"] == pytest.approx(700 / 3600, rel=0.02), (ident, ebook)
    assert seen["ebook"]["ill-spot"]["em"] < seen["ebook"]["ill-tall"]["em"]  # a spot's cap is lower, as in print
    # A diagram keeps its own shape and width: it is not a picture to cap (the ebook marks it as the preview does).
    diagram = seen["ebook"]["ill-arrows"]
    assert diagram["ratio"] == pytest.approx(432 / 288, rel=0.02) and diagram["em"] > 20, diagram
    css = (tmp_path / "out" / "unzipped" / "EPUB" / "css" / "book.css").read_text()
    assert css.count("max-height: 20em") == 1, "the cap comes from the one stylesheet the preview uses too"


@pytest.mark.skipif(JAVA is None, reason="EPUBCheck needs Java")
def test_the_capped_ebook_passes_epubcheck(tmp_path, cli):
    out = _built(_tall_story(tmp_path / "s"), tmp_path / "out", ["epub"])
    result = cli("preflight", str(out["epub"]))
    assert result.code == 0 and "0 errors, 0 warnings" in result.out, result.text


# --- transparent pictures: the page shows through, on screens; print still sets them on white ---------

PAGE = (0xFF, 0xFD, 0xF7)  # the preview's page colour (templates/html/preview.css: article's background)


def _alpha_story(root: Path, paper: str) -> Path:
    """A PNG with a transparent background and an opaque red disc, half-page; `paper` color or white."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    img = Image.new("RGBA", (800, 600), (0, 0, 0, 0))  # transparent black: flattening it wrongly shows black
    ImageDraw.Draw(img).ellipse((250, 150, 550, 450), fill=(220, 30, 30, 255))
    img.save(root / "images" / "ball.png")
    ill = """
    illustrations:
      - id: ball
        brief: A red ball with nothing around it.
        image: images/ball.png
        placement: half
"""
    text = "\n\n".join([PARAGRAPH, "[illustration: ball]", PARAGRAPH])
    return make_story(root, chapters=[text], illustrations=ill, layout=f"layout:\n  paper: {paper}\n")


def _corner_and_centre(img: Image.Image) -> tuple[tuple, tuple]:
    rgba = img.convert("RGBA")
    return rgba.getpixel((2, 2)), rgba.getpixel((rgba.width // 2, rgba.height // 2))


@pytest.mark.parametrize("paper", ["color", "white"])
def test_a_transparent_picture_keeps_its_transparency_in_the_preview_and_the_ebook(tmp_path, paper):
    out = _built(_alpha_story(tmp_path / "s", paper), tmp_path / "out", ["html", "epub"])
    html = out["preview"].read_text(encoding="utf-8")
    uri = re.search(r'<figure[^>]*id="ill-ball".*?<img src="data:(image/[a-z]+);base64,([^"]+)"', html, re.DOTALL)
    assert uri is not None and uri[1] == "image/png", "a picture with alpha stays a PNG with alpha"
    preview = Image.open(io.BytesIO(b64decode(uri[2])))
    assert preview.mode == ("RGBA" if paper == "color" else "LA"), preview.mode  # a black-and-white book's preview is grey
    corner, centre = _corner_and_centre(preview)
    assert corner[3] == 0 and centre[3] == 255, (corner, centre)
    with zipfile.ZipFile(out["epub"]) as z:
        ebook = Image.open(io.BytesIO(z.read("EPUB/images/ball.png")))
        opf = z.read("EPUB/package.opf").decode()
        chapter = z.read("EPUB/chapter-01.xhtml").decode()
    assert ebook.mode == "RGBA", ebook.mode  # the ebook is in colour, whatever the paper
    corner, centre = _corner_and_centre(ebook)
    assert corner[3] == 0 and centre[:3] == (220, 30, 30) and centre[3] == 255, (corner, centre)
    assert 'href="images/ball.png" media-type="image/png"' in opf and 'src="images/ball.png"' in chapter


@needs_chromium
def test_a_transparent_picture_shows_the_page_colour_not_a_white_box(tmp_path):
    out = _built(_alpha_story(tmp_path / "s", "color"), tmp_path / "out", ["html", "epub"])
    chapter = tmp_path / "out" / "unzipped" / "EPUB" / "chapter-01.xhtml"
    with _browser() as page:
        page.goto(out["preview"].as_uri())
        page.wait_for_load_state("load")
        corner = _pixel_at_picture_corner(page, tmp_path / "preview.png")
        assert corner == PAGE, f"the preview's page is {PAGE}, the picture's transparent corner shows {corner}"
        # A reader sets its own page colour (sepia, night): the ebook's picture shows that one.
        page.goto(chapter.as_uri())
        page.wait_for_load_state("load")
        page.add_style_tag(content="html, body { background: rgb(40, 44, 52) !important; }")
        corner = _pixel_at_picture_corner(page, tmp_path / "ebook.png")
        assert corner == (40, 44, 52), corner


def _pixel_at_picture_corner(page, shot: Path) -> tuple:
    """The colour the page shows just inside the top-left corner of the ball picture."""
    page.evaluate("() => document.getElementById('ill-ball').scrollIntoView()")
    box = page.evaluate("() => { const r = document.querySelector('#ill-ball img').getBoundingClientRect(); return [r.left, r.top]; }")
    page.screenshot(path=str(shot))
    return Image.open(shot).convert("RGB").getpixel((round(box[0]) + 6, round(box[1]) + 6))


def test_print_still_sets_a_transparent_picture_on_white(tmp_path):
    out = _built(_alpha_story(tmp_path / "s", "color"), tmp_path / "out", ["pdf"])
    rows = subprocess.run(["pdfimages", "-list", str(out["pdf"])], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows and all(row.split()[2] == "image" and row.split()[8] == "jpeg" for row in rows), rows  # no soft mask, a JPEG
    subprocess.run(["pdfimages", "-j", str(out["pdf"]), str(tmp_path / "img")], check=True)
    corner, centre = _corner_and_centre(Image.open(next(tmp_path.glob("img-*.jpg"))))
    assert min(corner[:3]) >= 250 and centre[0] > 180 > centre[1], (corner, centre)  # paper is white


@needs_chromium
def test_names_drawn_over_a_transparent_picture_show_the_diagram_panel_through_it(tmp_path):
    """A labelled-parts diagram over the illustration's own picture is one SVG on screens (render.epub.assets):
    the picture's transparent areas show the diagram's panel there too, not the black that the colour
    values under full transparency hold (drawn without the alpha, they made a black box)."""
    root = tmp_path / "s"
    story = _alpha_story(root, "color")
    story.write_text(
        story.read_text().replace(
            "        placement: half\n",
            "        placement: half\n        diagram:\n          kind: labelled_parts\n          items: [{label: red ball, x: 0.5, y: 0.5}]\n",
            1,
        )
    )
    out = _built(story, tmp_path / "out", ["html", "epub"])
    chapter = tmp_path / "out" / "unzipped" / "EPUB" / "chapter-01.xhtml"
    with _browser() as page:
        for name, url in (("preview", out["preview"].as_uri()), ("ebook", chapter.as_uri())):
            page.goto(url)
            page.wait_for_load_state("load")
            page.evaluate("() => document.getElementById('ill-ball').scrollIntoView()")
            box = page.evaluate(
                "() => { const r = document.querySelector('#ill-ball img').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
            )
            page.screenshot(path=str(tmp_path / f"{name}.png"))
            shot = Image.open(tmp_path / f"{name}.png").convert("L").crop(tuple(round(v) for v in box))
            dark = sum(shot.histogram()[:40]) / (shot.width * shot.height)
            assert dark < 0.03, f"{name}: {dark:.0%} of the diagram is black"
