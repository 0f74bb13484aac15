"""No holes: on every text page of a chapter but its last, the text (or a picture) runs to the foot of the page.

Measured from the PDF: `pdftotext -bbox` gives where each word is, pypdf where each
picture was drawn; a page's empty part is what is left of its text block below the
lowest of them. Openers, full-page pictures and blank pages carry no folio and are
not text pages.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story, write_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REPO = Path(__file__).resolve().parent.parent
MOST_EMPTY = 0.2  # a fifth of the text block

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def _words(pdf: Path, boxes: bool = False) -> list[list[tuple]]:
    """Each page's words as (top, bottom, text) measured down from the top of the page; with `boxes`, (left, top, right, bottom, text)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pick = (1, 2, 3, 4) if boxes else (2, 4)
    return [[(*(float(m[i]) for i in pick), html.unescape(m[5])) for m in _WORD.finditer(body)] for _, _, body in _PAGE.findall(out)]


def _picture_bottoms(pdf: Path) -> list[list[float]]:
    """Each page's pictures' lower edges, measured down from the top of the page."""
    out = []
    for page in PdfReader(str(pdf)).pages:
        height = float(page.mediabox.height)
        bottoms: list[float] = []

        def visit(op, args, cm, tm, bottoms=bottoms, height=height):
            if op == b"Do":
                bottoms.append(height - min(cm[5], cm[5] + cm[3]))

        page.extract_text(visitor_operand_before=visit)
        out.append(bottoms)
    return out


def holes(story, result) -> dict[int, float]:
    """{page: share of its text block left empty} for every text page of a chapter that is not the chapter's last."""
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    words, pictures = _words(result.pdf), _picture_bottoms(result.pdf)
    page_h = geo.page_size[1]
    _, y, _, h = geo.text_block(True)
    top, bottom = page_h - (y + h), page_h - y
    starts = sorted(result.section_pages.values())
    found: dict[int, float] = {}
    for ci in range(len(story.spec.chapters)):
        first = result.section_pages[f"ch{ci + 1}"]
        end = min([p for p in starts if p > first], default=result.pages + 1)
        text_pages = [
            p
            for p in range(first, end)
            # a text page has its folio below the text block
            if any(t == str(p) and y0 > bottom for y0, _, t in words[p - 1])
        ]
        for p in text_pages[:-1]:
            marks = [y1 for y0, y1, _ in words[p - 1] if top - 2 <= y0 <= bottom] + [b for b in pictures[p - 1] if b <= bottom + 2]
            lowest = max(marks, default=top)
            found[p] = max(0.0, bottom - lowest) / (bottom - top)
    return found


def _render(path: Path, out: Path):
    story = load_story(path)
    return story, render_book(story, out / "book.pdf", out / ".cache")


def _assert_no_holes(story, result) -> None:
    found = holes(story, result)
    assert found, "no text pages were measured"
    bad = {p: f"{share:.0%}" for p, share in found.items() if share > MOST_EMPTY}
    assert not bad, f"pages with more than a fifth of the text block empty: {bad}"


@pytest.mark.parametrize("name", ["beach-ride-quest", "magnet-mystery"])
def test_sample_books_have_no_holes(tmp_path, name):
    _assert_no_holes(*_render(REPO / "stories" / name / "story.yaml", tmp_path / "out"))


AWKWARD = [
    "\n\n".join(
        [PARAGRAPH] * 3
        + ["[illustration: tall1]"]
        + [PARAGRAPH] * 2
        + ["[illustration: tall2]"]
        + [PARAGRAPH] * 4
        + ["[illustration: wide]"]
        + [PARAGRAPH] * 5
        + ["[illustration: spot1]"]
        + [PARAGRAPH] * 3
        + ["[illustration: bigpage]"]
        + [PARAGRAPH] * 6
        + ["[illustration: tall3]"]
        + [PARAGRAPH] * 7
    ),
    "\n\n".join([PARAGRAPH] * 9),
]

AWKWARD_ILLUSTRATIONS = """
    illustrations:
      - id: tall1
        brief: A tall thin tower.
        image: images/tall1.png
        placement: half
        caption: The tower of carts.
      - id: tall2
        brief: Another tall picture.
        image: images/tall2.png
        placement: half
      - id: wide
        brief: A very wide beach.
        image: images/wide.png
        placement: half
        caption: The whole beach, end to end.
      - id: spot1
        brief: A small shell.
        image: images/spot1.png
        placement: spot
      - id: bigpage
        brief: The whole beach from above.
        image: images/bigpage.png
        placement: full
        caption: From above.
      - id: tall3
        brief: A third tall picture.
        image: images/tall3.png
        placement: half
        caption: The last tall one.
"""


def awkward_story(root: Path) -> Path:
    """A story whose first chapter has tall half pictures, a spot, a full-page picture, at odd aspect ratios."""
    for name, size in {
        "tall1": (700, 1500),
        "tall2": (900, 1300),
        "wide": (2400, 700),
        "spot1": (800, 1100),
        "bigpage": (1500, 2300),
        "tall3": (650, 1400),
    }.items():
        write_image(root / "images" / f"{name}.png", size)
    return make_story(root, chapters=AWKWARD, illustrations=AWKWARD_ILLUSTRATIONS)


def test_awkward_pictures_leave_no_holes(tmp_path):
    _assert_no_holes(*_render(awkward_story(tmp_path / "awkward"), tmp_path / "out"))


def test_a_heading_near_a_page_foot_keeps_with_the_first_lines_of_a_long_paragraph(tmp_path):
    """A heading goes to the next page only when not even the first lines of the paragraph after it fit
    (as the orphan and widow rules allow): kept with all of an eight-line paragraph, it took the
    paragraph over and left a third of the page empty. The ten chapters put the heading at every
    height near a page's foot; no page ends with it."""
    long = " ".join([PARAGRAPH] * 2)
    chapters = ["\n\n".join(["Cassie ran to the cart."] * (k + 3) + [PARAGRAPH] * 5 + ["## The big push", long] + [PARAGRAPH] * 4) for k in range(10)]
    story, result = _render(make_story(tmp_path / "headed", chapters=chapters, illustrations=""), tmp_path / "out")
    _assert_no_holes(story, result)
    for page, words in enumerate(_words(result.pdf), 1):
        body = [w for w in words if w[1] - w[0] > 21]  # body lines and headings, not running heads or folios
        if body and body[-1][2] == "push" and any(w[2] == "big" and abs(w[1] - body[-1][1]) < 1 for w in body):
            raise AssertionError(f"page {page} ends with the heading")


def test_a_lists_last_item_never_opens_a_page_alone(tmp_path):
    """A six-item list after a heading, put at every height near a page's foot by eight chapters: where the
    list runs over a page, its last item does not go over alone (nor is its heading left at the foot)."""
    items = "\n".join(f"- Item {i}: push the cart and watch it roll slowly over the sand to the sea." for i in range(6))
    chapters = ["\n\n".join(["Cassie ran to the cart."] * (k + 3) + [PARAGRAPH] * 5 + ["## What you need", items, "* * *"] + [PARAGRAPH] * 5) for k in range(8)]
    story, result = _render(make_story(tmp_path / "listed", chapters=chapters, illustrations=""), tmp_path / "out")
    _assert_no_holes(story, result)
    pages = _words(result.pdf)
    numbers = [[w[2] for w in words if w[2] in {f"{i}:" for i in range(6)}] for words in pages]  # the items on each page
    for page, words in enumerate(pages, 1):
        assert not (numbers[page - 1] == ["5:"] and numbers[page - 2]), f"page {page} opens with the list's last item alone"
        body = [w for w in words if w[1] - w[0] > 21]
        assert not (body and body[-1][2] == "need"), f"page {page} ends with the heading"
