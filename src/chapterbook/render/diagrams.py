"""Science diagrams drawn as vectors from the spec: forces, gravity, motion, action/reaction, ramps.

Each kind is a function that draws into a box on a ReportLab canvas, with
labels in the book's font and text in K-only black. Arrows use process
magenta/cyan so they read on a colour interior and still print as grey.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from reportlab.lib.colors import CMYKColor
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from chapterbook.spec.models import Diagram, DiagramKind

BLACK = CMYKColor(0, 0, 0, 1)
GREY = CMYKColor(0, 0, 0, 0.45)
TINT = CMYKColor(0.08, 0, 0.02, 0)
GROUND = CMYKColor(0.1, 0.2, 0.45, 0.05)
PUSH = CMYKColor(0, 0.9, 0.7, 0)  # warm red-magenta
PULL = CMYKColor(0.85, 0.3, 0, 0)  # blue

DEFAULT_LABELS = {
    DiagramKind.force_arrows: ["push", "friction"],
    DiagramKind.gravity: ["gravity"],
    DiagramKind.motion_path: ["start", "finish"],
    DiagramKind.action_reaction: ["action", "reaction"],
    DiagramKind.ramp: ["gravity", "ramp"],
}


class DiagramFlowable(Flowable):
    """A diagram of one kind, drawn to fill `width` x `height` points."""

    def __init__(self, diagram: Diagram, width: float, height: float, font: str, font_size: float = 11):
        super().__init__()
        self.diagram = diagram
        self.width = width
        self.height = height
        self.font = font
        self.font_size = font_size
        self.hAlign = "CENTER"

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_diagram(self.canv, self.diagram, 0, 0, self.width, self.height, self.font, self.font_size)


def labels(diagram: Diagram) -> list[str]:
    """The diagram's labels, topped up with the defaults for its kind."""
    defaults = DEFAULT_LABELS[diagram.kind]
    given = [label for label in diagram.labels if label]
    return given + defaults[len(given):]


def draw_diagram(c: Canvas, diagram: Diagram, x: float, y: float, w: float, h: float, font: str, size: float = 11) -> None:
    """Draw `diagram` into the box (x, y, w, h), with a thin frame and light background."""
    c.saveState()
    c.setFillColor(TINT)
    c.setStrokeColor(GREY)
    c.setLineWidth(0.75)
    c.roundRect(x, y, w, h, 8, stroke=1, fill=1)
    c.translate(x, y)
    DRAWERS[diagram.kind](c, diagram, w, h, font, size, labels(diagram))
    c.restoreState()


def _label(c: Canvas, text: str, x: float, y: float, font: str, size: float, align: str = "centre") -> None:
    """Text on a soft tag of the background colour, so a line or arrow under it never cuts through it."""
    if not text:
        return
    width = stringWidth(text, font, size)
    left = x - width / 2 if align == "centre" else x - width if align == "right" else x
    pad = size * 0.25
    c.setFillColor(TINT)
    c.roundRect(left - pad, y - size * 0.3, width + 2 * pad, size * 1.2, size * 0.3, stroke=0, fill=1)
    c.setFillColor(BLACK)
    c.setFont(font, size)
    if align == "centre":
        c.drawCentredString(x, y, text)
    elif align == "right":
        c.drawRightString(x, y, text)
    else:
        c.drawString(x, y, text)


def _label_within(
    c: Canvas, text: str, x: float, lo: float, hi: float, y: float, font: str, size: float, align: str = "centre", down: bool = False
) -> None:
    """A label at x (its centre, or its start or end with `align`), slid to stay within lo..hi, so a
    label beside an object never runs into it or off the diagram. One too long for the room is set
    on up to three lines, growing upwards from `y` (downwards with `down`; cut short only if even
    that is not enough)."""
    room = max(hi - lo, size * 2)
    lines = simpleSplit(text, font, size, room) or [""]
    # Balance the lines ("magnet pulls / the clip", not "magnet pulls the / clip"): the narrowest
    # width that still needs no more lines.
    width = room
    while len(lines) > 1 and width > size * 2:
        narrower = simpleSplit(text, font, size, width - size)
        if len(narrower) != len(lines):
            break
        lines, width = narrower, width - size
    if len(lines) > 3:
        lines = lines[:2] + [_fit(" ".join(lines[2:]), room, size)]
    step = -size * 1.25 if down else size * 1.25
    for i, line in enumerate(lines if down else reversed(lines)):
        half = min(stringWidth(line, font, size), room) / 2
        centre = x + half if align == "left" else x - half if align == "right" else x
        _label(c, line, min(max(centre, lo + half), hi - half), y + i * step, font, size)


def _arrow(c: Canvas, x0: float, y0: float, x1: float, y1: float, colour: CMYKColor, width: float = 4.0) -> None:
    """A thick arrow from (x0, y0) to (x1, y1) with a filled head."""
    angle = math.atan2(y1 - y0, x1 - x0)
    head = max(10.0, width * 3.2)
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


def _ground(c: Canvas, w: float, y: float) -> None:
    c.setFillColor(GROUND)
    c.setStrokeColor(GROUND)
    c.rect(8, 8, w - 16, y - 8, stroke=0, fill=1)


def _object(c: Canvas, cx: float, cy: float, size: float, name: str, font: str, fsize: float) -> None:
    """The diagram's object: a rounded box with its name on it."""
    c.setFillColor(CMYKColor(0, 0.15, 0.6, 0))
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.roundRect(cx - size / 2, cy - size / 2, size, size * 0.8, 6, stroke=1, fill=1)
    if name:
        _label_within(c, name, cx, cx - size * 1.2, cx + size * 1.2, cy - size / 2 - fsize - 3, font, fsize, down=True)


def _fit(text: str, width: float, size: float) -> str:
    """Trim a label so it fits about `width` points (labels are short; this keeps long ones tidy)."""
    max_chars = max(4, int(width / (size * 0.5)))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _force_arrows(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str]) -> None:
    gy = h * 0.3
    _ground(c, w, gy)
    size = min(w, h) * 0.3
    cx, cy = w / 2, gy + size * 0.4
    down = len(names) > 3  # an arrow down from the object, where its name would go
    _object(c, cx, cy, size, "" if down else d.object, font, fs)
    if down and d.object:
        _label_within(c, d.object, cx - 8, fs * 0.6, cx - 8, cy - size / 2 - fs - 3, font, fs, "right")
    mid = gy + size * 0.4
    _arrow(c, cx - size * 0.5 - w * 0.28, mid, cx - size * 0.5 - 4, mid, PUSH)
    gap = fs * 0.6  # between a label's tag and the object or the diagram's edge
    _label_within(c, names[0], cx - size * 0.5 - w * 0.16, gap, cx - size * 0.5 - gap, mid + 10, font, fs)
    if len(names) > 1:
        _arrow(c, cx + size * 0.5 + w * 0.2, mid - size * 0.25, cx + size * 0.5 + 4, mid - size * 0.25, PULL, 3)
        _label_within(c, names[1], cx + size * 0.5 + w * 0.12, cx + size * 0.5 + gap, w - gap, mid - size * 0.25 + 10, font, fs)
    for extra, name in enumerate(names[2:4]):
        sign = 1 if extra == 0 else -1
        ty = cy + size * 0.4 + 4 if sign > 0 else gy - 4
        _arrow(c, cx, ty, cx, ty + sign * h * 0.18, PULL, 3)
        _label_within(c, name, cx + 8, cx + 8, w - gap, ty + sign * h * 0.1, font, fs, "left")


def _gravity(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str]) -> None:
    gy = h * 0.18
    _ground(c, w, gy)
    r = min(w, h) * 0.11
    cx, cy = w * 0.45, h * 0.72
    c.setFillColor(CMYKColor(0.6, 0, 0.1, 0))
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.circle(cx, cy, r, stroke=1, fill=1)
    if d.object:
        _label_within(c, d.object, cx + r + 8, cx + r + 8, w - fs * 0.6, cy - fs / 3, font, fs, "left")
    _arrow(c, cx, cy - r - 4, cx, gy + 10, PUSH)
    _label_within(c, names[0], cx + 10, cx + 10, w - fs * 0.6, (cy + gy) / 2, font, fs, "left")
    _label(c, "Earth", w - 20, gy - fs - 2 if gy > fs + 12 else gy + 4, font, fs, "right")


def _motion_path(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str]) -> None:
    gy = h * 0.18
    _ground(c, w, gy)
    points = [(w * (0.12 + 0.76 * t), gy + 14 + (h * 0.62) * 4 * t * (1 - t)) for t in [i / 20 for i in range(21)]]
    c.setStrokeColor(PULL)
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
        c.setFillColor(CMYKColor(0, 0.15, 0.6, 0) if i in (0, 20) else CMYKColor(0, 0.05, 0.25, 0))
        c.setStrokeColor(BLACK)
        c.circle(px, py, 7 if i in (0, 20) else 5, stroke=1, fill=1)
    _arrow(c, points[14][0], points[14][1] + 12, points[17][0], points[17][1] + 12, PUSH, 2.5)
    gap = fs * 0.6
    ly = gy - fs - 2 if gy > fs + 12 else gy + 18
    _label_within(c, names[0], points[0][0], gap, w / 2 - gap, ly, font, fs)
    if len(names) > 1:
        _label_within(c, names[1], points[-1][0], w / 2 + gap, w - gap, ly, font, fs)
    if d.object:
        _label_within(c, d.object, w / 2, gap, w - gap, points[10][1] + 12, font, fs)


def _action_reaction(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str]) -> None:
    gy = h * 0.25
    _ground(c, w, gy)
    size = min(w, h) * 0.26
    left, right = w * 0.36, w * 0.64
    # Two things push on each other: `object` on the left, `other_object` (e.g. the air) on the right.
    for cx, name in ((left, d.object), (right, d.other_object)):
        _object(c, cx, gy + size * 0.4, size, name, font, fs)
    mid = gy + size * 0.4
    _arrow(c, left - size * 0.5 - 4, mid, left - size * 0.5 - w * 0.2, mid, PULL)
    _arrow(c, right + size * 0.5 + 4, mid, right + size * 0.5 + w * 0.2, mid, PUSH)
    gap = fs * 0.6
    _label_within(c, names[1] if len(names) > 1 else "", left - size * 0.5 - w * 0.1, gap, left - size * 0.5 - gap, mid + 10, font, fs)
    _label_within(c, names[0], right + size * 0.5 + w * 0.1, right + size * 0.5 + gap, w - gap, mid + 10, font, fs)
    _label(c, "equal and opposite", w / 2, h - fs - 10, font, fs)


def _ramp(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str]) -> None:
    gy = h * 0.15
    _ground(c, w, gy)
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
    c.setFillColor(CMYKColor(0, 0.15, 0.6, 0))
    c.roundRect(-size / 2, 0, size, size * 0.7, 4, stroke=1, fill=1)
    c.restoreState()
    cx, cy = ox + size * 0.35 * math.sin(angle), oy + size * 0.35 * math.cos(angle)
    _arrow(c, cx, cy, cx, cy - h * 0.28, PUSH, 3)
    gap = fs * 0.6
    _label_within(c, names[0], cx + 8, cx + 8, w - gap, cy - h * 0.2, font, fs, "left")
    dx, dy = math.cos(angle), -math.sin(angle)
    sx, sy = cx + size * 0.8 * dx + 10 * math.sin(angle), cy + size * 0.8 * dy + 10 * math.cos(angle)
    _arrow(c, sx, sy, sx + dx * w * 0.2, sy + dy * w * 0.2, PULL, 3)
    if len(names) > 1:
        _label_within(c, names[1], x0 + 6, x0 + 6, x0 + (x1 - x0) * 0.75, gy + 6, font, fs, "left")
    if d.object:
        _label_within(c, d.object, sx + dx * w * 0.2 + 6, gap, w - gap, sy + dy * w * 0.2 + 10, font, fs, "left")


DRAWERS: dict[DiagramKind, Callable[..., None]] = {
    DiagramKind.force_arrows: _force_arrows,
    DiagramKind.gravity: _gravity,
    DiagramKind.motion_path: _motion_path,
    DiagramKind.action_reaction: _action_reaction,
    DiagramKind.ramp: _ramp,
}
