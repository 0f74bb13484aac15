"""The old home of the page geometry, kept so code written against it still imports.

New code reads the numbers from :mod:`chapterbook.print_rules` and the boxes
from :mod:`chapterbook.render.geometry`; nothing is defined here.
"""

from chapterbook.print_rules import (  # noqa: F401
    BARCODE_IN,
    BLEED_IN,
    BOTTOM_IN,
    GUTTER_TABLE,
    MAX_PAGES,
    MIN_PAGES,
    OUTSIDE_IN,
    PAPER_THICKNESS_IN,
    POINTS_PER_INCH,
    SPINE_TEXT_MIN_PAGES,
    TOP_IN,
    gutter_inches,
    inch,
    spine_inches,
)
from chapterbook.render.geometry import PageGeometry  # noqa: F401
