"""The interior book.pdf: front matter, chapters, illustrations, diagrams and back matter, print-ready.

Geometry comes from :mod:`layout`, fonts from :mod:`fonts`, pictures from
:mod:`images` (resampled on worker threads while the pages are laid out; a bad
image stops the build and the half-made PDF is removed) and diagrams from :mod:`diagrams`.
The PDF is written atomically and deterministically (ReportLab ``invariant``).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.lib.colors import CMYKColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paraparser import ParaFrag
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags

from chapterbook import progress
from chapterbook.book import FlowItem, caption, chapter_flow
from chapterbook.errors import Location, Problem, RenderError, Severity
from chapterbook.output import atomic_path, atomic_write
from chapterbook.render import extra_pages, fonts, images
from chapterbook.render.blocks import block_flowables, captioned
from chapterbook.render.colophon import copyright_lines
from chapterbook.render.ink import colour_interior
from chapterbook.render.diagrams import DiagramFlowable, diagram_text, draw_diagram, fit_problems, on_picture
from chapterbook.render.fonts import FontFamily, book_font, missing_glyphs, typographers_quotes
from chapterbook.render.layout import MIN_PAGES, PageGeometry, gutter_inches
from chapterbook.spec.load import Story, format_path, resolve_inside
from chapterbook.spec.models import Diagram, Placement
from chapterbook.text import inline_markup, line_col, plain, typeset

# Binary image streams: ReportLab's default ASCII85 text encoding makes the file 25% larger
# and, without its C accelerator, costs most of the render time.
rl_config.useA85 = 0

BLACK = CMYKColor(0, 0, 0, 1)
SOFT = CMYKColor(0, 0, 0, 0.6)
PANEL = CMYKColor(0, 0, 0, 0.06)
BOX = CMYKColor(0.06, 0, 0.12, 0)
PLACEHOLDER_LABEL = "PLACEHOLDER"  # preflight looks for this word to list placeholders left in a PDF

# Largest share of the text block an illustration may take, by placement: (width, height).
SHARE = {
    Placement.opener: (1.0, 0.40),
    Placement.full: (1.0, 1.0),
    Placement.half: (1.0, 0.42),
    Placement.spot: (0.55, 0.30),
}
# Shape of a placeholder or diagram (height / width) when no picture gives one.
PANEL_RATIO = {Placement.opener: 0.56, Placement.full: 1.3, Placement.half: 0.62, Placement.spot: 0.8}
# A chapter whose last page holds only this many lines (a "runt" page, turned for one or two lines)
# is set again with its paragraphs spaced closer: PARAGRAPH_SPACE of a line, times TIGHT.
RUNT_LINES = 2
PARAGRAPH_SPACE = 0.45
TIGHT = 0.55
# Bumped whenever a change to the layout could change which chapters need setting closer.
LAYOUT_VERSION = "1"


@dataclass
class Slot:
    """One illustration to place: from the spec, or a free brief marked in the text."""

    id: str
    brief: str
    placement: Placement
    image: str | None = None
    diagram: Diagram | None = None
    where: Location | None = None
    field: str = ""
    placed: images.Placed | None = None
    source: Path | None = None
    caption: str = ""


@dataclass
class RenderResult:
    """What rendering the interior produced and found."""

    pdf: Path
    pages: int
    warnings: list[Problem] = field(default_factory=list)
    placeholders: list[tuple[str, str, int]] = field(default_factory=list)  # (id, brief, page)
    images: list[images.Placed] = field(default_factory=list)
    fonts: tuple[Path, ...] = ()
    gutter_in: float = 0.0
    section_pages: dict[str, int] = field(default_factory=dict)  # 'ch1'…, 'glossary'… -> first page


# --- the document ---------------------------------------------------------------------------


class BookDoc(BaseDocTemplate):
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
        self.chapter_ends: dict[int, tuple[int, float]] = {}  # chapter index -> (last page, height used on it)
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

    def handle_pageBegin(self) -> None:
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
        self.canv.showPage()

    def _endBuild(self) -> None:
        self._doSave = 0
        super()._endBuild()
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
        self.canv.save()

    # page furniture --------------------------------------------------------------------------

    def runt_chapters(self, leading: float) -> set[int]:
        """Chapters (indexes) whose last page holds at most RUNT_LINES lines; not those that are one page long."""
        most = RUNT_LINES * leading + (RUNT_LINES - 1) * leading * PARAGRAPH_SPACE + 1  # as many one-line paragraphs
        return {
            ci
            for ci, (page, used) in self.chapter_ends.items()
            if page > self.toc.get(f"ch{ci + 1}", page) and 0 < used <= most
        }

    def _set_boxes(self, recto: bool) -> None:
        self.canv.setTrimBox(self.geo.trim_box(recto))
        self.canv.setBleedBox(self.geo.bleed_box())

    def head_text(self, text: str) -> str:
        text = plain(text)
        return typeset(text) if self.quotes else text

    def _on_page(self, canv, doc) -> None:
        self._set_boxes(self.page % 2 == 1)

    def _on_page_end(self, canv, doc) -> None:
        if self.page_kind != "body":
            return
        recto = self.page % 2 == 1
        x0, y0, x1, y1 = self.geo.trim_box(recto)
        bx, _, bw, _ = self.geo.text_block(recto)
        centre = bx + bw / 2
        size = self.font_size * 0.65
        canv.saveState()
        canv.setFillColor(SOFT)
        canv.setFont(self.family.regular, size)
        head = self.head_text(self.running) if recto else self.book_title
        canv.drawCentredString(centre, y1 - self.geo.top * 0.55, _fit_width(head, self.family.regular, size, bw))
        canv.setFillColor(BLACK)
        canv.setFont(self.family.regular, self.font_size * 0.75)
        canv.drawCentredString(centre, y0 + self.geo.bottom * 0.45, str(self.page))
        canv.restoreState()


def _fit_width(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_placed(canv, placed: images.Placed, x: float, y: float, w: float, h: float) -> None:
    """Draw a cached image, naming its XObject by content so the PDF does not depend on the cache folder.

    ReportLab's drawImage names a file image after its path, which would make two
    builds with different output folders differ byte for byte.
    """
    from reportlab.pdfbase import pdfdoc

    if getattr(canv, "chapterbook_trial", False):
        return  # a trial layout: the picture's size is all it needs, and that is known from its header
    name = "img" + placed.file.stem[:24]
    reg = canv._doc.getXObjectName(name)
    if not canv._doc.idToObject.get(reg):
        xobj = pdfdoc.PDFImageXObject(name, str(placed.file), mask=None)
        xobj.name = name
        canv._setXObjects(xobj)
        canv._doc.Reference(xobj, reg)
        canv._doc.addForm(name, xobj)
    canv._currentPageHasImages = 1
    canv.saveState()
    canv.translate(x, y)
    canv.scale(w, h)
    canv._code.append(f"/{reg} Do")
    canv.restoreState()
    canv._formsinuse.append(name)


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
        self.doc.chapter_ends[self.ci] = (self.doc.page, frame._y2 - frame._topPadding - frame._y)


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


# --- building the flow -----------------------------------------------------------------------


# One fragment per style, as ReportLab's parser makes it for markup-free text (see `paragraph`).
_PLAIN_FRAGS: WeakKeyDictionary[ParagraphStyle, ParaFrag] = WeakKeyDictionary()


def paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """`Paragraph(markup, style)`, built without ReportLab's markup parser when there is no markup.

    ReportLab runs Python's html.parser over every paragraph, about half the cost
    of building one. Most paragraphs of a story are plain text (inline_markup
    escapes `<` and `&`, so any tag or entity shows as one of them), and the parser
    turns plain text into a single fragment carrying the style's settings. That
    fragment is made once per style by the parser itself and copied with each
    paragraph's text (styles are not changed after they are made, so it stays
    right); tests/test_render_paragraphs.py compares the result with the parser's,
    fragment by fragment and line break by line break.
    """
    text = cleanBlockQuotedText(markup)
    if "<" in markup or "&" in markup or not text:
        return BookParagraph(markup, style)
    template = _PLAIN_FRAGS.get(style)
    if template is None:
        (template,) = Paragraph("x", style).frags
        _PLAIN_FRAGS[style] = template
    # A fresh copy of each list (links, underlines) per paragraph, as the parser would make.
    frag = ParaFrag(**{k: list(v) if isinstance(v, list) else v for k, v in template.__dict__.items()})
    frag.text = text
    frags = [frag]
    textTransformFrags(frags, style)
    return BookParagraph(text, style, frags=frags)


class BookParagraph(Paragraph):
    """A Paragraph that a trial layout measures and splits but does not draw (drawing is a third of its cost).

    ReportLab makes the parts of a split paragraph with the same class, so they skip drawing too.
    """

    def drawOn(self, canvas, x, y, _sW=0):
        if getattr(canvas, "chapterbook_trial", False):
            return
        super().drawOn(canvas, x, y, _sW)


def text_location(story: Story, ci: int, offset: int) -> Location | None:
    """Where a character of chapter `ci`'s text is: in its text file, or the chapter's entry in the spec."""
    source = story.chapter_text(ci)
    if source is None:
        return story.where("chapters", ci)
    line, col = line_col(source.text, offset)
    return source.location(line, col)


class Pictures:
    """Where every illustration of the book goes, its picture already queued for resampling.

    Planned before the fonts are read, so the pictures are resampled (on the
    :class:`images.Resampler`'s threads) while the rest of the book is laid out.
    """

    def __init__(self, story: Story, geo: PageGeometry, resampler: images.Resampler):
        self.story = story
        self.geo = geo
        self.warnings: list[Problem] = []
        self.chapter_slots: list[list[tuple[str, object]]] = []
        self.extra_slots: dict[str, Slot] = {}
        self._plan(resampler)

    def _plan(self, resampler: images.Resampler) -> None:
        spec = self.story.spec
        for ci, chapter in enumerate(spec.chapters):
            by_id = {}
            for ii, ill in enumerate(chapter.illustrations):
                by_id[ill.id] = Slot(
                    ill.id,
                    ill.brief,
                    ill.placement,
                    ill.image,
                    ill.diagram,
                    self.story.where("chapters", ci, "illustrations", ii, "image" if ill.image else "id"),
                    format_path(("chapters", ci, "illustrations", ii, "image")),
                    caption=caption(ill),
                )
            # chapterbook.book.chapter_flow places pictures for every format alike.
            opener, flow = chapter_flow(self.story, ci)
            items: list[tuple[str, object]] = [("opener", by_id[opener.id])] if opener is not None else []
            for item in flow:
                if item.kind == "illustration":
                    items.append(("slot", by_id[item.illustration.id]))
                elif item.kind == "marker":
                    # A free brief (pasted or drafted text): a placeholder panel shows it.
                    slot = Slot(f"ch{ci + 1}-marker-{len(items)}", item.text, Placement.half)
                    slot.where = text_location(self.story, ci, item.start)
                    items.append(("slot", slot))
                else:
                    items.append(("block", item))
            self.chapter_slots.append(items)
            # Queued chapter by chapter, so the first pictures are resampling while the later chapters are planned.
            for slot in by_id.values():
                self._queue(slot, resampler)
        for si, sci in enumerate(spec.scientists):
            if sci.portrait:
                slot = Slot(
                    f"portrait-{sci.id}",
                    f"Portrait of {sci.name}",
                    Placement.spot,
                    sci.portrait,
                    where=self.story.where("scientists", si, "portrait"),
                    field=format_path(("scientists", si, "portrait")),
                )
                self.extra_slots[slot.id] = slot
                self._queue(slot, resampler)

    def box(self, placement: Placement) -> tuple[float, float]:
        ws, hs = SHARE[placement]
        return self.geo.text_width * ws, self.geo.text_height * hs - (0 if placement == Placement.full else 30)

    def _queue(self, slot: Slot, resampler: images.Resampler) -> None:
        """Check the slot's picture and queue it for resampling; a missing one becomes a placeholder."""
        if not slot.image:
            return
        path = resolve_inside(self.story.root, slot.image)
        if path is None:
            raise RenderError(
                f"the image path '{slot.image}' leaves the story folder",
                where=slot.where,
                path=slot.field,
                hint="keep pictures inside the story folder, for example images/cart.png",
            )
        if not path.is_file():
            self.warnings.append(
                Problem(
                    f"image '{slot.image}' does not exist yet; a placeholder panel with the brief is printed instead",
                    slot.where or Location(),
                    slot.field,
                    "add the picture at that path, or leave it: preflight lists every placeholder",
                    Severity.WARNING,
                    "missing-image",
                )
            )
            return
        slot.source = path
        source_px = images.image_size(path, slot.where, slot.field)
        px = images.fit(source_px, self.box(slot.placement))
        placed = slot.placed = resampler.submit(path, px, where=slot.where, field=slot.field, source_px=source_px)
        if placed.source_ppi < images.PPI - 0.5:
            self.warnings.append(
                Problem(
                    f"image '{slot.image}' is only {placed.source_ppi:.0f} ppi at its printed size "
                    f"({placed.px[0]} x {placed.px[1]} pixels needed, it has {placed.source_px[0]} x {placed.source_px[1]}); it will look soft",
                    slot.where or Location(),
                    slot.field,
                    f"supply it at least {placed.px[0]} x {placed.px[1]} pixels",
                    Severity.WARNING,
                    "low-ppi",
                )
            )

    @property
    def placed_images(self) -> list[images.Placed]:
        out = []
        for items in self.chapter_slots:
            out.extend(obj.placed for kind, obj in items if kind in ("slot", "opener") and obj.placed)
        out.extend(s.placed for s in self.extra_slots.values() if s.placed)
        return out


class Interior:
    """Turns a Story into the flowables of its interior, collecting warnings on the way."""

    def __init__(self, story: Story, family: FontFamily, pictures: Pictures, tight: frozenset[int] = frozenset()):
        self.story = story
        self.tight = tight  # chapters set with their paragraphs closer, to take in a runt last page
        self.spec = story.spec
        self.family = family
        self.pictures = pictures
        self.geo = pictures.geo
        self.warnings: list[Problem] = list(pictures.warnings)
        self.styles = _styles(family, self.spec.layout.font_size, self.spec.layout.line_height, self._hyphenation())
        self.chapter_slots = pictures.chapter_slots
        self.extra_slots = pictures.extra_slots
        self.box = pictures.box
        self.quotes = typographers_quotes(self.spec, family)

    def _hyphenation(self) -> str:
        """The pyphen patterns for the book's language when `layout.hyphenate` asks for them ("" for none)."""
        if not self.spec.layout.hyphenate:
            return ""
        import pyphen

        language = self.spec.book.language
        found = pyphen.language_fallback(language.replace("-", "_"))
        if found is None:
            self.warnings.append(
                Problem(
                    f"there are no hyphenation patterns for the book's language '{language}', so words are not hyphenated",
                    self._where("layout", "hyphenate"),
                    "layout.hyphenate",
                    "check book.language (a code such as en, en-GB, de, fr), or set 'hyphenate: false'",
                    Severity.WARNING,
                    "hyphenation",
                )
            )
        return found or ""

    def markup(self, text: str) -> str:
        """Story text as paragraph markup: escaped, emphasis kept, quotes set as the book sets them."""
        return inline_markup(text, quotes=self.quotes)

    # glyphs ---------------------------------------------------------------------------------

    def check_glyphs(self, text: str, where: Location | None, what: str, field: str = "") -> None:
        """Warn (once per part of the book and set of characters) about characters the font lacks."""
        missing = missing_glyphs(self.family, text)
        if not missing:
            return
        chars = tuple(dict.fromkeys(ch for _, ch in missing))  # in the order they appear in the text
        key = (what.split(",")[0], tuple(sorted(chars)))
        if key in self._glyph_seen:
            index, first, count = self._glyph_seen[key]
            self._glyph_seen[key] = (index, first, count + 1)
            old = self.warnings[index]
            self.warnings[index] = Problem(f"{first} (and {count} more place{'s' if count > 1 else ''} in {key[0]})", old.where, old.path, old.hint, old.severity, old.code)
            return
        shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in chars[:6]) + (f" and {len(chars) - 6} more" if len(chars) > 6 else "")
        message = f"the font has no glyph for {shown} in {what}; it prints as an empty box"
        self._glyph_seen[key] = (len(self.warnings), message, 1)
        self.warnings.append(
            Problem(
                message,
                where or Location(),
                field,
                "replace the character with words, or choose a font that has it (layout.font)",
                Severity.WARNING,
                "missing-glyph",
            )
        )

    def para(self, text: str, style: str, where: Location | None = None, what: str = "the book", field: str = "", markup: bool = True) -> Paragraph:
        """A paragraph of story text, escaped, with its glyphs checked."""
        self.check_glyphs(text, where, what, field)
        return paragraph(self.markup(text) if markup else text, self.styles[style])

    # flowables ------------------------------------------------------------------------------

    def flowables(self, doc: BookDoc) -> list[Flowable]:
        self.warnings = [w for w in self.warnings if w.code not in ("missing-glyph", "empty-chapter", "diagram-crowded")]
        self._glyph_seen: dict[tuple, tuple[int, str, int]] = {}
        out: list[Flowable] = []
        out += self.front_matter(doc)
        for ci in range(len(self.spec.chapters)):
            out += self.chapter(doc, ci)
        out += self.back_matter(doc)
        return out

    def _where(self, *key) -> Location:
        return self.story.where(*key)

    def front_matter(self, doc: BookDoc) -> list[Flowable]:
        book = self.spec.book
        th = self.geo.text_height
        out: list[Flowable] = [Mark(doc, "front"), Spacer(1, th * 0.28)]
        out.append(self.para(book.title, "halftitle", self._where("book", "title"), "the title", "book.title"))
        out += [PageBreak(), Mark(doc, "blank"), PageBreak(), Mark(doc, "front"), Spacer(1, th * 0.18)]
        out.append(self.para(book.title, "title", self._where("book", "title"), "the title", "book.title"))
        if book.subtitle:
            out.append(self.para(book.subtitle, "subtitle", self._where("book", "subtitle"), "the subtitle", "book.subtitle"))
        out.append(Spacer(1, 36))
        out.append(self.para("by " + _join(book.authors), "byline", self._where("book", "authors"), "the authors", "book.authors"))
        if book.illustrator:
            out.append(self.para("illustrated by " + book.illustrator, "byline", self._where("book", "illustrator"), "the illustrator"))
        if book.publisher:
            out += [Spacer(1, th * 0.25), self.para(book.publisher, "byline", self._where("book", "publisher"), "the publisher")]
        out += [PageBreak(), Mark(doc, "front"), Spacer(1, th * 0.45)]
        lines = copyright_lines(self.spec)  # chapterbook.render.colophon
        for line in lines:
            out.append(self.para(line, "small", self._where("book"), "the copyright page"))
        out += extra_pages.dedication(self, doc)
        out += [PageBreak(), Mark(doc, "front"), self.para("Contents", "h1", None, "the contents")]
        for ci, chapter in enumerate(self.spec.chapters):
            key = f"ch{ci + 1}"
            doc.toc_keys.append(key)
            self.check_glyphs(chapter.title, self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title")
            out.append(ContentsLine(f"{ci + 1}. " + self.markup(chapter.title), key, self.styles["toc"]))
        for key, title in self._back_sections():
            doc.toc_keys.append(key)
            out.append(ContentsLine(self.markup(title), key, self.styles["toc"]))
        return out

    def chapter(self, doc: BookDoc, ci: int) -> list[Flowable]:
        chapter = self.spec.chapters[ci]
        items = self.chapter_slots[ci]
        out: list[Flowable] = [ActionFlowable(("rectoBreak",)), Mark(doc, "opener", chapter.title, f"ch{ci + 1}")]
        has_opener = bool(items) and items[0][0] == "opener"
        out.append(Spacer(1, self.geo.text_height * (0.04 if has_opener else 0.2)))
        out.append(paragraph(f"Chapter {ci + 1}", self.styles["chapnum"]))
        out.append(self.para(chapter.title, "chaptitle", self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title", format_path(("chapters", ci, "title"))))
        prose = 0
        for kind, obj in items:
            if kind in ("opener", "slot"):
                out += captioned(self, doc, obj, self.illustration(doc, obj))
            else:
                b: FlowItem = obj  # type: ignore[assignment]
                prose += b.kind not in ("heading", "break")
                out += block_flowables(self, b, ci, prose)
        if prose == 0:
            self.warnings.append(
                Problem(
                    f"chapter {ci + 1} ('{chapter.title}') has no text yet; its pages show only the title",
                    self._where("chapters", ci),
                    format_path(("chapters", ci)),
                    "write the chapter in 'text:' or a 'text_file:'",
                    Severity.WARNING,
                    "empty-chapter",
                )
            )
            out.append(paragraph("(This chapter has no text yet.)", self.styles["note"]))
        out.append(ChapterEnd(doc, ci))
        return out

    def illustration(self, doc: BookDoc, slot: Slot) -> list[Flowable]:
        bw, bh = self.box(slot.placement)
        fs = self.spec.layout.font_size
        font = self.family.regular
        picture = slot.placed if on_picture(slot.diagram) else None  # labelled parts of the picture itself
        if slot.placement == Placement.full:
            if slot.placed is not None and picture is None:
                placed = slot.placed

                def art(canv, block, placed=placed):
                    x, y, w, h = block
                    pw, ph = placed.size_pt
                    s = min(1.0, w / pw, h / ph)  # a caption under it takes some of the page
                    draw_placed(canv, placed, x + (w - pw * s) / 2, y + (h - ph * s) / 2, pw * s, ph * s)

            elif slot.diagram is not None:
                self.check_glyphs(diagram_text(slot.diagram), slot.where, f"diagram '{slot.id}'")
                self.warnings += fit_problems(slot.diagram, bw, min(bh, bw), font, fs * 0.75, slot.where, slot.field)

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
        gap = Spacer(1, self.spec.layout.line_height * 0.5)
        if slot.placed is not None and picture is None:
            return [gap, Picture(slot.placed), gap]
        if slot.diagram is not None:
            d = slot.diagram
            self.check_glyphs(diagram_text(d), slot.where, f"diagram '{slot.id}'")
            h = min(bh, bw * PANEL_RATIO[slot.placement])
            self.warnings += fit_problems(d, bw, h, font, fs * 0.75, slot.where, slot.field)
            # The caption is added by render.blocks.captioned, for every kind of illustration alike.
            return [gap, DiagramFlowable(d, bw, h, font, fs * 0.75, self.spec.layout.palette, picture), gap]
        h = min(bh, bw * PANEL_RATIO[slot.placement])
        self.check_glyphs(slot.brief, slot.where, f"the brief of '{slot.id}'")
        return [gap, PlaceholderPanel(doc, slot, bw, h, font, fs), gap]

    # back matter ----------------------------------------------------------------------------

    def _glossary(self) -> list[tuple[str, str, int, int]]:
        seen: dict[str, tuple[str, str, int, int]] = {}
        for ci, concept in enumerate(self.spec.concepts):
            for ti, kt in enumerate(concept.key_terms):
                seen.setdefault(kt.term.casefold(), (kt.term, kt.definition, ci, ti))
        return [seen[k] for k in sorted(seen)]

    def _scientists(self):
        used = {c.scientist for c in self.spec.concepts if c.scientist}
        chosen = [(i, s) for i, s in enumerate(self.spec.scientists) if s.id in used]
        return chosen or list(enumerate(self.spec.scientists))

    def _back_sections(self) -> list[tuple[str, str]]:
        bm = self.spec.back_matter
        out = []
        if bm.glossary and self._glossary():
            out.append(("glossary", "Glossary"))
        if bm.meet_the_scientist and self._scientists():
            out.append(("scientists", "Meet the Scientist" if len(self._scientists()) == 1 else "Meet the Scientists"))
        if bm.activities and any(c.activity for c in self.spec.chapters):
            out.append(("activities", "Try It!"))
        if bm.questions and any(c.questions for c in self.spec.chapters):
            out.append(("questions", "Think About It"))
        if bm.note_for_grownups:
            out.append(("grownups", "A Note for Grown-ups"))
        return out + extra_pages.back_sections(self.spec)

    def back_matter(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for key, title in self._back_sections():
            out += [PageBreak(), Mark(doc, "opener", title, key), Spacer(1, 12), paragraph(self.markup(title), self.styles["h1"])]
            out += getattr(self, f"_section_{key}")(doc) if hasattr(self, f"_section_{key}") else extra_pages.section(self, key)
        return out

    def _section_glossary(self, doc: BookDoc) -> list[Flowable]:
        out = []
        for term, definition, ci, ti in self._glossary():
            where = self._where("concepts", ci, "key_terms", ti)
            self.check_glyphs(term + definition, where, f"the glossary entry '{term}'")
            out.append(paragraph(f"<b>{self.markup(term)}</b>: {self.markup(definition)}", self.styles["glossary"]))
        return out

    def _section_scientists(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for si, sci in self._scientists():
            dates = " – ".join(x for x in (sci.born, sci.died) if x)
            out.append(self.para(sci.name + (f" ({dates})" if dates else ""), "h2", self._where("scientists", si, "name"), "a scientist's name"))
            slot = self.extra_slots.get(f"portrait-{sci.id}")
            if slot is not None:
                out += self.illustration(doc, slot)
            for pi, text in enumerate(p for p in sci.bio.split("\n\n") if p.strip()):
                out.append(self.para(" ".join(text.split()), "body", self._where("scientists", si, "bio"), f"{sci.name}'s bio"))
            for concept in self.spec.concepts:
                if concept.scientist == sci.id:
                    out.append(self.para(f"**{concept.name}:** {concept.explanation}", "body", self._where("concepts"), f"concept '{concept.id}'"))
        return out

    def _section_activities(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for ci, chapter in enumerate(self.spec.chapters):
            act = chapter.activity
            if act is None:
                continue
            where = self._where("chapters", ci, "activity")
            what = f"the activity of chapter {ci + 1}"
            out.append(self.para(act.title, "h2", where, what))
            if act.materials:
                out.append(paragraph("You need:", self.styles["label"]))
                out += [self.para(m, "bullet", where, what) for m in act.materials]
                for p in out[-len(act.materials):]:
                    p.bulletText = "•"
            out.append(paragraph("What to do:", self.styles["label"]))
            for n, step in enumerate(act.steps, 1):
                p = self.para(step, "bullet", where, what)
                p.bulletText = f"{n}."
                out.append(p)
            if act.safety_note:
                cell = self.para("<b>Grown-up check:</b> " + self.markup(act.safety_note), "body", where, what, markup=False)
                box = Table([[cell]], colWidths=[self.geo.text_width - 4])
                box.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), self.family.regular, self.spec.layout.font_size), ("TEXTCOLOR", (0, 0), (-1, -1), BLACK), ("BACKGROUND", (0, 0), (-1, -1), BOX), ("BOX", (0, 0), (-1, -1), 1, SOFT), ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
                out += [Spacer(1, 6), box, Spacer(1, 6)]
            if act.what_happens:
                out.append(paragraph("What happens?", self.styles["label"]))
                out.append(self.para(act.what_happens, "body", where, what))
        return out

    def _section_questions(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for ci, chapter in enumerate(self.spec.chapters):
            if not chapter.questions:
                continue
            out.append(self.para(f"Chapter {ci + 1}: {chapter.title}", "h2", self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title"))
            for qi, q in enumerate(chapter.questions):
                p = self.para(q, "bullet", self._where("chapters", ci, "questions", qi), f"a question of chapter {ci + 1}")
                p.bulletText = "•"
                out.append(p)
        return out

    def _section_grownups(self, doc: BookDoc) -> list[Flowable]:
        text = self.spec.back_matter.note_for_grownups or ""
        where = self._where("back_matter", "note_for_grownups")
        return [self.para(" ".join(p.split()), "body", where, "the note for grown-ups") for p in text.split("\n\n") if p.strip()]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _styles(family: FontFamily, size: float, leading: float, hyphenation: str) -> dict[str, ParagraphStyle]:
    """The book's paragraph styles; `hyphenation` is a pyphen language ("" for none)."""
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
        "chaptitle": style("chaptitle", fontSize=size * 1.8, leading=size * 2.25, alignment=TA_CENTER, fontName=family.bold, spaceAfter=size * 1.2, keepWithNext=1),
        "caption": style("caption", fontSize=size * 0.75, leading=size, alignment=TA_CENTER, fontName=family.italic, spaceBefore=4),
        "ornament": style("ornament", fontSize=size, leading=leading * 1.5, alignment=TA_CENTER),
    }


# --- entry point ------------------------------------------------------------------------------


@contextlib.contextmanager
def _old_objects_left_alone() -> Iterator[None]:
    """Keep the garbage collector's full passes from walking every object that existed before rendering.

    Laying out a book allocates hundreds of thousands of short-lived objects, and
    each full collection those trigger walks all the modules, the spec and the font
    metrics too: the collector was about a tenth of a warm build's instructions
    (bench/README.md). Objects made before the render are set aside (gc.freeze) and
    given back to the collector afterwards (gc.unfreeze), so nothing is kept alive by
    this. A caller that froze objects itself (a server before forking) is left as it was.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class LayoutMemo:
    """Which chapters were set closer, and how many pages the book came to (its gutter), remembered
    by everything the layout depends on.

    Finding a runt last page takes a whole layout, and the gutter depends on the page
    count, so without this a book with a runt, or of 151 pages or more, would be laid
    out twice on every build (and its pictures first planned at the wrong width). The
    key covers the spec, the chapter texts, the font and picture files (read before any
    picture is queued) and LAYOUT_VERSION; a stale choice could only leave a runt or a
    gutter to correct (found and set again in the same build) or a chapter a little
    closer than it needed.
    """

    def __init__(self, file: Path, story: Story, hashes):
        self.file = file
        spec = story.spec
        digest = hashlib.sha256(f"{LAYOUT_VERSION}|{TIGHT}|{spec.model_dump_json()}".encode())
        for ci in range(len(spec.chapters)):
            source = story.chapter_text(ci)
            digest.update(b"\0" + (source.text if source is not None else "").encode())
        shipped = fonts.SHIPPED.get(spec.layout.font)
        files = {name: fonts.FONT_DIR / name for name in shipped.values()} if shipped else {}
        named = [] if shipped else [spec.layout.font]  # the story's own .ttf
        named += [ill.image for ch in spec.chapters for ill in ch.illustrations if ill.image]
        named += [s.portrait for s in spec.scientists if s.portrait]
        files.update((name, resolve_inside(story.root, name)) for name in named)
        for name, path in files.items():  # named as the spec names them, so a moved story folder still matches
            # A picture's content decides its shape; a missing one is a placeholder panel until it comes.
            digest.update(f"|{name}:{hashes.sha256(path) if path is not None and path.is_file() else '-'}".encode())
        self.key = digest.hexdigest()
        self.tight: frozenset[int] = frozenset()
        self.pages = MIN_PAGES
        self.hit = False
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            saved = json.loads(file.read_text(encoding="utf-8"))
            if saved.get("key") == self.key:
                self.tight = frozenset(int(ci) for ci in saved["tight"])
                self.pages = int(saved["pages"])
                self.hit = True
        self._saved = self._state()

    def _state(self) -> dict:
        return {"key": self.key, "tight": sorted(self.tight), "pages": self.pages}

    def save(self) -> None:
        if not self.hit or self._state() != self._saved:
            with contextlib.suppress(OSError):
                atomic_write(self.file, json.dumps(self._state()))


def render_book(story: Story, out_path: Path, cache_dir: Path) -> RenderResult:
    """Render the interior to `out_path` (atomically) and return what was found on the way.

    Raises RenderError for anything that makes the book unprintable (bad
    image, font); nothing is written then.
    """
    family = None
    with atomic_path(out_path) as tmp, _old_objects_left_alone(), images.Resampler(cache_dir, grey=not colour_interior(story.spec)) as resampler:
        known = LayoutMemo(cache_dir / "layout.json", story, resampler.hashes)
        gutter_pages = known.pages  # a long book laid out before gets its wider gutter at once
        for attempt in range(5):
            geo = PageGeometry.for_layout(story.spec.layout, gutter_pages)
            pictures = Pictures(story, geo, resampler)
            # Read while the pictures are being resampled: parsing a font is pure Python, resampling is not.
            family = family or book_font(story, cache_dir / "fonts")
            # A book laid out before knows which chapters to set closer; any other is laid out first on
            # trial, which does not wait for the pictures, so it runs while they are being resampled.
            trial = attempt == 0 and not known.hit
            progress.report("Laying out the pages")
            interior = Interior(story, family, pictures, known.tight)
            doc = BookDoc(io.BytesIO() if trial else str(tmp), geo, family, story, MIN_PAGES, interior.quotes, trial)
            doc.build(interior.flowables(doc))
            pages = doc.page
            # Set again when the book crossed a step of the gutter table (the gutter grows with page
            # count), or when a chapter ends on a page of one or two lines: it is set closer, once.
            runts = doc.runt_chapters(story.spec.layout.line_height) - known.tight
            if not trial and gutter_inches(pages) == gutter_inches(gutter_pages) and not runts:
                break
            gutter_pages = pages
            known.tight |= runts
        known.pages = pages
        known.save()
        # Pictures the pages waited for are done; this also raises for any that failed unseen.
        resampler.finish()
    return RenderResult(
        pdf=out_path,
        pages=pages,
        warnings=interior.warnings,
        placeholders=doc.placeholder_pages,
        images=pictures.placed_images,
        fonts=family.files,
        gutter_in=gutter_inches(pages),
        section_pages=dict(doc.toc),
    )
