"""What every part of the interior shares: the story, its styles, glyph checks and warnings, and
turning one illustration (picture, diagram or placeholder) into flowables.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Spacer

from chapterbook.errors import Location, Problem
from chapterbook.render import checks
from chapterbook.render.diagrams import DiagramFlowable, diagram_text, draw_diagram, fit_problems, on_picture
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import FullPage, Picture, PlaceholderPanel, draw_placed, draw_placeholder
from chapterbook.render.fonts import FontFamily, missing_glyphs, typographers_quotes
from chapterbook.render.interior.plan import PANEL_RATIO, Pictures, Slot
from chapterbook.render.styles import PICTURE_SPACE, book_styles, paragraph
from chapterbook.spec.load import Story
from chapterbook.spec.models import Placement
from chapterbook.text import inline_markup


class InteriorBase:
    """The state and helpers the front matter, chapters and back matter share."""

    def __init__(self, story: Story, family: FontFamily, pictures: Pictures, tight: frozenset[int] = frozenset()):
        self.story = story
        self.tight = tight  # chapters set with their paragraphs closer, to take in a runt last page
        self.spec = story.spec
        self.family = family
        self.pictures = pictures
        self.geo = pictures.geo
        self.warnings: list[Problem] = list(pictures.warnings)
        self.styles = book_styles(family, self.spec.layout.font_size, self.spec.layout.line_height, self._hyphenation())
        self.chapter_slots = pictures.chapter_slots
        self.extra_slots = pictures.extra_slots
        self.box = pictures.box
        self.quotes = typographers_quotes(self.spec, family)
        self._glyphs = checks.GlyphReport(self.warnings)  # made again for each layout by Interior.flowables
        # While a chapter's flowables are made: its warnings as events (render/pagecache.py keeps them, so a
        # chapter put back from the cache gives its warnings without being made).
        self._events: list[tuple] | None = None

    def _hyphenation(self) -> str:
        """The pyphen patterns for the book's language when `layout.hyphenate` asks for them ("" for none)."""
        patterns, problem = checks.hyphenation(self.story)
        if problem is not None:
            self.warnings.append(problem)
        return patterns

    def markup(self, text: str) -> str:
        """Story text as paragraph markup: escaped, emphasis kept, quotes set as the book sets them."""
        return inline_markup(text, quotes=self.quotes)

    # glyphs ---------------------------------------------------------------------------------

    def check_glyphs(self, text: str, where: Location | None, what: str, field: str = "") -> None:
        """Warn (once per part of the book and set of characters) about characters the font lacks."""
        missing = missing_glyphs(self.family, text)
        if missing and self._events is not None:
            self._events.append(("glyphs", missing, where, what, field))
        self._glyphs.add(missing, where, what, field)

    def warn(self, problems: list[Problem]) -> None:
        """Add warnings (other than missing glyphs) found while making the book's flowables."""
        if problems and self._events is not None:
            self._events += [("warn", p) for p in problems]
        self.warnings += problems

    def para(self, text: str, style: str, where: Location | None = None, what: str = "the book", field: str = "", markup: bool = True) -> Paragraph:
        """A paragraph of story text, escaped, with its glyphs checked."""
        self.check_glyphs(text, where, what, field)
        return paragraph(self.markup(text) if markup else text, self.styles[style])

    def _where(self, *key) -> Location:
        return self.story.where(*key)

    def illustration(self, doc: BookDoc, slot: Slot) -> list[Flowable]:
        bw, bh = self.box(slot.placement, getattr(slot, "side", None))
        fs = self.spec.layout.font_size
        font = self.family.regular
        picture = slot.placed if on_picture(slot.diagram) else None  # labelled parts of the picture itself
        if slot.placement == Placement.full:
            if slot.placed is not None and picture is None and slot.bleed:
                placed = slot.placed

                def art(canv, block, placed=placed):
                    # The whole sheet, out to the bleed edge, whatever room a caption takes.
                    x0, y0, x1, y1 = self.geo.bleed_box()
                    draw_placed(canv, placed, x0, y0, x1 - x0, y1 - y0)

            elif slot.placed is not None and picture is None:
                placed = slot.placed

                def art(canv, block, placed=placed):
                    x, y, w, h = block
                    pw, ph = placed.size_pt
                    s = min(1.0, w / pw, h / ph)  # a caption under it takes some of the page
                    draw_placed(canv, placed, x + (w - pw * s) / 2, y + (h - ph * s) / 2, pw * s, ph * s)

            elif slot.diagram is not None:
                self.check_glyphs(diagram_text(slot.diagram), slot.diagram_where, f"diagram '{slot.id}'", slot.diagram_field)
                self.warn(fit_problems(slot.diagram, bw, min(bh, bw), font, fs * 0.75, slot.diagram_where, slot.diagram_field))

                def art(canv, block, d=slot.diagram):
                    x, y, w, h = block
                    dh = min(h, w * 1.0)
                    draw_diagram(canv, d, x, y + (h - dh) / 2, w, dh, font, fs * 0.75, self.spec.layout.palette, picture)

            else:

                def art(canv, block, slot=slot):
                    x, y, w, h = block
                    draw_placeholder(canv, slot, x, y, w, h, font, fs)
                    doc.placeholder_pages.append((slot.id, slot.brief, doc.page))

            return [FullPage(doc, art)]
        gap = Spacer(1, self.spec.layout.line_height * PICTURE_SPACE)
        if slot.placed is not None and picture is None:
            return [gap, Picture(slot.placed), gap]
        if slot.diagram is not None:
            d = slot.diagram
            self.check_glyphs(diagram_text(d), slot.diagram_where, f"diagram '{slot.id}'", slot.diagram_field)
            h = min(bh, bw * PANEL_RATIO[slot.placement])
            self.warn(fit_problems(d, bw, h, font, fs * 0.75, slot.diagram_where, slot.diagram_field))
            # The caption is added by render.blocks.captioned, for every kind of illustration alike.
            return [gap, DiagramFlowable(d, bw, h, font, fs * 0.75, self.spec.layout.palette, picture), gap]
        h = min(bh, bw * PANEL_RATIO[slot.placement])
        self.check_glyphs(slot.brief, slot.where, f"the brief of '{slot.id}'")
        return [gap, PlaceholderPanel(doc, slot, bw, h, font, fs), gap]
