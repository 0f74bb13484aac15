"""The wrap cover (cover.pdf): back, spine and front on one sheet with bleed on every edge.

Spine width comes from the interior page count and the paper; spine text is
printed only from 79 pages (narrower spines cannot hold it reliably); the
back keeps a clear 2 x 1.2 in area for the barcode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.colors import CMYKColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from chapterbook.errors import Problem, RenderError, Severity
from chapterbook.output import HashMemo, atomic_path
from chapterbook.render import images
from chapterbook.render.fonts import book_font, typographers_quotes
from chapterbook.render.layout import BARCODE_IN, BLEED_IN, SPINE_TEXT_MIN_PAGES, inch, spine_inches
from chapterbook.render.checks import cover_art_px, low_ppi
from chapterbook.spec.load import Story
from chapterbook.spec.story import IMAGE_FILE, MISSING, file_fault, story_file
from chapterbook.text import inline_markup, typeset

# Binary image streams: ReportLab's default ASCII85 text encoding makes the file 25% larger
# and, without its C accelerator, costs most of the render time.
rl_config.useA85 = 0

BLACK = CMYKColor(0, 0, 0, 1)
WHITE = CMYKColor(0, 0, 0, 0)
FRONT_BG = CMYKColor(0.75, 0.05, 0.15, 0)  # sea blue
BACK_BG = CMYKColor(0.04, 0.06, 0.25, 0)  # sand
SPINE_BG = CMYKColor(0.85, 0.35, 0.05, 0.1)
SUN = CMYKColor(0, 0.2, 0.9, 0)
WAVE = CMYKColor(0.45, 0, 0.1, 0)
SAFE_IN = 0.375  # keep text this far inside the trim


@dataclass(frozen=True)
class CoverGeometry:
    """Panels of the wrap, in points, measured on the full sheet (bleed included)."""

    trim_w: float
    trim_h: float
    spine: float
    bleed: float = inch(BLEED_IN)

    @property
    def size(self) -> tuple[float, float]:
        return (2 * self.trim_w + self.spine + 2 * self.bleed, self.trim_h + 2 * self.bleed)

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return (self.bleed, self.bleed, w - self.bleed, h - self.bleed)

    @property
    def back_x(self) -> float:
        return self.bleed

    @property
    def spine_x(self) -> float:
        return self.bleed + self.trim_w

    @property
    def front_x(self) -> float:
        return self.bleed + self.trim_w + self.spine


@dataclass
class CoverResult:
    pdf: Path
    spine_in: float
    spine_text: bool
    images: list[images.Placed] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def render_cover(story: Story, out_path: Path, cache_dir: Path, pages: int) -> CoverResult:
    """Write the wrap cover for a book of `pages` interior pages (atomically)."""
    spec = story.spec
    family = book_font(story, cache_dir / "fonts")
    trim_w, trim_h = spec.layout.trim_inches()
    spine_in = spine_inches(pages, spec.layout.paper)
    geo = CoverGeometry(inch(trim_w), inch(trim_h), inch(spine_in))
    result = CoverResult(out_path, spine_in, pages >= SPINE_TEXT_MIN_PAGES)
    art = _cover_art(story, geo, cache_dir, result)
    w, h = geo.size
    with atomic_path(out_path) as tmp:
        c = Canvas(str(tmp), pagesize=(w, h), invariant=1, pageCompression=1, initialFontName=family.regular)
        c.setTitle(f"{spec.book.title} (cover)")
        c.setAuthor(", ".join(spec.book.authors))
        c.setCreator("chapterbook")
        c.setTrimBox(geo.trim_box)
        c.setBleedBox((0, 0, w, h))
        quotes = typographers_quotes(spec, family)
        _back(c, story, geo, family, quotes)
        _spine(c, story, geo, family, result.spine_text, quotes)
        if art is not None:
            from chapterbook.render.pdf import draw_placed

            draw_placed(c, art, geo.front_x, 0, w - geo.front_x, h)
        else:
            _front(c, story, geo, family, quotes)
        c.showPage()
        c.save()
    return result


def _cover_art(story: Story, geo: CoverGeometry, cache_dir: Path, result: CoverResult) -> images.Placed | None:
    rel = story.spec.layout.cover_image
    if not rel:
        return None
    where = story.where("layout", "cover_image")
    found = story_file(story.root, rel)
    path = found.path
    if found.fault is not None and found.fault != MISSING:
        message, hint, _ = file_fault(IMAGE_FILE, found)
        raise RenderError(message.replace("image", "cover image", 1), where=where, path="layout.cover_image", hint=hint)
    if path is None:
        result.warnings.append(
            Problem(f"cover image '{rel}' does not exist yet; a generated front cover is used", where, "layout.cover_image", "add the file, or remove 'cover_image' to keep the generated design", Severity.WARNING, "missing-image")
        )
        return None
    # The art fills the front panel out to the bleed; the centre is kept when its shape differs.
    px = cover_art_px(story.spec.layout.trim_inches())
    # The same memo as the interior's pictures: unchanged cover art is not hashed again on a rebuild.
    hashes = HashMemo(cache_dir / "sources.json")
    placed = images.prepare(path, px, cache_dir, crop=True, where=where, field="layout.cover_image", hashes=hashes)
    hashes.save()
    result.images.append(placed)
    low = low_ppi(rel, placed.px, placed.source_px, where, "layout.cover_image", cover=True)
    if low is not None:
        result.warnings.append(low)
    return placed


def _front(c: Canvas, story: Story, geo: CoverGeometry, family, quotes: bool) -> None:
    book = story.spec.book
    w, h = geo.size
    x0 = geo.front_x
    pw = w - x0
    c.setFillColor(FRONT_BG)
    c.rect(x0, 0, pw, h, stroke=0, fill=1)
    # A sun and waves: a simple, friendly design that needs no art.
    c.setFillColor(SUN)
    c.circle(x0 + pw * 0.78, h * 0.42, min(pw, h) * 0.12, stroke=0, fill=1)
    c.setFillColor(WAVE)
    for i in range(3):
        y = h * (0.08 + i * 0.07)
        p = c.beginPath()
        p.moveTo(x0, y)
        steps = 8
        for s in range(steps):
            xa = x0 + pw * (s + 0.5) / steps
            xb = x0 + pw * (s + 1) / steps
            p.curveTo(xa - pw / steps / 4, y + 14, xa + pw / steps / 4, y + 14, xb, y)
        p.lineTo(x0 + pw, 0)
        p.lineTo(x0, 0)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
    safe = inch(SAFE_IN)
    tx = geo.front_x + safe
    tw = geo.trim_w - 2 * safe
    top = h - geo.bleed - safe
    size = geo.trim_w / 9
    title = Paragraph(inline_markup(book.title, quotes=quotes), ParagraphStyle("t", fontName=family.bold, fontSize=size, leading=size * 1.15, alignment=TA_CENTER, textColor=WHITE))
    _, th = title.wrap(tw, h)
    title.drawOn(c, tx, top - th)
    y = top - th - size * 0.5
    if book.subtitle:
        sub = Paragraph(inline_markup(book.subtitle, quotes=quotes), ParagraphStyle("s", fontName=family.italic, fontSize=size * 0.42, leading=size * 0.55, alignment=TA_CENTER, textColor=WHITE))
        _, sh = sub.wrap(tw, h)
        sub.drawOn(c, tx, y - sh)
    by = Paragraph(inline_markup(", ".join(book.authors), quotes=quotes), ParagraphStyle("a", fontName=family.bold, fontSize=size * 0.45, leading=size * 0.6, alignment=TA_CENTER, textColor=WHITE))
    _, bh = by.wrap(tw, h)
    by.drawOn(c, tx, geo.bleed + safe + h * 0.2)


def _back(c: Canvas, story: Story, geo: CoverGeometry, family, quotes: bool) -> None:
    book = story.spec.book
    _, h = geo.size
    c.setFillColor(BACK_BG)
    c.rect(0, 0, geo.spine_x, h, stroke=0, fill=1)
    safe = inch(SAFE_IN)
    x = geo.back_x + safe
    width = geo.trim_w - 2 * safe
    size = 13
    top = h - geo.bleed - safe
    if book.description:
        blurb = Paragraph(inline_markup(book.description, quotes=quotes), ParagraphStyle("b", fontName=family.regular, fontSize=size, leading=size * 1.45, alignment=TA_LEFT, textColor=BLACK))
        bw, bh = blurb.wrap(width, h)
        blurb.drawOn(c, x, top - bh)
    # The barcode area: white and empty, bottom right of the back, inside the safe zone.
    bw_, bh_ = inch(BARCODE_IN[0]), inch(BARCODE_IN[1])
    c.setFillColor(WHITE)
    c.rect(geo.spine_x - inch(0.25) - bw_, geo.bleed + inch(0.25), bw_, bh_, stroke=0, fill=1)
    if book.publisher:
        c.setFillColor(BLACK)
        c.setFont(family.regular, 10)
        c.drawString(x, geo.bleed + inch(0.35), typeset(book.publisher) if quotes else book.publisher)


def _spine(c: Canvas, story: Story, geo: CoverGeometry, family, with_text: bool, quotes: bool) -> None:
    _, h = geo.size
    c.setFillColor(SPINE_BG)
    c.rect(geo.spine_x, 0, geo.spine, h, stroke=0, fill=1)
    if not with_text:
        return
    book = story.spec.book
    # 0.0625 in clear on both sides of spine text, as KDP asks.
    size = min(12.0, geo.spine - inch(0.125))
    text = f"{book.title}  ·  {', '.join(book.authors)}"
    if quotes:
        text = typeset(text)
    length = h - 2 * geo.bleed - inch(0.75)
    while size > 5 and stringWidth(text, family.bold, size) > length:
        size -= 0.5
    c.saveState()
    c.translate(geo.spine_x + geo.spine / 2, h / 2)
    c.rotate(-90)  # reads top to bottom, as on English-language spines
    c.setFillColor(WHITE)
    c.setFont(family.bold, size)
    c.drawCentredString(0, -size * 0.35, text)
    c.restoreState()
