"""cycle: 3-6 stages round a loop (the water cycle, a life cycle), an arrow from each to the next."""

from __future__ import annotations

import math

from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import RECORD, Ink, arrow, label_within, rounded_box, text_block, wrap

PAD = 6.0


def _edge(cx: float, cy: float, bw: float, bh: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    t = min(bw / 2 / abs(dx) if dx else math.inf, bh / 2 / abs(dy) if dy else math.inf)
    return cx + dx * t, cy + dy * t


def layout(n: int, w: float, h: float, font: str, fs: float, texts: list[str]) -> list[tuple[float, float, float, float]]:
    """(centre x, centre y, width, height) of each stage's box, clockwise from the top, none overlapping."""
    bw = w * 0.34
    while True:
        lines = max(len(wrap(t, font, fs, bw - 10)) for t in texts)
        bh = lines * fs * 1.2 + 10
        rx, ry = w / 2 - bw / 2 - PAD, h / 2 - bh / 2 - PAD
        boxes = []
        for i in range(n):
            a = math.pi / 2 - 2 * math.pi * i / n
            boxes.append((w / 2 + rx * math.cos(a), h / 2 + ry * math.sin(a), bw, bh))
        clear = all(
            abs(a[0] - b[0]) >= (a[2] + b[2]) / 2 + PAD or abs(a[1] - b[1]) >= (a[3] + b[3]) / 2 + PAD for i, a in enumerate(boxes) for b in boxes[i + 1 :]
        )
        if clear or bw <= fs * 4:
            if not clear:  # as narrow as its words allow and still on top of each other: the dry run says so
                record = RECORD.get()
                if record is not None:
                    record.append("its stages overlap: there is no room for them round the loop")
            return boxes
        bw -= fs * 0.5


def draw(c: Canvas, d, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw each stage in a box on an oval, with arrows going round, and the cycle's name in the middle."""
    texts = [item.label for item in d.items]
    boxes = layout(len(texts), w, h, font, fs, texts)
    for i, (cx, cy, bw, bh) in enumerate(boxes):
        nx, ny, nw, nh = boxes[(i + 1) % len(boxes)]
        # Bend each arrow outwards a little: aim from just outside this box to just outside the next.
        x0, y0 = _edge(cx, cy, bw + 6, bh + 6, nx, ny)
        x1, y1 = _edge(nx, ny, nw + 6, nh + 6, cx, cy)
        if math.hypot(x1 - x0, y1 - y0) > 12:
            arrow(c, x0, y0, x1, y1, ink.pull, 3)
    for i, (cx, cy, bw, bh) in enumerate(boxes):
        rounded_box(c, cx - bw / 2, cy - bh / 2, bw, bh, ink.light(ink.thing, 0.6))
        lines = len(wrap(texts[i], font, fs, bw - 10))
        text_block(c, texts[i], cx, cy + lines * fs * 0.6, bw - 10, font, fs)
    if d.object:
        left = (
            max(x + bw / 2 for x, y, bw, bh in boxes if abs(y - h / 2) < bh and x < w / 2)
            if any(abs(y - h / 2) < bh and x < w / 2 for x, y, bw, bh in boxes)
            else w * 0.3
        )
        right = (
            min(x - bw / 2 for x, y, bw, bh in boxes if abs(y - h / 2) < bh and x > w / 2)
            if any(abs(y - h / 2) < bh and x > w / 2 for x, y, bw, bh in boxes)
            else w * 0.7
        )
        if right - left > fs * 5:
            label_within(c, d.object, w / 2, left + 8, right - 8, h / 2 - fs / 3, font, fs)
