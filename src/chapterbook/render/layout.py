"""Page geometry for print: trim, bleed, mirrored margins, the KDP gutter table and spine width.

All lengths are in PDF points (1/72 in) unless a name says `_in`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chapterbook.spec.models import Layout, Paper

POINTS_PER_INCH = 72.0
BLEED_IN = 0.125
# Outside/top/bottom margins, measured from the trim edge. KDP asks for at least
# 0.375 in outside when a book has bleed; early readers want a roomier page.
OUTSIDE_IN = 0.55
TOP_IN = 0.7
BOTTOM_IN = 0.75

# KDP paperback inside (gutter) margin by page count: (up to pages, inches).
GUTTER_TABLE: tuple[tuple[int, float], ...] = (
    (150, 0.375),
    (300, 0.5),
    (500, 0.625),
    (700, 0.75),
    (828, 0.875),
)
MAX_PAGES = 828
MIN_PAGES = 24

# Paper thickness per page in inches (KDP): spine width = pages x this.
PAPER_THICKNESS_IN = {Paper.white: 0.002252, Paper.cream: 0.0025, Paper.color: 0.002347}
SPINE_TEXT_MIN_PAGES = 79  # KDP allows spine text from 79 pages on
BARCODE_IN = (2.0, 1.2)


def inch(value: float) -> float:
    return value * POINTS_PER_INCH


def gutter_inches(pages: int) -> float:
    """The inside margin KDP requires for a book of `pages` pages."""
    for limit, gutter in GUTTER_TABLE:
        if pages <= limit:
            return gutter
    return GUTTER_TABLE[-1][1]


def spine_inches(pages: int, paper: Paper) -> float:
    """Spine width of a paperback with `pages` interior pages on `paper`."""
    return round(pages * PAPER_THICKNESS_IN[paper], 4)


@dataclass(frozen=True)
class PageGeometry:
    """Where everything sits on one interior page size, for both recto and verso."""

    trim_w: float
    trim_h: float
    gutter: float
    bleed: float = inch(BLEED_IN)
    outside: float = inch(OUTSIDE_IN)
    top: float = inch(TOP_IN)
    bottom: float = inch(BOTTOM_IN)

    @classmethod
    def for_layout(cls, layout: Layout, pages: int = MIN_PAGES) -> PageGeometry:
        w, h = layout.trim_inches()
        return cls(inch(w), inch(h), inch(gutter_inches(pages)))

    @property
    def page_size(self) -> tuple[float, float]:
        """The media box: bleed on the outside edge, top and bottom; none at the spine."""
        return (self.trim_w + self.bleed, self.trim_h + 2 * self.bleed)

    def trim_box(self, recto: bool) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the trimmed page. A recto's spine is on its left."""
        x0 = 0.0 if recto else self.bleed
        return (x0, self.bleed, x0 + self.trim_w, self.bleed + self.trim_h)

    def bleed_box(self) -> tuple[float, float, float, float]:
        w, h = self.page_size
        return (0.0, 0.0, w, h)

    def text_block(self, recto: bool) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the text area; mirrored so the gutter is always at the spine."""
        x0, y0, x1, y1 = self.trim_box(recto)
        left = self.gutter if recto else self.outside
        right = self.outside if recto else self.gutter
        return (x0 + left, y0 + self.bottom, self.trim_w - left - right, self.trim_h - self.top - self.bottom)

    @property
    def text_width(self) -> float:
        return self.trim_w - self.gutter - self.outside

    @property
    def text_height(self) -> float:
        return self.trim_h - self.top - self.bottom
