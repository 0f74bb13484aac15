"""motion_path: the way a thing moves: thrown in an arc, straight along, falling, rising, or round a circle."""

from __future__ import annotations

import math

from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, Ink, arrow, ground, label_within, wrap
from chapterbook.spec.models import Diagram, MotionPathKind

STEPS = 20


def _points(kind: MotionPathKind, w: float, h: float, gy: float, rise: float) -> list[tuple[float, float]]:
    """STEPS + 1 points along the path; equal times apart, so their spacing shows speeding up or slowing."""
    ts = [i / STEPS for i in range(STEPS + 1)]
    if kind == MotionPathKind.arc:
        return [(w * (0.12 + 0.76 * t), gy + 14 + rise * 4 * t * (1 - t)) for t in ts]
    if kind == MotionPathKind.straight:
        return [(w * (0.12 + 0.76 * t), gy + 14) for t in ts]
    if kind == MotionPathKind.fall:  # faster and faster: distance grows as time squared
        return [(w * 0.35, h * 0.86 - (h * 0.86 - gy - 10) * t * t) for t in ts]
    if kind == MotionPathKind.rise:  # slowing as it rises
        return [(w * 0.35, gy + 10 + (h * 0.86 - gy - 10) * (1 - (1 - t) ** 2)) for t in ts]
    r = min(w * 0.22, h * 0.32)
    return [(w / 2 + r * math.cos(math.pi - 1.8 * math.pi * t), h * 0.5 + r * math.sin(math.pi - 1.8 * math.pi * t)) for t in ts]


def draw(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw the dashed path with the thing at five moments, an arrow for the way it goes, and its labels."""
    kind = d.path
    has_ground = kind != MotionPathKind.circle
    gy = h * 0.18 if has_ground else 0
    if has_ground:
        ground(c, w, gy)
    # The arc's top leaves room above it for the thing's name.
    name_h = len(wrap(d.object, font, fs, w - 2 * fs * 0.6)) * fs * 1.25 + 14 if d.object else 0
    points = _points(kind, w, h, gy, min(h * 0.62, h - gy - 14 - name_h - fs * 0.6))
    c.setStrokeColor(ink.pull)
    c.setLineWidth(2)
    c.setDash(4, 4)
    p = c.beginPath()
    p.moveTo(*points[0])
    for pt in points[1:]:
        p.lineTo(*pt)
    c.drawPath(p, stroke=1, fill=0)
    c.setDash()
    for i in (0, 5, 10, 15, 20):
        px, py = points[i]
        c.setFillColor(ink.thing if i in (0, 20) else CMYKColor(0, 0.05, 0.25, 0))
        c.setStrokeColor(BLACK)
        c.circle(px, py, 7 if i in (0, 20) else 5, stroke=1, fill=1)
    gap = fs * 0.6
    (ax, ay), (bx, by) = points[13], points[16]
    ang = math.atan2(by - ay, bx - ax)
    off = 14  # the arrow beside the path, on its outer side
    nx, ny = -math.sin(ang) * off, math.cos(ang) * off
    if kind in (MotionPathKind.fall, MotionPathKind.rise):
        nx, ny = -off, 0
    arrow(c, ax + nx, ay + ny, bx + nx, by + ny, ink.push, 2.5)
    start, end = points[0], points[-1]
    if kind in (MotionPathKind.arc, MotionPathKind.straight):
        ly = gy - fs - 2 if gy > fs + 12 else gy + 18
        if kind == MotionPathKind.straight:
            ly = start[1] - fs - 12
        label_within(c, names[0], start[0], gap, w / 2 - gap, ly, font, fs)
        if len(names) > 1:
            label_within(c, names[1], end[0], w / 2 + gap, w - gap, ly, font, fs)
        if d.object:
            top = max(y for _, y in points)
            label_within(c, d.object, w / 2, gap, w - gap, top + 12, font, fs)
    elif kind in (MotionPathKind.fall, MotionPathKind.rise):
        x = start[0] + 14
        label_within(c, names[0], x, x, w - gap, start[1] - fs / 3, font, fs, "left", down=kind == MotionPathKind.rise)
        if len(names) > 1:
            label_within(c, names[1], x, x, w - gap, end[1] - fs / 3, font, fs, "left", down=kind == MotionPathKind.fall)
        if d.object:
            label_within(c, d.object, start[0] - 24, gap, start[0] - 24, h / 2, font, fs, "right")
    else:
        r = min(w * 0.22, h * 0.32)
        if d.object:
            label_within(c, d.object, w / 2, w / 2 - r + 12, w / 2 + r - 12, h / 2 - fs / 3, font, fs)
        label_within(c, names[0] if d.labels else "", w / 2 - r - 12, gap, w / 2 - r - 12, h / 2 - fs / 3, font, fs, "right")
        if len(d.labels) > 1:
            label_within(c, names[1], w / 2 + r + 12, w / 2 + r + 12, w - gap, h / 2 - fs / 3, font, fs, "left")
