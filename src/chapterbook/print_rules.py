"""The print rules, in one table: trims, bleed, margins, the gutter table, page limits, spine width, fonts.

Every stage that needs one of these numbers reads it from here: the spec (trim
presets and limits), the interior layout (render/geometry.py), the cover
(render/cover.py), preflight (which checks any PDF against them) and the
`new` scaffold (which lists the presets to an author). Numbers follow KDP's
paperback rules (IngramSpark's are the same or looser) unless a comment says a
designer's rule is stricter.

Lengths are in inches unless a name says `_pt`; `inch()` converts to PDF points.
This module imports nothing from chapterbook, so the spec can read it too.
"""

from __future__ import annotations

from pathlib import Path

POINTS_PER_INCH = 72.0


def inch(value: float) -> float:
    """`value` inches in PDF points (1/72 in)."""
    return value * POINTS_PER_INCH


# --- trims ----------------------------------------------------------------------------------

# The trims print-on-demand services offer for paperbacks, by the name an author writes.
TRIM_PRESETS: dict[str, tuple[float, float]] = {
    "5x8": (5.0, 8.0),
    "5.25x8": (5.25, 8.0),
    "5.5x8.5": (5.5, 8.5),
    "6x9": (6.0, 9.0),
    "7x10": (7.0, 10.0),
    "8x10": (8.0, 10.0),
    "8.5x8.5": (8.5, 8.5),
    "8.5x11": (8.5, 11.0),
}
# Any other 'WxH' must fall inside what they print: (min, max) width and height.
TRIM_WIDTH_IN = (4.0, 8.5)
TRIM_HEIGHT_IN = (6.0, 11.69)

# --- bleed and margins ----------------------------------------------------------------------

# Bleed on the outside, top and bottom of an interior page (none at the spine), and on all
# four edges of the wrap cover.
BLEED_IN = 0.125
# Outside/top/bottom margins, measured from the trim edge. KDP asks for at least 0.375 in
# outside when a book has bleed; early readers want a roomier page.
OUTSIDE_IN = 0.55
TOP_IN = 0.7
BOTTOM_IN = 0.75

# The inside margin by page count: (up to pages, KDP's minimum gutter, the inside margin used).
# KDP's column is the least a printer accepts. A designer wants the inside margin (gutter
# included) at least as wide as the outside one, or the text crowds the spine once the book
# is bound and part of the inside disappears into the fold; so the margin used is KDP's
# minimum plus a quarter inch, which keeps it above OUTSIDE_IN at every step and lets it grow
# with the book's thickness as KDP's does. tests/test_print_rules.py checks both rules.
GUTTER_TABLE: tuple[tuple[int, float, float], ...] = (
    (150, 0.375, 0.625),
    (300, 0.5, 0.75),
    (500, 0.625, 0.875),
    (700, 0.75, 1.0),
    (828, 0.875, 1.125),
)

# --- page count -----------------------------------------------------------------------------

MIN_PAGES = 24  # short books are padded with blank pages up to this
MAX_PAGES = 828  # the thickest paperback KDP binds (the last row of GUTTER_TABLE)

# --- pictures -------------------------------------------------------------------------------

PPI = 300  # the resolution a picture is printed at, at least (preflight's minimum): fewer pixels are resampled up to it
# A picture with up to this many pixels per inch at its printed size (after a JPEG's reduced-scale decode,
# resample.py) is kept at the resolution it has instead of being resampled to exactly PPI: Adobe's PDF/X
# and press presets downsample (bicubic) only pictures above 450 ppi, to 300, since a press cannot show
# the difference between 300 and 450 ppi. Resampling each picture was most of a cold build's work, and a
# JPEG in the book's colour space, upright and within this range is embedded without decoding it at all.
MAX_KEPT_PPI = 1.5 * PPI
HARD_MIN_PPI = 150.0  # below this a printer rejects the file, not just warns
# A half or spot picture that does not fit the room left on its page may be drawn down to this
# share of its size (`fit: shrink`, the default for pictures) before it moves to the next page.
PICTURE_SHRINK_FLOOR = 0.7


def ppi_at(source_px: tuple[int, int], px: tuple[int, int]) -> float:
    """The resolution a picture of `source_px` pixels has when printed at `px` pixels of 300 ppi."""
    return min(source_px[0] / px[0], source_px[1] / px[1]) * PPI


def kept_as_is(have_px: tuple[int, int], px: tuple[int, int]) -> bool:
    """Whether a picture of `have_px` pixels, printed at the size of `px` at PPI, is embedded as it is (between PPI and MAX_KEPT_PPI on each axis)."""
    return all(p <= h <= p * MAX_KEPT_PPI / PPI for h, p in zip(have_px, px))


def fit(source_px: tuple[int, int], box_pt: tuple[float, float]) -> tuple[int, int]:
    """Pixel size at 300 ppi of the largest rectangle with the source's shape inside `box_pt`."""
    sw, sh = source_px
    bw, bh = box_pt[0] / 72.0 * PPI, box_pt[1] / 72.0 * PPI
    scale = min(bw / sw, bh / sh)
    return max(1, int(sw * scale)), max(1, int(sh * scale))


# --- spine and cover ------------------------------------------------------------------------

# Paper thickness per page (KDP), by `layout.paper`: spine width = pages x this.
PAPER_THICKNESS_IN: dict[str, float] = {"white": 0.002252, "cream": 0.0025, "color": 0.002347}
SPINE_TEXT_MIN_PAGES = 79  # KDP allows spine text from 79 pages on
# The widest spine a wrap cover can have: MAX_PAGES on the thickest paper, with a little room.
MAX_SPINE_IN = MAX_PAGES * max(PAPER_THICKNESS_IN.values()) + 0.06
BARCODE_IN = (2.0, 1.2)  # the clear area left for the ISBN barcode, bottom right of the back
COVER_SAFE_IN = 0.375  # cover text stays this far inside the trim

# The word a placeholder panel (a picture not supplied yet) is labelled with; preflight lists
# every panel left in a PDF by finding it.
PLACEHOLDER_LABEL = "PLACEHOLDER"

# --- fonts ----------------------------------------------------------------------------------

FONT_DIR = Path(__file__).resolve().parent / "fonts"
# The font families that ship with chapterbook (embedded and subset in every PDF), face by face.
SHIPPED_FONTS: dict[str, dict[str, str]] = {
    "Andika": {
        "regular": "Andika-Regular.ttf",
        "bold": "Andika-Bold.ttf",
        "italic": "Andika-Italic.ttf",
        "bolditalic": "Andika-BoldItalic.ttf",
    }
}


# --- rules that take a book -----------------------------------------------------------------


def _gutter_row(pages: int) -> tuple[int, float, float]:
    for row in GUTTER_TABLE:
        if pages <= row[0]:
            return row
    return GUTTER_TABLE[-1]


def gutter_inches(pages: int) -> float:
    """The inside margin KDP requires at least, for a book of `pages` pages."""
    return _gutter_row(pages)[1]


def inside_inches(pages: int) -> float:
    """The inside margin (gutter included) a book of `pages` pages is laid out with."""
    return _gutter_row(pages)[2]


def spine_inches(pages: int, paper: str) -> float:
    """Spine width of a paperback with `pages` interior pages on `paper` (white, cream or color)."""
    return round(pages * PAPER_THICKNESS_IN[getattr(paper, "value", paper)], 4)
