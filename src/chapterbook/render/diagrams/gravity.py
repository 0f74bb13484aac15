"""gravity: a thing pulled towards a big body (the Earth by default, or any named one)."""

from __future__ import annotations

import math

from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, Ink, arrow, ground, label, label_within, text_block
from chapterbook.spec.models import Diagram

BODY = CMYKColor(0.6, 0, 0.1, 0)


def draw(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """The Earth as ground with the thing falling to it, or two named bodies pulling on each other."""
    if d.other_object and d.other_object.strip().lower() != "earth":
        _two_bodies(c, d, w, h, font, fs, names, ink)
        return
    gy = h * 0.18
    ground(c, w, gy)
    r = min(w, h) * 0.11
    cx, cy = w * 0.45, h * 0.72
    c.setFillColor(BODY)
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.circle(cx, cy, r, stroke=1, fill=1)
    if d.object:
        label_within(c, d.object, cx + r + 8, cx + r + 8, w - fs * 0.6, cy - fs / 3, font, fs, "left")
    arrow(c, cx, cy - r - 4, cx, gy + 10, ink.push)
    label_within(c, names[0], cx + 10, cx + 10, w - fs * 0.6, (cy + gy) / 2, font, fs, "left")
    label(c, d.other_object or "Earth", w - 20, gy - fs - 2 if gy > fs + 12 else gy + 4, font, fs, "right")


def _two_bodies(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """The big body low on the left, the thing high on the right, an arrow each way between them."""
    big = min(w * 0.2, h * 0.3)
    small = big * 0.35
    bx, by = w * 0.26, h * 0.42
    sx, sy = w * 0.8, h * 0.62
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.setFillColor(BODY)
    c.circle(bx, by, big, stroke=1, fill=1)
    c.setFillColor(ink.thing)
    c.circle(sx, sy, small, stroke=1, fill=1)
    gap = fs * 0.6
    text_block(c, d.other_object, bx, by - big - 4, w * 0.45, font, fs, 2)
    if d.object:
        label_within(c, d.object, sx, w * 0.55, w - gap, sy + small + 6, font, fs)
    ang = math.atan2(by - sy, bx - sx)
    ux, uy = math.cos(ang), math.sin(ang)
    px, py = -uy * 7, ux * 7  # the two arrows side by side, a little apart
    x0, y0 = sx + ux * (small + 6), sy + uy * (small + 6)
    x1, y1 = bx - ux * (big + 6), by - uy * (big + 6)
    arrow(c, x0 + px, y0 + py, x0 + (x1 - x0) * 0.55 + px, y0 + (y1 - y0) * 0.55 + py, ink.push, 3.5)
    arrow(c, x1 - px, y1 - py, x1 + (x0 - x1) * 0.4 - px, y1 + (y0 - y1) * 0.4 - py, ink.push, 2.5)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    label_within(c, names[0], mx + 10, mx - 20, w - gap, my - fs * 2.2, font, fs, "left", down=True)
