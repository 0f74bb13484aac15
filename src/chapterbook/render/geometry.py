"""Where things sit on an interior page: trim box, bleed box and mirrored text block, in points.

The numbers (trim, bleed, margins, the gutter table) are the print rules in
:mod:`chapterbook.print_rules`; this module only turns them into boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from chapterbook.print_rules import BLEED_IN, BOTTOM_IN, MIN_PAGES, OUTSIDE_IN, TOP_IN, inch, inside_inches

if TYPE_CHECKING:
    from chapterbook.spec.models import Layout  # a type only: the spec's models load Pydantic


class PageGeometry(msgspec.Struct, frozen=True):
    """Where everything sits on one interior page size, for both recto and verso."""

    trim_w: float
    trim_h: float
    gutter: float  # the whole inside margin, from the spine fold to the text
    bleed: float = inch(BLEED_IN)
    outside: float = inch(OUTSIDE_IN)
    top: float = inch(TOP_IN)
    bottom: float = inch(BOTTOM_IN)

    @classmethod
    def for_layout(cls, layout: Layout, pages: int = MIN_PAGES) -> PageGeometry:
        """The geometry of `layout`'s trim for a book of `pages` pages (the inside margin grows with it)."""
        w, h = layout.trim_inches()
        return cls(inch(w), inch(h), inch(inside_inches(pages)))

    @property
    def page_size(self) -> tuple[float, float]:
        """The media box: bleed on the outside edge, top and bottom; none at the spine."""
        return (self.trim_w + self.bleed, self.trim_h + 2 * self.bleed)

    def trim_box(self, recto: bool) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the trimmed page. A recto's spine is on its left."""
        x0 = 0.0 if recto else self.bleed
        return (x0, self.bleed, x0 + self.trim_w, self.bleed + self.trim_h)

    def bleed_box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the whole sheet, bleed included (= the media box)."""
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
        """Width of the text block, in points."""
        return self.trim_w - self.gutter - self.outside

    @property
    def text_height(self) -> float:
        """Height of the text block, in points."""
        return self.trim_h - self.top - self.bottom
