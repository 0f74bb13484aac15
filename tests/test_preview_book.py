"""The preview looks like the book: the book's font embedded (a subset covering the page), diagrams drawn as
the print draws them (SVG), the back matter in the print book's order, portraits on Meet the Scientist.

And the book view behind it decides the front and back sections, the glossary and the scientists once.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from chapterbook.book import book_view
from chapterbook.manuscript import render_manuscript, render_preview, shown_text
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "stories" / "beach-ride-quest" / "story.yaml"


def _full_story(root: Path, portrait: bool = True) -> Path:
    """The fixture book with every optional page, a second definition of a term and a portrait."""
    path = make_story(root)
    text = path.read_text()
    text = text.replace("  illustrator: Ivy Drawer\n", "  illustrator: Ivy Drawer\n  series: Curious Kids\n  dedication: For Maya, who asks *why*.\n")
    text = text.replace(
        "    bio: Isaac Newton wondered why things move.\n", "    bio: Isaac Newton wondered why things move.\n    portrait: images/newton.png\n"
    )
    text = text.replace(
        "back_matter:\n",
        "back_matter:\n  about_the_author: Ada Writer taught science for ten years.\n"
        "  about_the_illustrator: Ivy Drawer paints with watercolours.\n"
        "  also_in_series: [The Magnet Mystery, The Ice Castle]\n",
    )
    path.write_text(text)
    if portrait:
        write_image(root / "images" / "newton.png", (600, 800))
    return path


def _back_titles_of_preview(html: str) -> list[str]:
    return re.findall(r'<section class="back [\w-]+" id="[\w-]+">\s*<h2>([^<]+)</h2>', html)


def _faces(html: str) -> dict[tuple[str, str], TTFont]:
    faces = {}
    for style, weight, data in re.findall(
        r'@font-face \{ font-family: "BookFont"; font-style: (\w+); font-weight: (\w+); src: url\(data:font/ttf;base64,([^)]+)\)', html
    ):
        faces[(style, weight)] = TTFont(io.BytesIO(base64.b64decode(data)))
    return faces


@pytest.fixture(scope="module")
def sample_preview(tmp_path_factory) -> str:
    cache = tmp_path_factory.mktemp("preview") / ".cache" / "images"
    return render_preview(load_story(SAMPLE), cache)


def test_the_book_font_is_embedded_as_a_subset_that_covers_the_page(sample_preview):
    faces = _faces(sample_preview)
    assert set(faces) == {("normal", "normal"), ("normal", "bold"), ("italic", "normal"), ("italic", "bold")}
    shown = {c for c in shown_text(sample_preview) if not c.isspace()}
    assert {"“", "’", "—"} & shown, "the sample's text has typographer's punctuation to cover"
    for key, font in faces.items():
        cmap = font.getBestCmap()
        missing = sorted(c for c in shown if ord(c) not in cmap)
        assert not missing, f"{key} lacks {missing}"
        assert len(cmap) < 400, f"{key} is a subset, not the whole font ({len(cmap)} characters)"
    assert 'font-family: "BookFont"' in sample_preview.split("</style>")[0].split("@font-face")[-1]  # the page uses it


def test_every_diagram_is_drawn_as_svg(sample_preview):
    story = load_story(SAMPLE)
    diagrams = [ill.id for ch in story.spec.chapters for ill in ch.illustrations if ill.diagram is not None and not ill.image]
    assert diagrams, "the sample has diagrams"
    for ident in diagrams:
        m = re.search(rf'<figure class="[^"]*" id="ill-{re.escape(ident)}">\s*<img src="data:image/svg\+xml;base64,([^"]+)"', sample_preview)
        assert m, f"diagram {ident} is not drawn"
        svg = base64.b64decode(m.group(1)).decode("utf-8")
        assert "<svg" in svg and "<path" in svg  # drawn shapes and glyph outlines, not an empty box
    assert 'class="tag diagram"' not in sample_preview  # no diagram left as a described box


def test_back_matter_is_in_the_pdf_contents_order_in_preview_and_manuscript(tmp_path):
    story = load_story(_full_story(tmp_path / "book"))
    pdf = render_book(story, tmp_path / "book.pdf", tmp_path / "cache").pdf
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    contents = next(p for p in pages if p.strip().startswith("Contents"))
    lines = [re.sub(r"[\s.]*\d+$", "", ln.strip()) for ln in contents.splitlines()[1:] if ln.strip()]
    pdf_back = [ln for ln in lines if not re.match(r"\d+\. ", ln)]
    assert pdf_back == [
        "Glossary", "Meet the Scientist", "Try It!", "Think About It", "A Note for Grown-ups",
        "About the Author", "About the Illustrator", "Also in the Curious Kids Series",
    ]  # fmt: skip
    assert [s.title for s in book_view(story).back] == pdf_back

    html = render_preview(story, tmp_path / "out" / ".cache" / "images")
    assert _back_titles_of_preview(html) == pdf_back
    # Activities and questions are at the back, as in print, not after each chapter.
    chapters = re.findall(r'<article class="chapter".*?</article>', html, flags=re.DOTALL)
    assert chapters and not any("Roll a can" in ch or "Why did the cart" in ch for ch in chapters)
    back = html.split('<section class="back activities"')[1]
    assert "Roll a can" in back and "Keep fingers clear." in back and "Why did the cart start to roll?" in back
    # The dedication comes before the contents, the optional pages carry their text.
    assert html.index("For Maya, who asks <em>why</em>.") < html.index('<nav class="contents">')
    for text in ("taught science for ten years", "paints with watercolours", "<li>The Ice Castle</li>"):
        assert text in html

    md = render_manuscript(story)
    last_chapter = [m.start() for m in re.finditer(r"^## Chapter \d+: ", md, flags=re.MULTILINE)][-1]
    assert re.findall(r"^## (.+)$", md[last_chapter:], flags=re.MULTILINE)[1:] == pdf_back
    assert md.index("*For Maya, who asks *why*.*") < md.index("## Contents")
    assert "### Chapter 1: Chapter 1 title" in md and "1. Put the can on the ramp." in md


def test_meet_the_scientist_shows_the_portrait_or_a_placeholder_with_its_brief(tmp_path):
    story = load_story(_full_story(tmp_path / "a"))
    html = render_preview(story, tmp_path / "a-out" / ".cache" / "images")
    section = html.split('<section class="back scientists"')[1].split("</section>")[0]
    m = re.search(r'<figure class="portrait spot" id="portrait-newton">\s*<img src="data:image/jpeg;base64,([^"]+)" alt="Portrait of Isaac Newton">', section)
    assert m and len(base64.b64decode(m.group(1))) > 1000
    assert section.index("Isaac Newton (1643 – 1727)") < section.index("portrait-newton") < section.index("wondered why things move")

    missing = load_story(_full_story(tmp_path / "b", portrait=False))
    section = render_preview(missing).split('<section class="back scientists"')[1].split("</section>")[0]
    assert "data:image/jpeg" not in section and 'class="placeholder"' in section and "Portrait of Isaac Newton" in section


def test_the_book_view_builds_glossary_and_scientists_once_as_the_print_does(tmp_path):
    path = make_story(tmp_path / "g")
    text = path.read_text().replace(
        "      - term: inertia\n        definition: Things keep doing what they do.\n",
        "      - term: inertia\n        definition: Things keep doing what they do.\n"
        "      - term: Force\n        definition: A second definition, never printed.\n"
        "      - term: apple\n        definition: A fruit that falls.\n"
        "      - term: Zebra\n        definition: A striped animal.\n",
    )
    path.write_text(text)
    view = book_view(load_story(path))
    assert [(e.term, e.definition) for e in view.glossary] == [
        ("apple", "A fruit that falls."),
        ("force", "A push or a pull."),
        ("inertia", "Things keep doing what they do."),
        ("Zebra", "A striped animal."),
    ]  # fmt: skip  (alphabetical by casefold; the first definition of a term wins)
    assert [(e.concept_index, e.term_index) for e in view.glossary] == [(0, 3), (0, 0), (0, 1), (0, 4)]
    (sci,) = view.scientists
    assert (sci.index, sci.name, [c.id for c in sci.concepts], sci.dates) == (0, "Isaac Newton", ["inertia"], "1643 – 1727")
    assert [s.key for s in view.front] == [] and view.section("glossary").title == "Glossary"
