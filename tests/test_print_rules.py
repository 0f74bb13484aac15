"""The print rules table (print_rules.py): its own consistency, that every stage reads it, and the margins
as they come out on a built page (measured with pdftotext -bbox)."""

from __future__ import annotations

import re
import subprocess

import pytest

from chapterbook import print_rules
from chapterbook.preflight import MAX_PAGES, MAX_SPINE_IN, MIN_PAGES
from chapterbook.print_rules import (
    GUTTER_TABLE,
    OUTSIDE_IN,
    PAPER_THICKNESS_IN,
    SHIPPED_FONTS,
    TRIM_PRESETS,
    inside_inches,
)
from chapterbook.render.pdf import render_book
from chapterbook.scaffold import new_story
from chapterbook.spec.lint import shipped_fonts
from chapterbook.spec.load import load_story
from chapterbook.spec.models import Layout, Paper
from render_fixtures import make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("row", GUTTER_TABLE, ids=lambda r: f"up-to-{r[0]}")
def test_every_inside_margin_is_at_least_kdps_gutter_and_the_outside_margin(row):
    _, kdp, inside = row
    assert inside >= kdp
    assert inside >= OUTSIDE_IN


def test_the_gutter_table_grows_with_page_count_and_ends_at_the_page_limit():
    pages = [r[0] for r in GUTTER_TABLE]
    assert pages == sorted(pages) and pages[-1] == print_rules.MAX_PAGES
    for column in (1, 2):
        values = [r[column] for r in GUTTER_TABLE]
        assert values == sorted(values) and len(set(values)) == len(values)


def test_every_paper_a_spec_can_name_has_a_thickness():
    assert {p.value for p in Paper} == set(PAPER_THICKNESS_IN)


def test_preflight_and_the_spec_read_the_same_rules():
    assert (MIN_PAGES, MAX_PAGES) == (print_rules.MIN_PAGES, print_rules.MAX_PAGES)
    assert MAX_SPINE_IN == pytest.approx(828 * 0.0025 + 0.06)  # the thickest paperback: cream, with room
    for name, size in TRIM_PRESETS.items():
        assert Layout(trim=name).trim_inches() == size
    with pytest.raises(ValueError, match="4-8.5 in wide"):
        Layout(trim="9x12")


def test_one_list_of_shipped_fonts_and_every_face_ships():
    assert shipped_fonts() == sorted(SHIPPED_FONTS)
    for faces in SHIPPED_FONTS.values():
        assert set(faces) == {"regular", "bold", "italic", "bolditalic"}
        for file in faces.values():
            assert (print_rules.FONT_DIR / file).is_file()


def test_the_new_scaffold_lists_every_preset_paper_and_font(tmp_path):
    text = new_story(tmp_path / "book").read_text(encoding="utf-8")
    trim_line = next(line for line in text.splitlines() if line.strip().startswith("trim:"))
    assert all(name in trim_line for name in TRIM_PRESETS)
    paper_line = next(line for line in text.splitlines() if line.strip().startswith("paper:"))
    assert all(name in paper_line for name in PAPER_THICKNESS_IN)
    assert all(name in text for name in SHIPPED_FONTS)


def _left_edges(pdf, page: int) -> float:
    """The smallest x of any word on `page`, in points from the left of the sheet (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return min(float(x) for x in re.findall(r'<word xMin="([\d.]+)"', html))


def test_on_a_built_book_the_inside_margin_is_wider_than_the_outside_one(tmp_path):
    story = load_story(make_story(tmp_path / "story"))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    assert result.inside_in == inside_inches(result.pages) and result.inside_in > OUTSIDE_IN
    # Pages 12 and 13 are running text of chapter 1 (its opener is page 9): a verso, then a recto.
    # A recto's spine is on its left, at x = 0 (no bleed there); a verso's trim starts after 9 pt of bleed.
    verso_left = _left_edges(result.pdf, 12) - 9.0  # the outside margin
    recto_left = _left_edges(result.pdf, 13)  # the inside margin
    assert verso_left == pytest.approx(OUTSIDE_IN * 72, abs=1.0)
    assert recto_left == pytest.approx(result.inside_in * 72, abs=1.0)
    assert recto_left > verso_left
