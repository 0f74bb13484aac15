"""The chapters: opener, title, the prose and headings in the order the text has them, illustrations in place."""

from __future__ import annotations

from reportlab.platypus import ActionFlowable, Flowable, Spacer

from chapterbook.book import FlowItem
from chapterbook.errors import Problem, Severity
from chapterbook.render import checks
from chapterbook.render.blocks import block_flowables, captioned
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import ChapterEnd, Float, Mark
from chapterbook.render.interior.base import InteriorBase
from chapterbook.render.interior.plan import Slot
from chapterbook.render.sidespot import Beside, HeadingRoom, SideSpot
from chapterbook.render.styles import paragraph
from chapterbook.spec.load import format_path


class Chapters(InteriorBase):
    """Makes each chapter's pages."""

    def chapter_or_cached(self, doc: BookDoc, ci: int) -> list[Flowable]:
        """Chapter `ci`'s flowables; or, when the page cache has its pages and warnings, only its warnings now
        and a stand-in the document replaces with the cached pages (or with the flowables, made then)."""
        layout = doc.pages
        events = layout.cached_events(ci) if layout is not None else None
        if layout is None or events is None:
            self._events = []
            try:
                made = self.chapter(doc, ci)
            finally:
                if layout is not None:
                    layout.made_events(ci, self._events)
                self._events = None
            return made
        for event in events:  # the warnings making the flowables gave, in their order
            if event[0] == "glyphs":
                self._glyphs.add(*event[1:])
            else:
                self.warnings.append(event[1])
        layout.make_chapter = lambda n: self._quiet_chapter(doc, n)
        return [ActionFlowable(("rectoBreak",)), ActionFlowable(("chapterBody", ci)), ChapterEnd(doc, ci)]

    def _quiet_chapter(self, doc: BookDoc, ci: int) -> list[Flowable]:
        """Chapter `ci`'s flowables, its warnings already given (from the cache) left out."""
        saved = self.warnings, self._glyphs
        self.warnings = []
        self._glyphs = checks.GlyphReport(self.warnings)
        try:
            return self.chapter(doc, ci)
        finally:
            self.warnings, self._glyphs = saved

    def chapter(self, doc: BookDoc, ci: int) -> list[Flowable]:
        chapter = self.spec.chapters[ci]
        items = self.chapter_slots[ci]
        # chapterBody: on the chapter's first page, the document puts its pages back from the page cache
        # (skipping what follows, up to its ChapterEnd) or lays them out (render/pagecache.py).
        out: list[Flowable] = [ActionFlowable(("rectoBreak",)), ActionFlowable(("chapterBody", ci))]
        out.append(Mark(doc, "opener", chapter.title, f"ch{ci + 1}"))
        has_opener = bool(items) and items[0][0] == "opener"
        out.append(Spacer(1, self.geo.text_height * (0.04 if has_opener else 0.2)))
        out.append(paragraph(f"Chapter {ci + 1}", self.styles["chapnum"]))
        out.append(
            self.para(chapter.title, "chaptitle", self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title", format_path(("chapters", ci, "title")))
        )
        prose = self._flow(doc, ci, out)
        if prose == 0:
            self.warn(
                [
                    Problem(
                        f"chapter {ci + 1} ('{chapter.title}') has no text yet; its pages show only the title",
                        self._where("chapters", ci),
                        format_path(("chapters", ci)),
                        "write the chapter in 'text:' or a 'text_file:'",
                        Severity.WARNING,
                        "empty-chapter",
                    )
                ]
            )
            out.append(paragraph("(This chapter has no text yet.)", self.styles["note"]))
        out.append(ChapterEnd(doc, ci))
        return out

    def _flow(self, doc: BookDoc, ci: int, out: list[Flowable]) -> int:
        """Add chapter `ci`'s text and illustrations, in their order, to `out`; returns how many prose blocks it has."""
        prose = 0
        # The side spot taking in the text after it (up to a heading, a scene break or another picture).
        spot: SideSpot | None = None
        heading = -1  # where in `out` the headings just before this item start (-1: none)
        for kind, obj in [*self.chapter_slots[ci], (None, None)]:  # the last None closes the chapter
            if spot is not None and not (isinstance(obj, FlowItem) and obj.kind not in ("heading", "break")):
                spot = None  # its text ends here
            if isinstance(obj, Slot):  # the opener or an illustration in the flow
                made = captioned(self, doc, obj, self.illustration(doc, obj))
                # A spot with a side and text after it to wrap (chapterbook.book.wrap_side decides, for every
                # format); one with none is centred as a spot without a side.
                if kind == "side" and obj.side and isinstance(made[0], Float):
                    f = made[0]
                    # The Float's gap above the picture goes with it (SideSpot's lead), so it never stays
                    # behind at a page's foot, nor opens the next page, when the picture moves.
                    column = self.box(obj.placement, obj.side)[0]
                    beside = SideSpot(doc, Beside(f.content, f.caption, column), [], obj.side, self.spec.layout.font_size, f.gap, alone=f)
                    made = [beside]
                    _keep_heading(out, heading, beside)
                    spot = beside
                out += made  # a heading before another picture: ReportLab keeps it with the picture (keepWithNext)
                heading = -1
            elif isinstance(obj, FlowItem):
                prose += obj.kind not in ("heading", "break")
                made = block_flowables(self, obj, ci, prose)
                if obj.kind == "heading":
                    heading = len(out) if heading < 0 else heading
                    out += made
                    continue
                if spot is not None:
                    spot.text += made  # ImageAndFlowables reads this list when it is laid out
                else:
                    _keep_heading(out, heading, made[0])
                    if obj.kind.endswith("_list") and len(made) >= 3:
                        made[-2].keepWithNext = 1  # a list's last item never opens a page alone
                    out += made
                heading = -1
        return prose

    def late_float_problems(self, doc: BookDoc) -> list[Problem]:
        """Warnings for the pictures that found no room before their chapter's text ran out (printed after it)."""
        out = []
        for slot, ci in doc.late_floats:
            if slot is None:
                continue
            out.append(
                Problem(
                    f"picture '{slot.id}' found no room next to its paragraph, so it is printed after the end of chapter {ci + 1}'s text",
                    slot.where or self._where("chapters", ci),
                    slot.field,
                    "put it a paragraph or two earlier in the text, make it smaller (placement: spot), or let it shrink (fit: shrink)",
                    Severity.WARNING,
                    "float-after-chapter",
                )
            )
        return out


def _keep_heading(out: list[Flowable], at: int, after: Flowable) -> HeadingRoom | None:
    """Keep the headings from `out[at]` on with the start of `after` (a HeadingRoom before them, put into
    `out`, instead of ReportLab's keepWithNext, which keeps them with all of it); None when `at` is -1."""
    if at < 0:
        return None
    room = HeadingRoom(out[at:], after)
    for h in room.heading:
        h.keepWithNext = 0
    out.insert(at, room)
    return room
