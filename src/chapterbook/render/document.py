"""The page machinery of book.pdf: recto and verso templates, page boxes, running heads and folios,
openers on right-hand pages, full-page art after the page that calls it, padding to a printable count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reportlab.platypus import Frame, ImageAndFlowables, PageTemplate, Paragraph

from chapterbook.render.flowables import fit_width
from chapterbook.render.fonts import FontFamily
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.rl_fast import DeferredSaveDocTemplate, read_pictures
from chapterbook.render.styles import BLACK, PARAGRAPH_SPACE, SOFT
from chapterbook.spec.load import Story
from chapterbook.text import plain, typeset

if TYPE_CHECKING:
    from chapterbook.render.pagecache import PageLayout, Recorder

# A chapter whose last page holds only this many lines (a "runt" page, turned for one or two lines)
# is set again with its paragraphs spaced closer: PARAGRAPH_SPACE of a line, times styles.TIGHT.
RUNT_LINES = 2


class BookDoc(DeferredSaveDocTemplate):
    """Recto/verso page templates, openers on rectos, art pages and padding to a printable count."""

    def __init__(self, filename, geo: PageGeometry, family: FontFamily, story: Story, min_pages: int, quotes: bool, trial: bool = False):
        spec = story.spec
        super().__init__(
            filename,
            pagesize=geo.page_size,
            invariant=1,
            pageCompression=0 if trial else 1,
            initialFontName=family.regular,
            title=spec.book.title,
            author=", ".join(spec.book.authors),
            subject=spec.book.subtitle or "",
            creator="chapterbook",
            leftMargin=0,
            rightMargin=0,
            topMargin=0,
            bottomMargin=0,
        )
        self.geo = geo
        self.family = family
        # A trial layout only finds where the pages break: pictures are not drawn, so it need not
        # wait for them to be resampled, and what it writes is thrown away.
        self.trial = trial
        # Running heads are drawn as plain strings: no emphasis markers, the book's quotes.
        self.quotes = quotes
        self.book_title = self.head_text(spec.book.title)
        self.font_size = spec.layout.font_size
        self.min_pages = min_pages
        self.page_kind = "front"
        self.running = ""
        self.need_recto = False
        self.pending_art: list[Callable[[object, tuple[float, float, float, float]], None]] = []
        self.toc: dict[str, int] = {}
        self.toc_keys: list[str] = []
        self.placeholder_pages: list[tuple[str, str, int]] = []
        self.pending_floats: list = []  # flowables.Float waiting for the next page, in order
        self.text_past_floats = False  # some text went ahead of a waiting picture (since the last chapter end)
        self.late_floats: list = []  # (plan.Slot, chapter index): floats placed only after their chapter's last line
        self._flow: list = []  # the flowables still to lay out (the list build() is working through)
        self.chapter_ends: dict[int, tuple[int, float]] = {}  # chapter index -> (last page, height used on it)
        # The page cache as this layout sees it (render/pagecache.py; None: every chapter is laid out), and
        # what is recording the chapter being laid out for it.
        self.pages: PageLayout | None = None
        self.recorder: Recorder | None = None
        templates = []
        for name, recto in (("recto", True), ("verso", False)):
            x, y, w, h = geo.text_block(recto)
            frame = Frame(x, y, w, h, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=name)
            templates.append(PageTemplate(name, [frame], onPage=self._on_page, onPageEnd=self._on_page_end))
        self.addPageTemplates(templates)

    # page flow -------------------------------------------------------------------------------

    def handle_documentBegin(self) -> None:
        self.canv.chapterbook_trial = self.trial  # read by draw_placed
        super().handle_documentBegin()

    def handle_flowable(self, flowables) -> None:
        self._flow = flowables  # kept so waiting floats can be put back into it
        super().handle_flowable(flowables)

    def afterFlowable(self, flowable) -> None:
        # Text laid out while a picture waits has gone ahead of it (see ChapterEnd).
        if self.pending_floats and isinstance(flowable, (Paragraph, ImageAndFlowables)):
            self.text_past_floats = True

    def place_waiting_floats(self, *after) -> None:
        """Put the waiting floats back at the head of the flow (then `after`), each to be placed there or on the next page."""
        for f in self.pending_floats:
            f.must_place = True
        self._flow[0:0] = [*self.pending_floats, *after]
        self.pending_floats = []

    def handle_chapterBody(self, ci: int) -> None:
        """At chapter `ci`'s first page: its pages from the page cache, or laid out (and recorded for it)."""
        from chapterbook.render import pagecache  # it imports the interior, which imports this module

        self._close_recording()
        pagecache.start_chapter(self, ci)

    def drop_recording(self) -> None:
        """Stop recording a chapter for the page cache without keeping it (a layout that stopped halfway)."""
        if self.recorder is not None:
            self.recorder.fonts.close()
        self.recorder = None

    def _close_recording(self) -> None:
        if self.recorder is not None and self.pages is not None:
            self.recorder.close(self, self.pages)
        self.recorder = None

    def handle_pageBegin(self) -> None:
        if self.recorder is not None and self.recorder.ci in self.chapter_ends:
            self._close_recording()  # its last page and the art after it are done; a blank verso is not its own
        if self.pending_floats:  # pictures that did not fit the last page open this one
            self._flow[0:0] = self.pending_floats
            self.pending_floats = []
            self.text_past_floats = False
        if self.need_recto and (self.page + 1) % 2 == 0:
            self._manual_page()  # a blank verso so the opener lands on a right-hand page
        self.need_recto = False
        self.pageTemplate = self.pageTemplates[0 if (self.page + 1) % 2 else 1]
        self.page_kind = "body"
        super().handle_pageBegin()

    def handle_pageEnd(self) -> None:
        super().handle_pageEnd()
        while self.pending_art:
            self._manual_page(self.pending_art.pop(0))

    def handle_rectoBreak(self) -> None:
        self.handle_pageBreak()
        self.need_recto = True

    def _manual_page(self, art: Callable | None = None) -> None:
        """Emit a page outside the flow: a blank page or a full-page illustration."""
        self.page += 1
        recto = self.page % 2 == 1
        self._set_boxes(recto)
        if art is not None:
            art(self.canv, self.geo.text_block(recto))
            if self.recorder is not None:
                self.recorder.art_page(self)
        self.canv.showPage()

    def finish(self) -> None:
        """Pad to a printable page count and fill in the contents' page numbers; :meth:`save` writes the file.

        Not saved here: a layout that turns out to need another (a runt chapter, a step of the gutter
        table) is dropped unwritten, and writing a PDF is a fifth of laying out a book from the page cache.
        """
        self._close_recording()
        while self.page < self.min_pages or self.page % 2:
            self._manual_page()
        if self.trial:
            return  # only the page breaks were wanted: nothing is written
        # Page numbers in the contents are forms filled in now that every page is known.
        for key in self.toc_keys:
            self.canv.beginForm(f"toc-{key}", -200, -20, 10, 40)
            self.canv.setFillColor(BLACK)
            self.canv.setFont(self.family.regular, self.font_size * 0.9)
            self.canv.drawRightString(0, 0, str(self.toc.get(key, "")))
            self.canv.endForm()

    def save(self) -> None:
        """Write the laid-out book to its file (a trial has none); raises for a picture that failed."""
        if self.trial:
            return
        read_pictures(self.canv)  # the pictures still being resampled when their pages were drawn; raises for a failed one
        self.canv.save()

    # page furniture --------------------------------------------------------------------------

    def runt_chapters(self, leading: float) -> set[int]:
        """Chapters (indexes) whose last page holds at most RUNT_LINES lines; not those that are one page long."""
        most = RUNT_LINES * leading + (RUNT_LINES - 1) * leading * PARAGRAPH_SPACE + 1  # as many one-line paragraphs
        return {ci for ci, (page, used) in self.chapter_ends.items() if page > self.toc.get(f"ch{ci + 1}", page) and 0 < used <= most}

    def _set_boxes(self, recto: bool) -> None:
        self.canv.setTrimBox(self.geo.trim_box(recto))
        self.canv.setBleedBox(self.geo.bleed_box())

    def head_text(self, text: str) -> str:
        text = plain(text)
        return typeset(text) if self.quotes else text

    def _on_page(self, canv, doc) -> None:
        self._set_boxes(self.page % 2 == 1)

    def _on_page_end(self, canv, doc) -> None:
        """The page's furniture, by its kind: a running head and a folio on a "body" page; only a folio
        on the first page of a back-matter section ("section": its title is on the page, and the contents
        sends readers to it by number); none on the front matter, a chapter's opener (the book's major
        sections open without, every one alike), a blank page or full-page art."""
        if self.recorder is not None:
            self.recorder.page_end(self)  # what the page's flowables drew, before its furniture
        if self.page_kind not in ("body", "section"):
            return
        recto = self.page % 2 == 1
        x0, y0, x1, y1 = self.geo.trim_box(recto)
        bx, _, bw, _ = self.geo.text_block(recto)
        centre = bx + bw / 2
        size = self.font_size * 0.65
        canv.saveState()
        canv.setFillColor(SOFT)
        canv.setFont(self.family.regular, size)
        if self.page_kind == "body":
            head = self.head_text(self.running) if recto else self.book_title
            canv.drawCentredString(centre, y1 - self.geo.top * 0.55, fit_width(head, self.family.regular, size, bw))
        canv.setFillColor(BLACK)
        canv.setFont(self.family.regular, self.font_size * 0.75)
        canv.drawCentredString(centre, y0 + self.geo.bottom * 0.45, str(self.page))
        canv.restoreState()
