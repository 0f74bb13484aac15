"""ramp: a thing on a slope, gravity straight down and the slide along the slope."""

from __future__ import annotations

import math

from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, Ink, arrow, ground, label_within
from chapterbook.spec.models import Diagram


def draw(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw a wedge with the object on it, its weight arrow and its way down the slope."""
    gy = h * 0.15
    ground(c, w, gy)
    x0, x1, top = w * 0.1, w * 0.9, h * 0.78
    c.setFillColor(CMYKColor(0.05, 0.1, 0.3, 0.1))
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    p = c.beginPath()
    p.moveTo(x0, gy)
    p.lineTo(x0, top)
    p.lineTo(x1, gy)
    p.close()
    c.drawPath(p, stroke=1, fill=1)
    angle = math.atan2(top - gy, x1 - x0)
    t = 0.35
    ox, oy = x0 + (x1 - x0) * t, top - (top - gy) * t
    size = min(w, h) * 0.16
    c.saveState()
    c.translate(ox, oy)
    c.rotate(-math.degrees(angle))
    c.setFillColor(ink.thing)
    c.roundRect(-size / 2, 0, size, size * 0.7, 4, stroke=1, fill=1)
    c.restoreState()
    cx, cy = ox + size * 0.35 * math.sin(angle), oy + size * 0.35 * math.cos(angle)
    arrow(c, cx, cy, cx, cy - h * 0.28, ink.push, 3)
    gap = fs * 0.6
    # Left of the weight arrow: the slide arrow runs off to its right.
    label_within(c, names[0], cx - 8, gap, cx - 8, cy - h * 0.2, font, fs, "right")
    dx, dy = math.cos(angle), -math.sin(angle)
    sx, sy = cx + size * 0.8 * dx + 10 * math.sin(angle), cy + size * 0.8 * dy + 10 * math.cos(angle)
    arrow(c, sx, sy, sx + dx * w * 0.2, sy + dy * w * 0.2, ink.pull, 3)
    if len(names) > 1:
        label_within(c, names[1], x0 + 6, x0 + 6, x0 + (x1 - x0) * 0.75, gy + 6, font, fs, "left")
    if d.object:  # top right, above the slope, clear of both arrows' labels
        label_within(c, d.object, w - gap, ox + size, w - gap, h - gap - fs, font, fs, "right", down=True)
