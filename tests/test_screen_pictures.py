"""Pictures in the preview at the proportions of the print book: a very tall picture set `half` (or as an
opener) is at most as tall as the print book lets it be (42% of the page there; here, three quarters of
the column's width), with its shape kept. Measured in Debian's chromium, through Playwright."""

from __future__ import annotations

import shutil

import pytest

from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story, write_image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")


def test_a_very_tall_picture_in_the_preview_is_no_taller_than_print_lets_it_be(tmp_path):
    from playwright.sync_api import sync_playwright

    root = tmp_path / "s"
    write_image(root / "images" / "tower.png", (700, 3600))
    write_image(root / "images" / "door.png", (800, 2400))
    ills = """
    illustrations:
      - id: door
        brief: A tall door.
        image: images/door.png
        placement: opener
      - id: tower
        brief: A tall bell tower.
        image: images/tower.png
        placement: half
        caption: The bells ring high up in the tower.
"""
    text = "\n\n".join([PARAGRAPH, "[illustration: tower]", PARAGRAPH])
    out = build(load_story(make_story(root, chapters=[text], illustrations=ills)), ["html"], tmp_path / "out").outputs
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.goto(out["preview"].as_uri())
            page.wait_for_load_state("load")
            for ident, shape in (("tower", 700 / 3600), ("door", 800 / 2400)):
                box = page.evaluate(
                    """(id) => {
                      const fig = document.getElementById(id);
                      const img = fig.querySelector('img').getBoundingClientRect();
                      return {w: img.width, h: img.height, column: fig.getBoundingClientRect().width};
                    }""",
                    f"ill-{ident}",
                )
                assert box["h"] <= 0.75 * box["column"], f"{ident}: {box['h']:.0f} px tall in a column {box['column']:.0f} px wide"
                assert box["w"] / box["h"] == pytest.approx(shape, rel=0.03), f"{ident}: its shape is not kept"
        finally:
            browser.close()
