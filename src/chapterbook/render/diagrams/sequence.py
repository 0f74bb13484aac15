"""sequence: 2-6 numbered steps in reading order, an arrow from each to the next."""

from __future__ import annotations

import math

from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, Ink, arrow, label, rounded_box, text_block, wrap


def draw(c: Canvas, d, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw the steps in rows of up to three numbered boxes, left to right, arrows between them."""
    n = len(d.items)
    cols = n if n <= 3 else math.ceil(n / 2)
    rows = math.ceil(n / cols)
    pad, gx, gy = 8.0, 26.0, 14.0
    bw = (w - 2 * pad - (cols - 1) * gx) / cols
    bh = (h - 2 * pad - (rows - 1) * gy) / rows
    badge = fs * 0.9
    for i, item in enumerate(d.items):
        r, col = divmod(i, cols)
        x = pad + col * (bw + gx)
        y = h - pad - (r + 1) * bh - r * gy
        rounded_box(c, x, y, bw, bh, ink.light(ink.thing, 0.5))
        c.setFillColor(ink.push)
        c.setStrokeColor(BLACK)
        c.circle(x + badge + 4, y + bh - badge - 4, badge, stroke=1, fill=1)
        label(c, str(i + 1), x + badge + 4, y + bh - badge - 4 - fs * 0.35, font, fs, tag=None)
        lines = len(wrap(item.label, font, fs, bw - 10))
        room = bh - 2 * badge - 8
        top = y + bh - 2 * badge - 8 - max(0, (room - lines * fs * 1.2) / 2)
        text_block(c, item.label, x + bw / 2, top, bw - 10, font, fs)
        if col < cols - 1 and i < n - 1:
            arrow(c, x + bw + 3, y + bh / 2, x + bw + gx - 3, y + bh / 2, ink.pull, 3)
