"""The ISBN barcode for the back cover: EAN-13 with its 5-digit price add-on, drawn as vectors.

Sizes follow the GS1 / Bookland rules printers check: the nominal module (bar unit) is
0.33 mm and may be scaled 80-200 %; we print at 85 % so the pair fits the 2 x 1.2 in
area print-on-demand services leave for it. Quiet zones: 11 modules left of the EAN-13,
9 between it and the add-on (the rules allow 7-12), 7 right of the add-on
(the rules ask 5; zbar, like many phone scanners, misses the add-on with less). Bars are
K-only black on a white box, which is what scanners read best.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.colors import CMYKColor
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from chapterbook.render.rl_fast import set_past_checks

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# ReportLab's barcode package (it registers every kind of barcode it has) and python-stdnum (which
# loads ssl and pydoc) are imported where they are used: a book without an ISBN never needs them,
# and they were a twentieth of a rebuild's start-up.

BLACK = CMYKColor(0, 0, 0, 1)
WHITE = CMYKColor(0, 0, 0, 0)
MAGNIFICATION = 0.85
MODULE = 0.33 * mm * MAGNIFICATION
BAR_HEIGHT = 22.85 * mm * MAGNIFICATION  # the nominal bar height, with the digits under it
QUIET_LEFT, QUIET_GAP, QUIET_RIGHT = 11, 9, 7
NO_PRICE = "90000"


def hyphenated(isbn13: str) -> str:
    """The ISBN with its registration-group hyphens from the ISBN range data, e.g. 979-8-88712-041-6."""
    from stdnum import isbn as stdnum_isbn

    return stdnum_isbn.format(isbn13)


def barcode_size(font_size: float = 9) -> tuple[float, float]:
    """Width and height in points of the barcode with its add-on and the ISBN line above it."""
    width = MODULE * (QUIET_LEFT + 95 + QUIET_GAP + 47 + QUIET_RIGHT)
    return width, BAR_HEIGHT + font_size * 1.6


def _quiet(widget, left: int, right: int):
    """`widget` with quiet zones of `left` and `right` modules. ReportLab's attribute checks declare
    these as booleans though its code reads them as lengths, so they are set past the check."""
    set_past_checks(widget, lquiet=left * MODULE, rquiet=right * MODULE)  # ReportLab internals live in rl_fast
    return widget


def _paint(c: Canvas, shape, x: float, y: float) -> None:
    """Draw a widget's bars and digits straight onto the canvas at (x, y). ReportLab's own renderer
    would first select Helvetica, a font the PDF does not embed, which printers refuse."""
    from reportlab.graphics.shapes import Group, Rect, String

    if isinstance(shape, Group):
        for child in shape.contents:
            _paint(c, child, x, y)
    elif isinstance(shape, Rect) and shape.fillColor is not None:
        c.setFillColor(BLACK)
        c.rect(x + shape.x, y + shape.y, shape.width, shape.height, stroke=0, fill=1)
    elif isinstance(shape, String):
        width = stringWidth(shape.text, shape.fontName, shape.fontSize)
        shift = {"middle": width / 2, "end": width}.get(shape.textAnchor, 0)
        c.setFillColor(BLACK)
        c.setFont(shape.fontName, shape.fontSize)
        c.drawString(x + shape.x - shift, y + shape.y, shape.text)


def draw_isbn_barcode(c: Canvas, isbn13: str, addon: str, x: float, y: float, font: str, font_size: float = 9) -> tuple[float, float]:
    """Draw the ISBN line, the EAN-13 and the add-on with their bottom-left at (x, y) on a white
    box that holds the quiet zones; returns the size used."""
    from reportlab.graphics.barcode.eanbc import Ean5BarcodeWidget, Ean13BarcodeWidget

    w, h = barcode_size(font_size)
    c.saveState()
    c.setFillColor(WHITE)
    c.rect(x, y, w, h, stroke=0, fill=1)
    digits = isbn13[:12]  # the widget adds the check digit itself; it must be the ISBN's own
    common = dict(barWidth=MODULE, barHeight=BAR_HEIGHT, fontName=font, fontSize=font_size * 0.9, barFillColor=BLACK, textColor=BLACK)
    ean = _quiet(Ean13BarcodeWidget(digits, **common), QUIET_LEFT, 0)
    ean_w = MODULE * (QUIET_LEFT + 95)
    add = _quiet(Ean5BarcodeWidget(addon, x=ean_w + QUIET_GAP * MODULE, **common), 0, QUIET_RIGHT)
    for widget in (ean, add):
        _paint(c, widget.draw(), x, y)
    c.setFillColor(BLACK)
    c.setFont(font, font_size)
    c.drawString(x + QUIET_LEFT * MODULE, y + BAR_HEIGHT + font_size * 0.45, "ISBN " + hyphenated(isbn13))
    c.restoreState()
    return w, h
