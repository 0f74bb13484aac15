"""The interior's own flowables and drawings: page marks, pictures, placeholder panels, contents lines.

Invisible flowables (`Mark`, `ChapterEnd`, `FullPage`) tell the document
(:mod:`document`) what kind of page it is on, where a chapter ends and which
full-page art to add; the rest draw. Speed-ups that reach inside ReportLab are
:mod:`rl_fast`; the one exception here is `SideSpot`, which changes how
ImageAndFlowables (whose subclass it is) shares the text between beside and under
its picture, through that class's own hooks (_findSplit, _C0/_C1, _aH).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, ImageAndFlowables, Paragraph
from reportlab.platypus.flowables import _listWrapOn

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


class Beside(Flowable):
    """A spot illustration (and its caption under it) for the text to run beside: ImageAndFlowables' image.

    The caption is as wide as the picture or, where it needs more, as wide as it needs up to
    `column` (the widest a side spot may be), with the picture centred over it: under a tall,
    narrow picture a caption at the picture's width would stack a word or two a line, or
    break its words.
    """

    def __init__(self, content: Flowable, caption: Paragraph | None, column: float = 0.0):
        super().__init__()
        self.content, self.caption, self.column = content, caption, column

    def wrap(self, aw, ah):
        pw, ch = self.content.wrap(aw, ah)
        self.width, caph = pw, 0.0
        if self.caption is not None:
            column = min(aw, max(pw, self.column))
            self.caption.wrap(column, 1e6)
            # The widest line at the column's width: wrapped at that width the lines break alike.
            self.width = max(pw, min(column, max(self.caption.getActualLineWidths0(), default=0.0) + 0.01))
            caph = self.caption.wrap(self.width, 1e6)[1] + self.caption.style.spaceBefore
        self.height = ch + caph
        return self.width, self.height

    # ImageAndFlowables asks its image to fit a space; a picture here is already at its size.
    def _restrictSize(self, aw, ah):
        return self.wrap(aw, ah)

    def _unRestrictSize(self) -> None:
        pass

    def draw(self) -> None:
        pw, ch = self.content.wrap(self.width, self.height)
        self.content.drawOn(self.canv, (self.width - pw) / 2, self.height - ch)
        if self.caption is not None:
            self.caption.drawOn(self.canv, 0, 0)


class SideSpot(ImageAndFlowables):
    """A spot illustration at the left or right with the text after it wrapping beside it.

    Where the picture does not fit the room left on the page, the text fills the page
    first, a paragraph (or part of one) at a time, and the picture heads the next page
    with the text still to come beside it: it never leaves a hole and never goes before
    its paragraph.

    Beside the picture the text runs as round a CSS float: every line that starts beside
    the picture (or its caption) is a short one, the next is a full line under it. A
    paragraph may split anywhere there (the orphan and widow rules are for page breaks:
    beside a picture ReportLab would keep them by moving the paragraph, or its last lines,
    under the picture and leaving a line's gap beside it), and a paragraph that starts
    under the picture keeps its space from the one that ended beside it (ReportLab drops
    it when that one's last line reaches past the picture's foot).

    `lead` is the room above the picture (a Float's gap), added to the space after the
    text before it rather than overlapping it. It is space before, so it goes with the
    picture: where the picture moves to the next page the text that fills this page
    follows the text before at its own spacing, and at the top of a page it is dropped.
    The same room is kept under the picture, as under a centred one (styles.PICTURE_SPACE);
    `gap` is the room between the picture and the text beside it.

    `alone` is the picture as a centred Float: where all of the text went ahead to fill the
    page, the picture has nothing left to run beside it on the next, so it goes there centred,
    as a side spot with no text after it does (chapterbook.book.wrap_side).
    """

    def __init__(
        self, doc: BookDoc, picture: Beside, text: list[Flowable], side: str, gap: float, lead: float = 0.0, alone: Flowable | None = None
    ):
        self.doc, self.picture, self.text, self.side, self.gap, self.lead, self.alone = doc, picture, text, side, gap, lead, alone
        left = side == "left"
        super().__init__(picture, text, imageLeftPadding=0 if left else gap, imageRightPadding=gap if left else 0, imageBottomPadding=lead, imageSide=side)

    def getSpaceBefore(self):
        # A frame overlaps this with the space after the flowable before: adding that here puts
        # the lead on top of it. Frame.add sets itself as _frame before it asks (split does not:
        # see _rooms).
        frame = getattr(self, "_frame", None)
        above = frame_room(frame)[1] if frame is not None else None
        return super().getSpaceBefore() + self.lead + (above or 0.0)

    def _rooms(self, ah: float) -> tuple[float, float]:
        """(the height this flowable has in its frame below its space before, the height the text alone
        would have there), from the frame: the `ah` Frame.split gives counts the lead without the space above it."""
        frame = getattr(self, "_frame", None)
        if frame is None:
            return ah, ah
        room, above = frame_room(frame)
        if above is None:  # at the frame's top no space before is taken, the lead's nor the text's
            return room, room
        own = ImageAndFlowables.getSpaceBefore(self)
        return room - own - self.lead, room - max(own - above, 0.0)

    def wrap(self, aw, ah):
        if self.doc.pending_floats:  # a picture before it waits for the next page: so does this one, to keep their order
            self.width, self.height = aw, ah + 1  # more than the room: the frame asks split() for the text alone
            return self.width, self.height
        super().wrap(aw, ah)
        # The text under the picture starts under whichever ends lower, the picture (with its
        # caption and padding) or the text beside it; a paragraph that ended beside keeps its
        # space after it (unless the last one beside is the first part of a paragraph split
        # there: ReportLab marks those _splitpara).
        under_h = self.height - self._aH
        top = self._itpad + self._hI + self._ibpad
        beside, under = getattr(self, "_C0", []), getattr(self, "_C1", [])
        self.after = 0.0  # the space after it, with no text under it (see getSpaceAfter)
        if beside:
            _, text_h = _listWrapOn(beside, self._iW, self.canv)
            split = getattr(beside[-1], "_splitpara", 0)
            if under and not split:
                text_h += max(beside[-1].getSpaceAfter(), under[0].getSpaceBefore())
            top = max(top, text_h)
            if not under and not split:
                self.after = max(0.0, text_h + beside[-1].getSpaceAfter() - top)
        self._aH = top
        self.height = top + under_h
        return self.width, self.height

    def getSpaceAfter(self):
        # With no text under the picture (a page's foot split it off, or a one-line paragraph
        # ReportLab would not split there), the paragraph after it keeps its space from the last
        # one beside it, as under it: ReportLab gives the space after the text under it, none here.
        if getattr(self, "_C1", None) or not getattr(self, "_C0", None):
            return super().getSpaceAfter()
        return getattr(self, "after", 0.0)

    def _findSplit(self, canv, availWidth, availHeight, *args, **kwargs):
        # Beside the picture only, each paragraph may split anywhere (a copy is split, so the
        # flags are taken off the text again: the pages' own orphan and widow rules stay).
        loose = [f for f in self._content if isinstance(f, Paragraph) and "allowOrphans" not in f.__dict__]
        for f in loose:
            f.allowOrphans = f.allowWidows = 1
        try:
            found = super()._findSplit(canv, availWidth, availHeight, *args, **kwargs)
        finally:
            for f in loose:
                del f.allowOrphans, f.allowWidows
        for f in found[2] + found[3]:  # a paragraph that fitted whole is the flagged copy
            if isinstance(f, Paragraph):
                f.__dict__.pop("allowOrphans", None)
                f.__dict__.pop("allowWidows", None)
        return found

    def split(self, aw, ah):
        return self._split_in(aw, *self._rooms(ah))

    def starts_in(self, aw: float, room: float, above: float) -> bool:
        """Whether, with `room` left below the flowable before it (whose space after is `above`), it would put
        its picture or some of its text there: asked for the heading before it (HeadingRoom)."""
        ah = room - max(self.lead + ImageAndFlowables.getSpaceBefore(self), 0.0)
        if not self.doc.pending_floats and ah > 0 and self.wrap(aw, ah)[1] <= ah:
            return True
        return bool(self._split_in(aw, ah, room - max(ImageAndFlowables.getSpaceBefore(self) - above, 0.0)))

    def _split_in(self, aw: float, ah: float, text_ah: float) -> list[Flowable]:
        """split() with the room for it (below its space before) and for its text alone."""
        parts = [] if self.doc.pending_floats or ah <= 0 else super().split(aw, ah)
        if parts:  # ReportLab's first part is a plain ImageAndFlowables: keep this class's rules when it is laid out again
            parts[0] = self._with(parts[0]._content)
            return parts
        if not self.text:
            return parts
        # The text fills this page first, in the room it has without the picture's lead above it, and
        # broken into lines as the frame would (a Paragraph splits the lines of its last wrap, which
        # laying it beside the picture left at another width).
        first, rest = self.text[0], self.text[1:]
        first.wrap(aw, text_ah)
        head = first.split(aw, text_ah)
        if not head:
            return []  # not even a line of the text fits: all of it goes to the next page
        if len(head) == 1:  # the whole first paragraph fits here
            if not rest and self.alone is not None:  # and it was the last: nothing is left to run beside the picture
                return [first, self.alone]
            return [first, self._with(rest)]
        return [head[0], self._with(head[1:] + rest)]

    def _with(self, text: list[Flowable]) -> SideSpot:
        """This side spot with `text` beside it."""
        return SideSpot(self.doc, self.picture, text, self.side, self.gap, self.lead, self.alone)


class HeadingRoom(Flowable):
    """Invisible, before a heading (or a run of them): takes the rest of the page when, after the heading,
    what follows would put nothing there (not a line of a paragraph as the page's orphan and widow rules
    allow, nor a side spot's picture or text), so the heading goes to the next page with it.

    It stands for ReportLab's keepWithNext, which the headings it guards give up: that keeps a heading
    with all of the next paragraph, so a long paragraph after a heading near a page's foot took the
    heading to the next page and left a hole; and it does not keep one with an ImageAndFlowables.
    """

    def __init__(self, heading: list[Flowable], after: Flowable):
        super().__init__()
        self.heading, self.after = heading, after

    def wrap(self, aw, ah):
        frame = getattr(self, "_frame", None)
        if frame is None or frame_room(frame)[1] is None:
            return 0, 0  # at the top of a page: the heading stays
        used, above = 0.0, 0.0
        for f in self.heading:
            used += max(f.getSpaceBefore() - above, 0.0) + f.wrap(aw, ah)[1]
            above = f.getSpaceAfter()
        if used <= ah and self._starts(aw, ah - used, above):
            return 0, 0
        return aw, ah  # the rest of this page

    def _starts(self, aw: float, room: float, above: float) -> bool:
        """Whether what follows the heading puts something in `room` (below the heading, whose space after is `above`)."""
        after = self.after
        if isinstance(after, SideSpot):
            after.canv = self.canv  # ImageAndFlowables measures its text with it
            try:
                return after.starts_in(aw, room, above)
            finally:
                del after.canv
        room -= max(after.getSpaceBefore() - above, 0.0)
        if room <= 0:
            return False
        return after.wrap(aw, room)[1] <= room or bool(after.split(aw, room))

    def draw(self) -> None:
        pass


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
