"""The wrap cover (cover.pdf): back, spine and front on one sheet with bleed on every edge.

Spine width comes from the interior page count and the paper; spine text is
printed only from 79 pages (narrower spines cannot hold it reliably). The spine's
colour runs WRAP_IN onto the front and back, so a binding that lands a little off
the fold shows spine colour at the edge, never a stripe of the wrong colour on the
spine. The front carries series, title, subtitle, author and illustrator (on solid
bands over cover art: PDF/X-3 allows no transparency); the back the blurb and, for a
book with an ISBN, the EAN-13 barcode with its price add-on in the 2 x 1.2 in area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import CMYKColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from chapterbook.errors import Problem, RenderError, Severity
from chapterbook.output import HashMemo, atomic_path
from chapterbook.print_rules import BARCODE_IN, BLEED_IN, SPINE_TEXT_MIN_PAGES, inch, spine_inches
from chapterbook.print_rules import COVER_SAFE_IN as SAFE_IN
from chapterbook.render import images, rl_fast
from chapterbook.render.barcode import barcode_size, draw_isbn_barcode
from chapterbook.render.checks import cover_art_px, cover_shape, low_ppi
from chapterbook.render.colophon import join_names
from chapterbook.render.fonts import book_font, typographers_quotes
from chapterbook.spec.load import Story
from chapterbook.spec.models import parse_colour
from chapterbook.spec.story import IMAGE_FILE, MISSING, file_fault
from chapterbook.text import inline_markup, typeset

BLACK = CMYKColor(0, 0, 0, 1)
WHITE = CMYKColor(0, 0, 0, 0)
FRONT_BG = CMYKColor(0.75, 0.05, 0.15, 0)  # sea blue
BACK_BG = CMYKColor(0.04, 0.06, 0.25, 0)  # sand
SUN = CMYKColor(0, 0.2, 0.9, 0)
WAVE = CMYKColor(0.45, 0, 0.1, 0)
WRAP_IN = 0.0625  # how far the spine colour runs onto the front and back
# The blurb's type size: read by children and the grown-ups choosing, so bigger than the body text; a
# long one is set smaller, down to the second, to stay clear of the barcode.
BLURB_PT = (15.0, 11.0)


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
    size: tuple[float, float] = (0.0, 0.0)  # the whole sheet, bleed included, in points


def render_cover(story: Story, out_path: Path, cache_dir: Path, pages: int) -> CoverResult:
    """Write the wrap cover for a book of `pages` interior pages (atomically)."""
    rl_fast.configure()
    spec = story.spec
    family = book_font(story, cache_dir / "fonts")
    trim_w, trim_h = spec.layout.trim_inches()
    spine_in = spine_inches(pages, spec.layout.paper)
    geo = CoverGeometry(inch(trim_w), inch(trim_h), inch(spine_in))
    result = CoverResult(out_path, spine_in, pages >= SPINE_TEXT_MIN_PAGES, size=geo.size)
    barcode = _wants_barcode(story)
    w, h = geo.size
    front = _art(story, ("layout", "cover_image"), spec.layout.cover_image, (w - geo.front_x, h), cache_dir, result, "front cover")
    back = _art(story, ("layout", "cover", "back_image"), spec.layout.cover.back_image, (geo.spine_x, h), cache_dir, result, "back cover")
    with atomic_path(out_path) as tmp:
        c = Canvas(str(tmp), pagesize=(w, h), invariant=1, pageCompression=1, initialFontName=family.regular)
        c.setTitle(f"{spec.book.title} (cover)")
        c.setAuthor(", ".join(spec.book.authors))
        c.setCreator("chapterbook")
        c.setTrimBox(geo.trim_box)
        c.setBleedBox((0, 0, w, h))
        quotes = typographers_quotes(spec, family)
        _back(c, story, geo, family, quotes, back, barcode, result.warnings)
        _front(c, story, geo, family, quotes, front)
        _spine(c, story, geo, family, result.spine_text, quotes)
        c.showPage()
        c.save()
    return result


def colours(story: Story) -> dict[str, CMYKColor]:
    """The cover's colours: front, back, spine and text, from the spec's cover and palette or the defaults."""
    cover, palette = story.spec.layout.cover, story.spec.layout.palette

    def pick(*values: str | None, default: CMYKColor) -> CMYKColor:
        given = next((v for v in values if v), None)
        return CMYKColor(*parse_colour(given)) if given else default

    front = pick(cover.front_colour, palette.main, default=FRONT_BG)
    # Unless set, the spine is the front's colour: the front then runs round the fold, and no binding shift shows a stripe.
    spine = pick(cover.spine_colour, cover.front_colour, palette.main, default=FRONT_BG)
    return {
        "front": front,
        "back": pick(cover.back_colour, default=BACK_BG),
        "spine": spine,
        # The default sea blue is designed for white; a colour from the spec gets black or white by its lightness.
        "text": pick(cover.text_colour, default=WHITE if front is FRONT_BG else _readable_on(front)),
        "spine_text": pick(cover.text_colour, default=WHITE if spine is FRONT_BG else _readable_on(spine)),
    }


def _readable_on(background: CMYKColor) -> CMYKColor:
    """White text on a dark background, black on a light one (by the colour's lightness)."""
    c, m, y, k = background.cyan, background.magenta, background.yellow, background.black
    r, g, b = (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)
    return BLACK if 0.299 * r + 0.587 * g + 0.114 * b > 0.62 else WHITE


def _wants_barcode(story: Story) -> bool:
    """Whether the back gets a barcode: asked for, or by default when the book has an ISBN."""
    book, cover = story.spec.book, story.spec.layout.cover
    if cover.barcode and not book.isbn:
        raise RenderError(
            "a barcode is asked for but the book has no ISBN",
            where=story.where("layout", "cover", "barcode"),
            path="layout.cover.barcode",
            hint="add 'isbn:' under book (your ISBN agency gives you one), or remove 'barcode: true'",
        )
    return bool(book.isbn) if cover.barcode is None else cover.barcode


def _art(story: Story, key: tuple, rel: str | None, box: tuple[float, float], cache_dir: Path, result: CoverResult, what: str) -> images.Placed | None:
    """Art for one panel (`box` in points, bleed included), cropped to its shape at 300 ppi; None without it."""
    if not rel:
        return None
    where = story.where(*key)
    field_name = ".".join(str(k) for k in key)
    found = story.file(rel)
    path = found.path
    if found.fault is not None and found.fault != MISSING:
        message, hint, _ = file_fault(IMAGE_FILE, found)
        raise RenderError(f"{what} {message}", where=where, path=field_name, hint=hint)
    if path is None:
        result.warnings.append(
            Problem(
                f"{what} image '{rel}' does not exist yet; a generated design is used",
                where,
                field_name,
                f"add the file, or remove '{key[-1]}' to keep the generated design",
                Severity.WARNING,
                "missing-image",
            )
        )
        return None
    # The art fills the panel out to the bleed (both panels are trim + bleed); the centre is kept when its shape differs.
    px = cover_art_px(story.spec.layout.trim_inches())
    shape = cover_shape(what, rel, images.image_size(path, where, field_name), px, story.spec.layout.trim_inches(), where, field_name)
    if shape is not None:
        result.warnings.append(shape)
    # The same memo as the interior's pictures: unchanged cover art is not hashed again on a rebuild.
    hashes = HashMemo(cache_dir / "sources.json")
    placed = images.prepare(path, px, cache_dir, crop=True, where=where, field=field_name, hashes=hashes)
    hashes.save()
    result.images.append(placed)
    low = low_ppi(rel, placed.px, placed.source_px, where, field_name, cover=what)
    if low is not None:
        result.warnings.append(low)
    return placed


def _para(text: str, font: str, size: float, colour, quotes: bool, leading: float = 1.15) -> Paragraph:
    return Paragraph(
        inline_markup(text, quotes=quotes), ParagraphStyle("c", fontName=font, fontSize=size, leading=size * leading, alignment=TA_CENTER, textColor=colour)
    )


def _front(c: Canvas, story: Story, geo: CoverGeometry, family, quotes: bool, art: images.Placed | None) -> None:
    """The front panel: art or the generated design, then series, title, subtitle at the top and the names at the bottom."""
    book = story.spec.book
    ink = colours(story)
    w, h = geo.size
    x0 = geo.front_x
    safe = inch(SAFE_IN)
    tx, tw = x0 + safe, geo.trim_w - 2 * safe
    top = h - geo.bleed - safe
    bottom = geo.bleed + safe + (0 if art is not None else h * 0.2)
    # A square book's title would otherwise cover half its art; a long title, subtitle or names are set
    # smaller, down to a floor, until the two blocks leave room between them: for the sun, or for the
    # art between the bands (which would otherwise show as a strip).
    size = min(geo.trim_w / 9, geo.trim_h / 13)
    room = h * (0.4 if art is not None else 0.18)
    while True:
        top_parts, bottom_parts, gap = _front_text(book, family, ink["text"], quotes, size)
        top_h = sum(p.wrap(tw, h)[1] for p in top_parts) + gap * (len(top_parts) - 1)
        bottom_h = sum(p.wrap(tw, h)[1] for p in bottom_parts) + gap * (len(bottom_parts) - 1)
        between = (top - top_h) - (bottom + bottom_h)
        if between >= room or size <= FRONT_TITLE_MIN:
            break
        size = max(FRONT_TITLE_MIN, size * 0.92)
    if art is not None:
        from chapterbook.render.pdf import draw_placed

        draw_placed(c, art, x0, 0, w - x0, h)
        # Solid bands the text reads on, from the bleed edge to a little past the text.
        c.setFillColor(ink["front"])
        c.rect(x0, top - top_h - safe * 0.6, w - x0, h - (top - top_h - safe * 0.6), stroke=0, fill=1)
        c.rect(x0, 0, w - x0, bottom + bottom_h + safe * 0.6, stroke=0, fill=1)
    else:
        _design(c, x0, w - x0, h, ink["front"], (bottom + bottom_h + gap, top - top_h - gap))
    y = top
    for p in top_parts:
        ph = p.wrap(tw, h)[1]
        p.drawOn(c, tx, y - ph)
        y -= ph + gap
    y = bottom + bottom_h
    for p in bottom_parts:
        ph = p.wrap(tw, h)[1]
        p.drawOn(c, tx, y - ph)
        y -= ph + gap


FRONT_TITLE_MIN = 20.0  # the smallest a front's title is set, in points


def _front_text(book, family, colour, quotes: bool, size: float) -> tuple[list[Paragraph], list[Paragraph], float]:
    """(series, title and subtitle; author and illustrator; the gap between lines) for a title of `size` points."""
    # The lines round the title keep a size that reads from a shelf when the title is set smaller.
    small, names = max(size * 0.34, 10.0), max(size * 0.45, 12.0)
    top = [_para(book.series, family.bold, small, colour, quotes)] if book.series else []
    top.append(_para(book.title, family.bold, size, colour, quotes))
    if book.subtitle:
        top.append(_para(book.subtitle, family.italic, max(size * 0.42, 11.0), colour, quotes, 1.3))
    bottom = [_para(join_names(book.authors), family.bold, names, colour, quotes)]
    if book.illustrator:
        bottom.append(_para("illustrated by " + book.illustrator, family.regular, small, colour, quotes))
    return top, bottom, max(size * 0.3, 6.0)


def _design(c: Canvas, x0: float, pw: float, h: float, background: CMYKColor, free: tuple[float, float]) -> None:
    """A sun and waves on the front colour: a simple, friendly design that needs no art.

    The sun goes in `free` (the band, from bottom to top, that the text leaves), smaller where
    the band is narrow, and is left out where it has no room: it never sits under a word.
    """
    c.setFillColor(background)
    c.rect(x0, 0, pw, h, stroke=0, fill=1)
    low, high = free
    r = min(min(pw, h) * 0.12, (high - low) / 2 - 6)
    if r >= min(pw, h) * 0.05:
        c.setFillColor(SUN)
        c.circle(x0 + pw * 0.78, max(low + 6 + r, min(h * 0.42, high - 6 - r)), r, stroke=0, fill=1)
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


def _back(c: Canvas, story: Story, geo: CoverGeometry, family, quotes: bool, art: images.Placed | None, barcode: bool, warnings: list[Problem]) -> None:
    """The back panel: art or colour, the blurb (on a light band over art), the publisher and the barcode."""
    book = story.spec.book
    _, h = geo.size
    ink = colours(story)
    if art is not None:
        from chapterbook.render.pdf import draw_placed

        draw_placed(c, art, 0, 0, geo.spine_x, h)
    else:
        c.setFillColor(ink["back"])
        c.rect(0, 0, geo.spine_x, h, stroke=0, fill=1)
    safe = inch(SAFE_IN)
    x = geo.back_x + safe
    width = geo.trim_w - 2 * safe
    top = h - geo.bleed - safe
    # The barcode area: white, bottom right of the back, inside the safe zone.
    bw_, bh_ = inch(BARCODE_IN[0]), inch(BARCODE_IN[1])
    bx, by = geo.spine_x - inch(0.25) - bw_, geo.bleed + inch(0.25)
    if book.description:
        # The blurb (and its band over art) stays above the barcode area: a long one is set smaller, down to
        # BLURB_PT's floor, and past that cut where the room ends, with a warning (over a barcode, it would
        # stop the barcode scanning).
        room = top - (by + bh_ + safe * 0.5) - (safe * 0.4 if art is not None else 0.0)
        size = BLURB_PT[0]
        while True:
            blurb = Paragraph(
                inline_markup(book.description, quotes=quotes),
                ParagraphStyle("b", fontName=family.regular, fontSize=size, leading=size * 1.4, alignment=TA_LEFT, textColor=BLACK),
            )
            bw, bh = blurb.wrap(width, h)
            if bh <= room or size <= BLURB_PT[1]:
                break
            size -= 0.5
        if bh > room:
            words = len(book.description.split())
            warnings.append(
                Problem(
                    f"the blurb ('description', {words} words) is too long for the back cover: even at {size:g} pt it runs into "
                    "the barcode area, so it is cut where the room ends",
                    story.where("book", "description"),
                    "book.description",
                    f"shorten it to about {int(words * room / bh)} words",
                    Severity.WARNING,
                    "cover-blurb",
                )
            )
            blurb = blurb.split(width, room)[0]
            bw, bh = blurb.wrap(width, room)
        if art is not None:
            c.setFillColor(WHITE)
            c.roundRect(x - safe * 0.4, top - bh - safe * 0.4, width + safe * 0.8, bh + safe * 0.8, 6, stroke=0, fill=1)
        blurb.drawOn(c, x, top - bh)
    c.setFillColor(WHITE)
    c.rect(bx, by, bw_, bh_, stroke=0, fill=1)
    if barcode and book.isbn:
        cw, ch = barcode_size()
        draw_isbn_barcode(c, book.isbn, story.spec.layout.cover.price_code, bx + (bw_ - cw) / 2, by + (bh_ - ch) / 2, family.regular)
    if book.publisher:
        if art is not None:
            c.setFillColor(WHITE)
            c.rect(x - 4, geo.bleed + inch(0.35) - 4, stringWidth(book.publisher, family.regular, 10) + 8, 16, stroke=0, fill=1)
        c.setFillColor(BLACK)
        c.setFont(family.regular, 10)
        c.drawString(x, geo.bleed + inch(0.35), typeset(book.publisher) if quotes else book.publisher)


def _spine(c: Canvas, story: Story, geo: CoverGeometry, family, with_text: bool, quotes: bool) -> None:
    """The spine's colour, running WRAP_IN onto the front and back, and its text when there is room."""
    _, h = geo.size
    ink = colours(story)
    wrap = inch(WRAP_IN)
    c.setFillColor(ink["spine"])
    c.rect(geo.spine_x - wrap, 0, geo.spine + 2 * wrap, h, stroke=0, fill=1)
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
    c.setFillColor(ink["spine_text"])
    c.setFont(family.bold, size)
    c.drawCentredString(0, -size * 0.35, text)
    c.restoreState()
