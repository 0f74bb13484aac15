"""labelled_parts: a simple shape (box, circle, bar magnet, plant) with a callout line to each named part."""

from __future__ import annotations

from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, GROUND, Ink, label_within, rounded_box, wrap
from chapterbook.spec.models import PartsShape

LEAF = CMYKColor(0.6, 0, 0.9, 0.1)


def _shape(c: Canvas, shape: PartsShape, x: float, y: float, sw: float, sh: float, ink: Ink) -> None:
    """Draw the shape filling the box (x, y, sw, sh)."""
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    if shape == PartsShape.box:
        rounded_box(c, x, y, sw, sh, ink.thing)
    elif shape == PartsShape.circle:
        c.setFillColor(ink.thing)
        r = min(sw, sh) / 2
        c.circle(x + sw / 2, y + sh / 2, r, stroke=1, fill=1)
    elif shape == PartsShape.bar:  # a bar magnet: two coloured halves, side by side
        bh = sh * 0.4
        c.setFillColor(ink.push)
        c.rect(x, y + (sh - bh) / 2, sw / 2, bh, stroke=1, fill=1)
        c.setFillColor(ink.pull)
        c.rect(x + sw / 2, y + (sh - bh) / 2, sw / 2, bh, stroke=1, fill=1)
    else:  # a plant: roots in the soil, a stem, two leaves, a flower
        soil = y + sh * 0.22
        c.setFillColor(GROUND)
        c.rect(x, y, sw, soil - y, stroke=0, fill=1)
        c.setStrokeColor(BLACK)
        c.setLineWidth(1.5)
        for dx in (-0.25, 0, 0.25):
            c.line(x + sw / 2, soil, x + sw / 2 + dx * sw, y + sh * 0.04)
        c.setStrokeColor(LEAF)
        c.setLineWidth(4)
        c.line(x + sw / 2, soil, x + sw / 2, y + sh * 0.8)
        c.setFillColor(LEAF)
        c.setStrokeColor(BLACK)
        c.setLineWidth(1)
        c.ellipse(x + sw / 2, y + sh * 0.45, x + sw * 0.95, y + sh * 0.57, stroke=1, fill=1)
        c.ellipse(x + sw * 0.05, y + sh * 0.52, x + sw / 2, y + sh * 0.64, stroke=1, fill=1)
        c.setFillColor(ink.thing)
        c.circle(x + sw / 2, y + sh * 0.86, min(sw, sh) * 0.12, stroke=1, fill=1)


def draw(c: Canvas, d, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink, picture=None) -> None:
    """Draw the shape (or the illustration's picture) in the middle and each part's name at the side,
    a line from the name to the part."""
    gap = fs * 0.6
    sw, sh = min(w * 0.34, h * 0.8), h * 0.78
    if picture is not None:  # the picture keeps its shape, as large as leaves room for names each side
        pw, ph = picture.size_pt
        scale = min(w * 0.5 / pw, (h - 2 * gap) / ph)
        sw, sh = pw * scale, ph * scale
    sx, sy = (w - sw) / 2, (h - sh) / 2
    if picture is not None:
        from chapterbook.render.pdf import draw_placed

        draw_placed(c, picture, sx, sy, sw, sh)
        c.setStrokeColor(BLACK)
        c.setLineWidth(0.75)
        c.rect(sx, sy, sw, sh, stroke=1, fill=0)
    else:
        _shape(c, d.shape, sx, sy, sw, sh, ink)
    n = len(d.items)
    points = []
    for i, item in enumerate(d.items):
        # Unplaced parts: spread down the shape, alternating sides.
        px = item.x if item.x is not None else (0.25 if i % 2 == 0 else 0.75)
        py = item.y if item.y is not None else 0.85 - 0.7 * i / max(1, n - 1)
        x, y = sx + px * sw, sy + py * sh
        if d.shape == PartsShape.circle:  # a part of a ball is on the ball: pull the point inside its edge
            r, cx, cy = min(sw, sh) / 2 * 0.85, sx + sw / 2, sy + sh / 2
            far = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
            if far > r:
                x, y = cx + (x - cx) * r / far, cy + (y - cy) * r / far
        points.append((item.label, x, y, px < 0.5))
    for left in (True, False):
        side = sorted((p for p in points if p[3] == left), key=lambda p: -p[2])
        if not side:
            continue
        lo, hi = (gap, sx - 16) if left else (sx + sw + 16, w - gap)
        # Each name gets an equal slice of the height, in the order of its part from the top.
        slice_h = (h - 2 * gap) / len(side)
        for k, (text, px, py, _) in enumerate(side):
            lines = len(wrap(text, font, fs, hi - lo))
            top = h - gap - k * slice_h
            centre = min(top - lines * fs * 0.62, max(py, top - slice_h + lines * fs * 0.62))
            base = centre + (lines - 1) * fs * 0.62 - fs * 0.35
            label_within(c, text, hi if left else lo, lo, hi, base, font, fs, "right" if left else "left", down=True)
            lx = hi + 4 if left else lo - 4
            if picture is not None:  # a white edge under the line, so it shows on dark art
                c.setStrokeColor(CMYKColor(0, 0, 0, 0))
                c.setLineWidth(3)
                c.line(lx, centre, px, py)
            c.setStrokeColor(BLACK)
            c.setLineWidth(1)
            c.line(lx, centre, px, py)
            # On a picture the dot gets a white ring, so it shows on dark art too.
            c.setFillColor(BLACK)
            c.setStrokeColor(CMYKColor(0, 0, 0, 0))
            c.circle(px, py, 2.5, stroke=1 if picture is not None else 0, fill=1)
