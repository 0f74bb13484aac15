"""What every diagram kind draws with: the book's colours, labels that wrap and stay inside, arrows, objects.

Text is K-only black at 12 pt or more (six-year-olds read it); arrows and things take the
book's palette (process colours by default, so they read on a colour interior and still
print as greys in black and white).
"""

from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass

from reportlab.lib.colors import CMYKColor
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from chapterbook.spec.models import Palette, parse_colour

MIN_LABEL_PT = 12.0  # the smallest label a six-year-old reads comfortably
# While set (see chapterbook.render.diagrams.crowding), every label drawn adds its box here, a
# label cut short adds None, and a drawing that cannot keep its shapes apart says so (a string):
# a dry run tells whether a diagram's words fit the room it has.
RECORD: contextvars.ContextVar[list | None] = contextvars.ContextVar("diagram_labels", default=None)
BLACK = CMYKColor(0, 0, 0, 1)
GREY = CMYKColor(0, 0, 0, 0.45)
TINT = CMYKColor(0.08, 0, 0.02, 0)
GROUND = CMYKColor(0.1, 0.2, 0.45, 0.05)
PUSH = CMYKColor(0, 0.9, 0.7, 0)  # warm red-magenta
PULL = CMYKColor(0.85, 0.3, 0, 0)  # blue
THING = CMYKColor(0, 0.15, 0.6, 0)  # warm yellow


@dataclass(frozen=True)
class Ink:
    """The colours of one book's diagrams: pushes, pulls and paths, things."""

    push: CMYKColor = PUSH
    pull: CMYKColor = PULL
    thing: CMYKColor = THING

    @classmethod
    def from_palette(cls, palette: Palette | None) -> Ink:
        """The diagram colours for `palette`, its unset colours taken from the defaults."""
        if palette is None:
            return cls()

        def pick(value: str | None, default: CMYKColor) -> CMYKColor:
            return CMYKColor(*parse_colour(value)) if value else default

        return cls(pick(palette.main, PUSH), pick(palette.second, PULL), pick(palette.accent, THING))

    def light(self, colour: CMYKColor, amount: float = 0.35) -> CMYKColor:
        """`colour` at `amount` of its strength: a fill that black text reads on."""
        return CMYKColor(colour.cyan * amount, colour.magenta * amount, colour.yellow * amount, colour.black * amount)


def wrap(text: str, font: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """`text` on balanced lines no wider than `width` (at most `max_lines`; the last one cut short when needed)."""
    room = max(width, size * 2)
    lines = simpleSplit(text, font, size, room) or [""]
    # Balance the lines ("magnet pulls / the clip", not "magnet pulls the / clip"): the narrowest
    # width that still needs no more lines.
    narrow = room
    while len(lines) > 1 and narrow > size * 2:
        narrower = simpleSplit(text, font, size, narrow - size)
        if len(narrower) != len(lines):
            break
        lines, narrow = narrower, narrow - size
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [fit(" ".join(lines[max_lines - 1 :]), room, size)]
    return lines


def fit(text: str, width: float, size: float) -> str:
    """Trim a label so it fits about `width` points (labels are short; this keeps long ones tidy)."""
    max_chars = max(4, int(width / (size * 0.5)))
    if len(text) <= max_chars:
        return text
    record = RECORD.get()
    if record is not None:
        record.append(None)
    return text[: max_chars - 1] + "…"


def label(c: Canvas, text: str, x: float, y: float, font: str, size: float, align: str = "centre", tag=TINT) -> None:
    """Text on a soft tag of the background colour, so a line or arrow under it never cuts through it."""
    if not text:
        return
    width = stringWidth(text, font, size)
    left = x - width / 2 if align == "centre" else x - width if align == "right" else x
    pad = size * 0.25
    if tag is not None:
        c.setFillColor(tag)
        c.roundRect(left - pad, y - size * 0.3, width + 2 * pad, size * 1.2, size * 0.3, stroke=0, fill=1)
    c.setFillColor(BLACK)
    c.setFont(font, size)
    c.drawString(left, y, text)
    record = RECORD.get()
    if record is not None:  # the letters' body: from the baseline to the x-height and a little
        record.append((text, left, y, left + width, y + size * 0.6))


def label_within(c: Canvas, text: str, x: float, lo: float, hi: float, y: float, font: str, size: float, align: str = "centre", down: bool = False) -> float:
    """A label at x (its centre, or its start or end with `align`), slid to stay within lo..hi, so a
    label beside an object never runs into it or off the diagram. One too long for the room is set
    on up to four lines, growing upwards from `y` (downwards with `down`). Returns its height."""
    lines = wrap(text, font, size, hi - lo, 4)
    room = max(hi - lo, size * 2)
    step = -size * 1.25 if down else size * 1.25
    for i, line in enumerate(lines if down else reversed(lines)):
        half = min(stringWidth(line, font, size), room) / 2
        centre = x + half if align == "left" else x - half if align == "right" else x
        label(c, line, min(max(centre, lo + half), hi - half), y + i * step, font, size)
    return len(lines) * size * 1.25


def text_block(c: Canvas, text: str, cx: float, top: float, width: float, font: str, size: float, max_lines: int = 3, tag=None) -> float:
    """`text` centred on `cx`, wrapped to `width`, its first line's top at `top`; returns the height used."""
    lines = wrap(text, font, size, width, max_lines)
    for i, line in enumerate(lines):
        label(c, line, cx, top - size * 0.95 - i * size * 1.2, font, size, tag=tag)
    return len(lines) * size * 1.2


def arrow(c: Canvas, x0: float, y0: float, x1: float, y1: float, colour: CMYKColor, width: float = 4.0) -> None:
    """A thick arrow from (x0, y0) to (x1, y1) with a filled head."""
    angle = math.atan2(y1 - y0, x1 - x0)
    head = min(max(10.0, width * 3.2), math.hypot(x1 - x0, y1 - y0) * 0.6)
    bx, by = x1 - head * math.cos(angle), y1 - head * math.sin(angle)
    c.setStrokeColor(colour)
    c.setFillColor(colour)
    c.setLineWidth(width)
    c.setLineCap(0)
    c.line(x0, y0, bx, by)
    spread = head * 0.6
    p = c.beginPath()
    p.moveTo(x1, y1)
    p.lineTo(bx + spread * math.sin(angle), by - spread * math.cos(angle))
    p.lineTo(bx - spread * math.sin(angle), by + spread * math.cos(angle))
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def ground(c: Canvas, w: float, y: float) -> None:
    """A strip of ground from the diagram's bottom up to `y`."""
    c.setFillColor(GROUND)
    c.setStrokeColor(GROUND)
    c.rect(8, 8, w - 16, y - 8, stroke=0, fill=1)


def thing(c: Canvas, cx: float, cy: float, size: float, name: str, font: str, fsize: float, ink: Ink) -> None:
    """The diagram's object: a rounded box with its name under it."""
    c.setFillColor(ink.thing)
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.roundRect(cx - size / 2, cy - size / 2, size, size * 0.8, 6, stroke=1, fill=1)
    if name:
        label_within(c, name, cx, cx - size * 1.2, cx + size * 1.2, cy - size / 2 - fsize - 3, font, fsize, down=True)


def rounded_box(c: Canvas, x: float, y: float, w: float, h: float, fill: CMYKColor, radius: float = 8) -> None:
    """A filled rounded box with a thin black outline."""
    c.setFillColor(fill)
    c.setStrokeColor(BLACK)
    c.setLineWidth(1)
    c.roundRect(x, y, w, h, radius, stroke=1, fill=1)
