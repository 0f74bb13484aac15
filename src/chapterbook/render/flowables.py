"""The interior's own flowables and drawings: page marks, pictures, placeholder panels, contents lines.

Invisible flowables (`Mark`, `ChapterEnd`, `FullPage`) tell the document
(:mod:`document`) what kind of page it is on, where a chapter ends and which
full-page art to add; the rest draw. Side spots (a picture with the text running
beside it) are in :mod:`sidespot`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from chapterbook.print_rules import PLACEHOLDER_LABEL
from chapterbook.render import images
from chapterbook.render.rl_fast import draw_image_file, frame_height_used, frame_room
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


def xobject_name(placed: images.Placed) -> str:
    """The PDF name of a cached image: by its content, so the PDF does not depend on the cache folder."""
    return "img" + placed.path.stem[:24]


def draw_placed(canv, placed: images.Placed, x: float, y: float, w: float, h: float) -> None:
    """Draw a cached image, naming its XObject by content (xobject_name)."""
    if getattr(canv, "chapterbook_trial", False):
        return  # a trial layout: the picture's size is all it needs, and that is known from its header
    draw_image_file(canv, xobject_name(placed), placed.file_when_written, x, y, w, h)


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
        if self.doc.pending_floats:  # pictures still waiting: placed now, still inside the chapter
            if self.doc.text_past_floats:  # and text went ahead of them: they end up after the chapter's text
                self.doc.late_floats += [(f.slot, self.ci) for f in self.doc.pending_floats]
            self.doc.place_waiting_floats(ChapterEnd(self.doc, self.ci))
            return
        self.doc.text_past_floats = False
        self.doc.chapter_ends[self.ci] = (self.doc.page, frame_height_used(frame))


class RunOnSpace(Flowable):
    """Invisible space before a section run on after another: `height` there, `top` where it opens a page
    instead (as the space above a section that starts a page), so its title sits where every section's does."""

    def __init__(self, height: float, top: float):
        super().__init__()
        self.space, self.top = height, top

    def wrap(self, aw, ah):
        frame = getattr(self, "_frame", None)
        at_top = frame is not None and frame_room(frame)[1] is None
        return 0, self.top if at_top else self.space

    def draw(self) -> None:
        pass


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


class Float(Flowable):
    """An illustration in the text (picture, diagram or panel, with its caption) that never leaves a hole.

    Where it falls with too little of the page left, it first shrinks (down to
    `floor` of its size, 1.0 for never) and otherwise waits: it takes no room here,
    the text after it fills the page, and the document puts it back at the top of
    the next page (BookDoc.handle_pageBegin), as LaTeX floats a figure. Floats keep
    their order (one that comes while another waits waits too), never go before
    their paragraph, and a chapter's end places every waiting one (ChapterEnd), so
    none leaves its chapter.
    """

    def __init__(self, doc: BookDoc, content: Flowable, gap: float, floor: float = 1.0, caption: Paragraph | None = None, slot: Slot | None = None):
        super().__init__()
        self.doc, self.content, self.gap, self.floor, self.caption = doc, content, gap, floor, caption
        self.slot = slot  # the illustration it shows, named in a warning if it ends up after its chapter's text
        self.scale = 1.0
        self.waiting = False
        self.must_place = False  # set at the chapter's end: it goes on this page or at the top of the next

    def _parts(self, aw: float) -> tuple[float, float, float]:
        """(content width, content height, caption height with the space above it) at full size."""
        cw, ch = self.content.wrap(aw, 1e6)
        caph = 0.0
        if self.caption is not None:
            caph = self.caption.wrap(aw, 1e6)[1] + self.caption.style.spaceBefore
        return cw, ch, caph

    def wrap(self, aw, ah):
        _, ch, caph = self._parts(aw)
        at_top = bool(getattr(getattr(self, "_frame", None), "_atTop", False))
        room = ah - 2 * self.gap - caph  # what the picture itself may take here
        self.scale, self.waiting = 1.0, False
        if self.doc.pending_floats and self not in self.doc.pending_floats:
            self.waiting = True  # one before it is waiting: floats keep their order
        elif ch <= room + 0.5:
            pass
        elif ch * self.floor <= room or at_top:
            self.scale = max(0.05, min(1.0, room / ch))
        elif not self.must_place:
            self.waiting = True
        if self.waiting:
            self.width, self.height = aw, 0
        else:
            self.width, self.height = aw, 2 * self.gap + ch * self.scale + caph
            if ch * self.scale <= room + 0.5:
                # Within half a point of fitting it goes here at full size, and the space above it
                # gives up the difference: taller than the room, the frame would carry it whole to
                # the next page as no float, leaving the rest of this one empty.
                self.height = min(self.height, ah)
        return self.width, self.height

    def draw(self) -> None:
        if self.waiting:
            self.doc.pending_floats.append(self)
            return
        cw, _, caph = self._parts(self.width)
        s = self.scale
        y = self.gap + caph
        self.canv.saveState()
        self.canv.translate((self.width - cw * s) / 2, y)
        self.canv.scale(s, s)
        self.content.drawOn(self.canv, 0, 0)
        self.canv.restoreState()
        if self.caption is not None:
            self.caption.drawOn(self.canv, 0, self.gap)


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
