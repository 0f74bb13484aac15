"""Optional pages from the spec: a dedication in the front, about the author and illustrator and the series at the back."""

from __future__ import annotations

import re
import subprocess

import pytest

from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story


def _pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def test_each_optional_page_prints_only_when_given(tmp_path):
    plain = render_book(load_story(make_story(tmp_path / "a", illustrations="")), tmp_path / "a.pdf", tmp_path / "cache")
    text = "\n".join(_pages(plain.pdf))
    assert "About the Author" not in text and "Also in" not in text and "For Maya" not in text

    path = make_story(tmp_path / "b", illustrations="")
    source = path.read_text().replace(
        "  illustrator: Ivy Drawer\n", "  illustrator: Ivy Drawer\n  series: Curious Kids\n  dedication: For Maya, who asks why.\n"
    )
    source = source.replace(
        "back_matter:\n",
        "back_matter:\n  about_the_author: Ada Writer taught science for ten years.\n"
        "  about_the_illustrator: Ivy Drawer paints with watercolours.\n"
        "  also_in_series: [The Magnet Mystery, The Ice Castle]\n",
    )
    path.write_text(source)
    result = render_book(load_story(path), tmp_path / "b.pdf", tmp_path / "cache")
    pages = _pages(result.pdf)
    dedication = next(i for i, p in enumerate(pages) if "For Maya, who asks why." in p)
    copyright_page = next(i for i, p in enumerate(pages) if "All rights reserved" in p)
    contents = next(i for i, p in enumerate(pages) if p.strip().startswith("Contents"))
    assert copyright_page < dedication < contents and pages[dedication].split() == "For Maya, who asks why.".split()
    # Words joined by single spaces: a long title may wrap onto two lines of the narrower text column.
    back = " ".join("\n".join(pages[contents + 1 :]).split())
    for title, body in [
        ("About the Author", "taught science"),
        ("About the Illustrator", "paints with watercolours"),
        ("Also in the Curious Kids Series", "The Ice Castle"),
    ]:
        assert title in pages[contents] and title in back and body in back, title  # listed in the contents too


def test_short_about_and_series_pages_share_a_page_and_a_long_one_starts_its_own(tmp_path):
    """About the Author, About the Illustrator and Also in This Series are a few lines each: set one after
    another on a page, as a designer sets them, not three pages of white with a line on each. One that
    does not fit whole where it falls starts a page of its own; the contents give each one's page."""
    path = make_story(tmp_path / "short", illustrations="")
    path.write_text(
        path.read_text().replace(
            "back_matter:\n",
            "back_matter:\n  about_the_author: Ada Writer taught science for ten years.\n"
            "  about_the_illustrator: Ivy Drawer paints with watercolours.\n"
            "  also_in_series: [The Magnet Mystery, The Ice Castle]\n",
        )
    )
    result = render_book(load_story(path), tmp_path / "short.pdf", tmp_path / "cache")
    pages = _pages(result.pdf)
    at = result.section_pages
    assert at["about_author"] == at["about_illustrator"] == at["series"], at
    page = " ".join(pages[at["about_author"] - 1].split())
    assert page.index("About the Author") < page.index("About the Illustrator") < page.index("Also in This Series")

    long_bio = "\\n\\n".join(["Ivy Drawer paints with watercolours in a little room above a bakery, every morning."] * 8)
    path = make_story(tmp_path / "long", illustrations="")
    path.write_text(
        path.read_text().replace(
            "back_matter:\n",
            f'back_matter:\n  about_the_author: Ada Writer taught science for ten years.\n  about_the_illustrator: "{long_bio}"\n',
        )
    )
    result = render_book(load_story(path), tmp_path / "long.pdf", tmp_path / "cache")
    at = result.section_pages
    assert at["about_illustrator"] == at["about_author"] + 1, at
    text = " ".join(_pages(result.pdf)[at["about_illustrator"] - 1].split())
    assert text.startswith("About the Illustrator") and text.count("above a bakery") == 8
    # its title at the top of its page where every section's title is
    tops = [_first_word_top(result.pdf, at[key]) for key in ("glossary", "about_author", "about_illustrator")]
    assert tops[2] == pytest.approx(tops[0], abs=0.5) and tops[1] == pytest.approx(tops[0], abs=0.5), tops


def _first_word_top(pdf, page: int) -> float:
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return float(re.search(r'<word xMin="[\d.]+" yMin="([\d.]+)"', out).group(1))
