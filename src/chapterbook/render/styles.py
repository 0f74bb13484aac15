"""The interior's inks and paragraph styles, and `paragraph`, the one way the renderer makes a Paragraph."""

from __future__ import annotations

from reportlab.lib.colors import CMYKColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from chapterbook.render.fonts import FontFamily
from chapterbook.render.rl_fast import plain_frags

# Text is K-only black or K tints (printers ask for it: no colour fringes); the activity box is a pale tint.
BLACK = CMYKColor(0, 0, 0, 1)
SOFT = CMYKColor(0, 0, 0, 0.6)
PANEL = CMYKColor(0, 0, 0, 0.06)
BOX = CMYKColor(0.06, 0, 0.12, 0)

# Space after a paragraph, as a share of a line; a chapter set closer (to take in a runt last
# page, see document.RUNT_LINES) has TIGHT of it.
PARAGRAPH_SPACE = 0.45
TIGHT = 0.55
# Space above and below a picture (or diagram, or panel) in the text, as a share of a line: the same
# for one centred and one at the side, so the text clears every picture alike. Under a side spot
# the text runs on its lines, so the first line under it starts at the first line at or past this.
PICTURE_SPACE = 0.5


def book_styles(family: FontFamily, size: float, leading: float, hyphenation: str) -> dict[str, ParagraphStyle]:
    """The book's paragraph styles by name; `hyphenation` is a pyphen language ("" for none)."""
    base = dict(
        fontName=family.regular,
        bulletFontName=family.regular,
        textColor=BLACK,
        alignment=TA_LEFT,
        allowWidows=0,
        allowOrphans=0,
        hyphenationLang=hyphenation,
        uriWasteReduce=0.3 if hyphenation else 0,
    )

    def style(name: str, **kw) -> ParagraphStyle:
        merged = {**base, **kw}
        return ParagraphStyle(name, **merged)

    return {
        "body": style("body", fontSize=size, leading=leading, spaceAfter=leading * PARAGRAPH_SPACE),
        "dialogue": style("dialogue", fontSize=size, leading=leading, spaceAfter=leading * PARAGRAPH_SPACE),
        "body_tight": style("body_tight", fontSize=size, leading=leading, spaceAfter=leading * PARAGRAPH_SPACE * TIGHT),
        "dialogue_tight": style("dialogue_tight", fontSize=size, leading=leading, spaceAfter=leading * PARAGRAPH_SPACE * TIGHT),
        "note": style("note", fontSize=size * 0.9, leading=leading, textColor=SOFT, fontName=family.italic),
        "halftitle": style("halftitle", fontSize=size * 1.6, leading=size * 2.1, alignment=TA_CENTER, fontName=family.bold),
        "title": style("title", fontSize=size * 2.3, leading=size * 2.8, alignment=TA_CENTER, fontName=family.bold, spaceAfter=12),
        "subtitle": style("subtitle", fontSize=size * 1.2, leading=size * 1.6, alignment=TA_CENTER, fontName=family.italic),
        "byline": style("byline", fontSize=size * 1.05, leading=size * 1.5, alignment=TA_CENTER),
        "small": style("small", fontSize=size * 0.65, leading=size * 0.95, spaceAfter=4),
        "h1": style("h1", fontSize=size * 1.6, leading=size * 2.0, fontName=family.bold, spaceAfter=size, keepWithNext=1),
        "h2": style("h2", fontSize=size * 1.15, leading=size * 1.5, fontName=family.bold, spaceBefore=size * 0.6, spaceAfter=size * 0.3, keepWithNext=1),
        "label": style("label", fontSize=size, leading=leading, fontName=family.bold, spaceBefore=4, keepWithNext=1),
        "bullet": style("bullet", fontSize=size, leading=leading, leftIndent=size * 1.6, bulletIndent=2, spaceAfter=leading * 0.2),
        "glossary": style("glossary", fontSize=size, leading=leading, spaceAfter=leading * 0.5),
        "toc": style("toc", fontSize=size * 0.95, leading=size * 1.5, spaceAfter=size * 0.35),
        "chapnum": style("chapnum", fontSize=size * 0.95, leading=size * 1.4, alignment=TA_CENTER, textColor=SOFT),
        "chaptitle": style(
            "chaptitle", fontSize=size * 1.8, leading=size * 2.25, alignment=TA_CENTER, fontName=family.bold, spaceAfter=size * 1.2, keepWithNext=1
        ),
        "caption": style("caption", fontSize=size * 0.75, leading=size, alignment=TA_CENTER, fontName=family.italic, spaceBefore=4),
        "ornament": style("ornament", fontSize=size, leading=leading * 1.5, alignment=TA_CENTER),
    }


def paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """`Paragraph(markup, style)`, built without ReportLab's markup parser when there is no markup.

    The parser is about half the cost of a paragraph, and most of a story's are plain
    text: see :func:`rl_fast.plain_frags`, which makes the same fragments it would.
    """
    plain = plain_frags(markup, style)
    if plain is None:
        return BookParagraph(markup, style)
    text, frags = plain
    return BookParagraph(text, style, frags=frags)


class BookParagraph(Paragraph):
    """A Paragraph that a trial layout measures and splits but does not draw (drawing is a third of its cost).

    ReportLab makes the parts of a split paragraph with the same class, so they skip drawing too.
    """

    def drawOn(self, canvas, x, y, _sW=0):
        if getattr(canvas, "chapterbook_trial", False):
            return
        super().drawOn(canvas, x, y, _sW)
