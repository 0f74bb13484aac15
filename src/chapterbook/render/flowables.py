"""The interior's own flowables and drawings: page marks, pictures, placeholder panels, contents lines.

Invisible flowables (`Mark`, `ChapterEnd`, `FullPage`) tell the document
(:mod:`document`) what kind of page it is on, where a chapter ends and which
full-page art to add; the rest draw. Nothing here reaches inside ReportLab:
that is :mod:`rl_fast`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from chapterbook.print_rules import PLACEHOLDER_LABEL
from chapterbook.render import images
from chapterbook.render.rl_fast import draw_image_file, frame_height_used
from chapterbook.render.styles import BLACK, PANEL, SOFT, paragraph
from chapterbook.text import inline_markup

if TYPE_CHECKING:
    from chapterbook.render.document import BookDoc
    from chapterbook.render.interior.plan import Slot



def fit_width(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut short with an ellipsis where it is wider than `width` in `font` at `size`."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"



def draw_placed(canv, placed: images.Placed, x: float, y: float, w: float, h: float) -> None:
    """Draw a cached image, naming its XObject by content so the PDF does not depend on the cache folder."""
    if getattr(canv, "chapterbook_trial", False):
        return  # a trial layout: the picture's size is all it needs, and that is known from its header
    draw_image_file(canv, "img" + placed.file.stem[:24], placed.file, x, y, w, h)


class Mark(Flowable):
    """Invisible: tells the document what kind of page this is and records contents page numbers."""

    def __init__(self, doc: BookDoc, kind: str, running: str | None = None, toc: str | None = None):
        super().__init__()
        self.doc, self.kind, self.running, self.toc = doc, kind, running, toc

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self) -> None:
        self.doc.page_kind = self.kind
        if self.running is not None:
            self.doc.running = self.running
        if self.toc:
            self.doc.toc[self.toc] = self.doc.page


class ChapterEnd(Flowable):
    """Invisible, after a chapter's last line: records how far down its last page the chapter ran.

    A frame action, not something drawn: a last line may end a point or two below the
    frame's bottom (within ReportLab's tolerance), where even an empty flowable would
    no longer fit and would be carried to a page of its own.
    """

    def __init__(self, doc: BookDoc, ci: int):
        super().__init__()
        self.doc, self.ci = doc, ci

    def wrap(self, aw, ah):
        return 0, 0

    def frameAction(self, frame) -> None:
        self.doc.chapter_ends[self.ci] = (self.doc.page, frame_height_used(frame))


class FullPage(Flowable):
    """Invisible: queues a full-page illustration for the page after this one."""

    def __init__(self, doc: BookDoc, art: Callable):
        super().__init__()
        self.doc, self.art = doc, art

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self) -> None:
        self.doc.pending_art.append(self.art)


class Picture(Flowable):
    """A resampled image drawn at exactly its 300 ppi size."""

    def __init__(self, placed: images.Placed):
        super().__init__()
        self.placed = placed
        self.width, self.height = placed.size_pt
        self.hAlign = "CENTER"

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self) -> None:
        draw_placed(self.canv, self.placed, 0, 0, self.width, self.height)


class PlaceholderPanel(Flowable):
    """A tinted panel showing the illustrator's brief until the art exists."""

    def __init__(self, doc: BookDoc, slot: Slot, width: float, height: float, font: str, font_size: float):
        super().__init__()
        self.doc, self.slot = doc, slot
        self.width, self.height = width, height
        self.font, self.font_size = font, font_size
        self.hAlign = "CENTER"

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self) -> None:
        draw_placeholder(self.canv, self.slot, 0, 0, self.width, self.height, self.font, self.font_size)
        self.doc.placeholder_pages.append((self.slot.id, self.slot.brief, self.doc.page))


def draw_placeholder(canv, slot: Slot, x: float, y: float, w: float, h: float, font: str, size: float) -> None:
    """Draw the panel for `slot` into (x, y, w, h)."""
    canv.saveState()
    canv.setFillColor(PANEL)
    canv.setStrokeColor(SOFT)
    canv.setLineWidth(1)
    canv.setDash(5, 4)
    canv.roundRect(x, y, w, h, 6, stroke=1, fill=1)
    canv.setDash()
    pad = 8
    canv.setFillColor(SOFT)
    canv.setFont(font, size * 0.6)
    canv.drawString(x + pad, y + h - pad - size * 0.6, f"{PLACEHOLDER_LABEL} · {slot.id} · {slot.placement.value}")
    # The brief, shrunk until it fits the panel.
    fs = size * 0.8
    while True:
        style = ParagraphStyle("brief", fontName=font, fontSize=fs, leading=fs * 1.3, textColor=BLACK, bulletFontName=font)
        para = Paragraph(inline_markup(slot.brief), style)
        _, ph = para.wrap(w - 2 * pad, h)
        if ph <= h - 3 * pad - size * 0.6 or fs <= 6:
            break
        fs *= 0.85
    para.drawOn(canv, x + pad, y + h - 2 * pad - size * 0.6 - ph)
    canv.restoreState()


class ContentsLine(Flowable):
    """A contents entry: title on the left, its page number (a form filled in at the end) on the right."""

    def __init__(self, title: str, key: str, style: ParagraphStyle):
        super().__init__()
        self.key = key
        self.para = paragraph(title, style)
        self.style = style

    def wrap(self, aw, ah):
        self.aw = aw
        _, h = self.para.wrap(aw - 40, ah)
        self.height = h + self.style.spaceAfter
        return aw, self.height

    def draw(self) -> None:
        self.para.drawOn(self.canv, 0, self.style.spaceAfter)
        self.canv.saveState()
        last_baseline = self.style.spaceAfter + self.style.leading - self.style.fontSize
        self.canv.translate(self.aw, last_baseline + (self.para.height - self.style.leading) * 0)
        self.canv.doForm(f"toc-{self.key}")
        self.canv.restoreState()
