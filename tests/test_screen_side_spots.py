"""Side spots on screens: in the preview and the ebook, as in print, the text after a spot with a side
wraps beside it, until a heading. Checked in Debian's chromium (through Playwright), where the boxes
of the picture and of the paragraphs are measured."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")


@contextmanager
def _screens(story: Path, tmp_path: Path, formats: tuple[str, ...] = ("html", "epub")) -> Iterator[tuple[Any, list[str]]]:
    """(a chromium page 1000 px wide, the URLs to open in it): the story built, its preview and (with "epub")
    its ebook's first chapter, unzipped; the browser is closed afterwards."""
    from playwright.sync_api import sync_playwright

    out = build(load_story(story), list(formats), tmp_path / "out").outputs
    urls = [out["preview"].as_uri()]
    if "epub" in formats:
        with zipfile.ZipFile(out["epub"]) as z:
            z.extractall(tmp_path / "epub")
        urls.append(next((tmp_path / "epub").rglob("chapter-01.xhtml")).as_uri())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
        try:
            yield browser.new_page(viewport={"width": 1000, "height": 1400}), urls
        finally:
            browser.close()


def _story(root: Path) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (900, 700), (90, 170, 220)).save(root / "images" / "shell.png")
    Image.new("RGB", (600, 1200), (220, 170, 90)).save(root / "images" / "tower.png")
    ill = """
    illustrations:
      - id: shell
        brief: A shell on the sand.
        image: images/shell.png
        placement: spot
        side: left
        caption: A shell.
      - id: tower
        brief: A sand tower.
        image: images/tower.png
        placement: spot
        side: right
"""
    text = "\n\n".join(["Before the shell.", "[illustration: shell]", PARAGRAPH, "## Next", PARAGRAPH, "[illustration: tower]", PARAGRAPH, PARAGRAPH])
    return make_story(root, chapters=[text], illustrations=ill)


_MEASURE = """(id) => {
  const fig = document.getElementById(id).getBoundingClientRect();
  let next = document.getElementById(id).nextElementSibling;
  while (next && next.tagName.toLowerCase() !== 'p') next = next.nextElementSibling;
  const range = document.createRange();
  range.selectNodeContents(next);
  const first = range.getClientRects()[0];
  return {fig: [fig.left, fig.top, fig.right, fig.bottom], line: [first.left, first.top, first.right, first.bottom]};
}"""


def _beside(page, ident: str, side: str) -> None:
    box = page.evaluate(_MEASURE, f"ill-{ident}")
    (fl, _, fr, fb), (ll, lt, lr, _) = box["fig"], box["line"]
    assert lt < fb, f"{ident}: the text after it starts under it, not beside it"
    if side == "left":
        assert ll >= fr, f"{ident}: the first line runs into the picture"
    else:
        assert lr <= fl, f"{ident}: the first line runs into the picture"


def test_the_text_wraps_beside_side_spots_in_the_preview_and_the_ebook(tmp_path):
    with _screens(_story(tmp_path / "s"), tmp_path) as (page, urls):
        for url in urls:
            page.goto(url)
            page.wait_for_load_state("load")
            _beside(page, "shell", "left")
            _beside(page, "tower", "right")
            # A heading ends the wrap, as in print: it starts under the picture.
            heading = page.evaluate("() => [...document.querySelectorAll('h2, h3')].find(h => h.textContent.trim() === 'Next').getBoundingClientRect().top")
            shell_bottom = page.evaluate("() => document.getElementById('ill-shell').getBoundingClientRect().bottom")
            assert heading >= shell_bottom, url


def _lone_story(root: Path) -> Path:
    """Side spots with nothing to wrap (a heading, a scene break, another picture, the chapter's end after
    them) and one with text after it."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    ills = "\n    illustrations:\n"
    for k, ident in enumerate(["by-heading", "by-break", "by-picture", "next", "at-end", "wrapped"]):
        Image.new("RGB", (900, 700), (90, 170, 40 * k)).save(root / "images" / f"{ident}.png")
        ills += f"""      - id: {ident}
        brief: A picture.
        image: images/{ident}.png
        placement: spot
        side: {"left" if k % 2 else "right"}
"""
    text = [PARAGRAPH, "[illustration: by-heading]", "## A part", PARAGRAPH, "[illustration: by-break]", "* * *", PARAGRAPH]
    text += ["[illustration: by-picture]", "[illustration: next]", PARAGRAPH, "[illustration: wrapped]", PARAGRAPH, PARAGRAPH, "## The end", PARAGRAPH]
    text += ["[illustration: at-end]"]
    return make_story(root, chapters=["\n\n".join(text)], illustrations=ills)


LONE = ["by-heading", "by-break", "by-picture", "at-end"]


def test_a_side_spot_with_nothing_to_wrap_is_centred_in_the_preview_and_the_ebook_as_in_print(tmp_path):
    """The print book centres a side spot with no text after it to run beside it (chapterbook.book decides
    it, for every format): the preview and the ebook set it centred too, with no float beside it."""
    with _screens(_lone_story(tmp_path / "s"), tmp_path) as (page, urls):
        for url in urls:
            page.goto(url)
            page.wait_for_load_state("load")
            for ident in LONE:
                box = page.evaluate(
                    """(id) => {
                      const fig = document.getElementById(id);
                      const col = fig.parentElement.getBoundingClientRect();
                      const img = fig.querySelector('img').getBoundingClientRect();
                      return {float: getComputedStyle(fig).float, img: [img.left, img.right], col: [col.left, col.right]};
                    }""",
                    f"ill-{ident}",
                )
                assert box["float"] == "none", f"{url}: '{ident}' floats to the {box['float']} with nothing beside it"
                (il, ir), (cl, cr) = box["img"], box["col"]
                assert abs((il + ir) / 2 - (cl + cr) / 2) < 2.0, f"{url}: '{ident}' is not centred"
            _beside(page, "next", "left")
            _beside(page, "wrapped", "left")


def test_a_side_spots_caption_is_balanced_in_the_preview_and_the_ebook_as_in_print(tmp_path):
    """A caption that wraps under a side spot is set in lines of about the same length (CSS text-wrap:
    balance), as the print book sets it: no word left alone on its last line."""
    root = tmp_path / "s"
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1100, 1500), (200, 220, 160)).save(root / "images" / "vane.png")
    ills = """
    illustrations:
      - id: vane
        brief: A weather vane.
        image: images/vane.png
        placement: spot
        side: left
        caption: The arrow points where the wind comes from.
"""
    path = make_story(root, chapters=["\n\n".join([PARAGRAPH, "[illustration: vane]", PARAGRAPH, PARAGRAPH])], illustrations=ills)
    with _screens(path, tmp_path) as (page, (preview, chapter)):
        # the ebook at the widths of phones and small tablets, where its caption wraps
        for url, width in [(preview, 1000)] + [(chapter, w) for w in range(400, 720, 40)]:
            page.set_viewport_size({"width": width, "height": 1400})
            page.goto(url)
            page.wait_for_load_state("load")
            lines = page.evaluate(
                """() => {
                  const range = document.createRange();
                  range.selectNodeContents(document.querySelector('#ill-vane figcaption'));
                  const rows = {};
                  for (const r of range.getClientRects()) {
                    const key = Math.round(r.bottom);
                    rows[key] = [Math.min(r.left, (rows[key] || [1e9])[0]), Math.max(r.right, (rows[key] || [0, -1e9])[1])];
                  }
                  return Object.keys(rows).sort((a, b) => a - b).map(k => rows[k][1] - rows[k][0]);
                }"""
            )
            if len(lines) < 2 and width != 1000:
                continue  # it fits on one line at this width
            assert len(lines) >= 2, f"{url}: the caption fits on one line here, nothing to balance: {lines}"
            assert lines[-1] >= 0.5 * lines[0], f"{url}: its last line is {lines[-1]:.0f} px under a {lines[0]:.0f} px line"


def test_a_caption_under_a_tall_narrow_side_spot_takes_the_width_it_needs_in_the_preview(tmp_path):
    """As in print: under a picture five times as tall as it is wide, its caption is not squeezed to the
    picture's width (a word a line) but set as wide as it needs, up to a side spot's widest, in two lines
    at most; the picture is centred over it."""
    root = tmp_path / "s"
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (700, 3600), (120, 150, 220)).save(root / "images" / "drop.png")
    ills = """
    illustrations:
      - id: drop
        brief: A raindrop.
        image: images/drop.png
        placement: spot
        side: left
        caption: A raindrop is not shaped like a tear.
"""
    path = make_story(root, chapters=["\n\n".join([PARAGRAPH, "[illustration: drop]", PARAGRAPH, PARAGRAPH])], illustrations=ills)
    with _screens(path, tmp_path, ("html",)) as (page, (preview,)):
        page.goto(preview)
        page.wait_for_load_state("load")
        box = page.evaluate(
            """() => {
              const fig = document.getElementById('ill-drop');
              const range = document.createRange();
              range.selectNodeContents(fig.querySelector('figcaption'));
              const rows = new Set([...range.getClientRects()].map(r => Math.round(r.bottom)));
              const img = fig.querySelector('img').getBoundingClientRect();
              const cap = fig.querySelector('figcaption').getBoundingClientRect();
              return {rows: rows.size, img: [img.left, img.right], cap: [cap.left, cap.right]};
            }"""
        )
        assert box["rows"] <= 2, f"the caption takes {box['rows']} lines"
        (il, ir), (cl, cr) = box["img"], box["cap"]
        assert abs((il + ir) / 2 - (cl + cr) / 2) < 2.0, "the picture is not centred over its caption"
        _beside(page, "drop", "left")
