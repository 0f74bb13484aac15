"""Side spots: a spot illustration at the left or right of the text, with the text after it running beside it.

`Beside` is the picture with its caption; `SideSpot` lays it out with its text (and moves
it cleanly to the next page when it does not fit); `HeadingRoom` keeps a heading with
the start of what follows it. Speed-ups that reach inside ReportLab are :mod:`rl_fast`;
the one exception here is `SideSpot`, which changes how ImageAndFlowables (whose
subclass it is) shares the text between beside and under its picture, through that
class's own hooks (_findSplit, _C0/_C1, _aH).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, ImageAndFlowables, Paragraph
from reportlab.platypus.flowables import _listWrapOn

from chapterbook.render.rl_fast import frame_room

if TYPE_CHECKING:
    from chapterbook.render.document import BookDoc


class Beside(Flowable):
    """A spot illustration (and its caption under it) for the text to run beside: ImageAndFlowables' image.

    The caption is as wide as the picture or, where it needs more, as wide as it needs up to
    `column` (the widest a side spot may be), with the picture centred over it: under a tall,
    narrow picture a caption at the picture's width would stack a word or two a line, or
    break its words. A caption of more than one line is balanced (as CSS text-wrap: balance):
    set at the narrowest width that keeps its number of lines, so no word is left alone on
    its last line, and the text beside keeps the room a full first line would take.
    """

    def __init__(self, content: Flowable, caption: Paragraph | None, column: float = 0.0):
        super().__init__()
        self.content, self.caption, self.column = content, caption, column

    def wrap(self, aw, ah):
        pw, ch = self.content.wrap(aw, ah)
        self.width, caph = pw, 0.0
        if self.caption is not None:
            column = min(aw, max(pw, self.column))
            self.width = max(pw, self._caption_width(column))
            caph = self.caption.wrap(self.width, 1e6)[1] + self.caption.style.spaceBefore
        self.height = ch + caph
        return self.width, self.height

    def _caption_width(self, column: float) -> float:
        """The width the caption is set at: its widest line at the narrowest width (up to `column`) that
        takes no more lines than `column` does. Set at that width its lines break alike."""
        assert self.caption is not None
        lines = len(self.caption.breakLines([column]).lines)
        low, high = 0.0, column
        if lines > 1:  # balanced: the narrowest width with as few lines, found to a tenth of a point
            # never narrower than its longest word, which ReportLab would break to keep the count
            style = self.caption.style
            longest = max((stringWidth(w, style.fontName, style.fontSize) for w in self.caption.getPlainText().split()), default=0.0)
            low = min(column, max(column / lines, longest + 0.5))
            while high - low > 0.1:
                mid = (low + high) / 2
                low, high = (low, mid) if len(self.caption.breakLines([mid]).lines) <= lines else (mid, high)
        self.caption.wrap(high, 1e6)
        return min(column, max(self.caption.getActualLineWidths0(), default=0.0) + 0.01)

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

    def __init__(self, doc: BookDoc, picture: Beside, text: list[Flowable], side: str, gap: float, lead: float = 0.0, alone: Flowable | None = None):
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
