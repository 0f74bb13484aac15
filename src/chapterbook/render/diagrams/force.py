"""force_arrows: a thing with forces on it, each arrow with its own direction and size.

A push comes at the thing from behind (its tip touches the thing); a pull leaves the thing
(its tail touches it). Old-style `labels` mean: a push from the left, a push back from the
right, a pull up and a pull down.
"""

from __future__ import annotations

import math

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import Ink, arrow, label_within, rounded_box, text_block
from chapterbook.spec.models import Diagram, DiagramArrow


def arrows_of(d: Diagram, names: list[str]) -> list[DiagramArrow]:
    """The arrows to draw: the spec's `arrows`, or the four fixed ones its `labels` name."""
    if d.arrows:
        return list(d.arrows)
    slots = [("right", False), ("left", False), ("up", True), ("down", True)]
    return [DiagramArrow(label=name, direction=slot, pull=pull) for name, (slot, pull) in zip(names, slots)]


def _side(a: DiagramArrow) -> tuple[float, float]:
    """The unit vector from the thing's centre to where the arrow touches it: ahead for a pull, behind for a push."""
    theta = math.radians(a.degrees())
    ux, uy = math.cos(theta), math.sin(theta)
    return (ux, uy) if a.pull else (-ux, -uy)


def draw(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw the thing in the middle (its name on it) and every force arrow with its label beside it."""
    arrows = arrows_of(d, names)
    size = min(w, h) * 0.3
    cx, cy = w / 2, h * 0.5
    # The box grows to hold its name on up to three lines, but never past 0.4 of the width.
    lines = simpleSplit(d.object, font, fs, min(w * 0.4, max(size, stringWidth(d.object, font, fs))) - 10) if d.object else []
    bw = min(w * 0.4, max(size, max((stringWidth(x, font, fs) for x in lines), default=0) + 12))
    bh = max(size * 0.8, len(lines[:3]) * fs * 1.2 + 10)
    rounded_box(c, cx - bw / 2, cy - bh / 2, bw, bh, ink.thing, 6)
    if lines:
        text_block(c, d.object, cx, cy + len(lines[:3]) * fs * 0.6, bw - 10, font, fs)
    gap = fs * 0.6
    base = min(w, h) * 0.2
    sides = [_side(a) for a in arrows]
    for a, (sx, sy) in zip(arrows, sides):
        t = min(bw / 2 / abs(sx) if abs(sx) > 1e-6 else math.inf, bh / 2 / abs(sy) if abs(sy) > 1e-6 else math.inf) + 4
        ex, ey = cx + sx * t, cy + sy * t
        # Arrows on the same side of the box sit side by side, a label above the upper and below the lower.
        same = [b for b, s in zip(arrows, sides) if math.hypot(s[0] - sx, s[1] - sy) < 0.4]
        k, m = same.index(a), len(same)
        shift = (k - (m - 1) / 2) * min(bh if abs(sx) >= abs(sy) else bw, 34) / max(1, m - 1) if m > 1 else 0.0
        ex, ey = (ex, ey - shift) if abs(sx) >= abs(sy) else (ex + shift, ey)
        below = m > 1 and k == m - 1
        room = min(
            (w - gap - ex) / sx if sx > 1e-6 else (ex - gap) / -sx if sx < -1e-6 else math.inf,
            (h - gap - ey) / sy if sy > 1e-6 else (ey - gap) / -sy if sy < -1e-6 else math.inf,
        )
        length = max(12.0, min(base * a.size, room - fs * 0.5))
        fx, fy = ex + sx * length, ey + sy * length  # the far end
        colour = ink.pull if a.pull else ink.push
        width = 2.5 + 1.5 * a.size
        if a.pull:
            arrow(c, ex, ey, fx, fy, colour, width)
        else:
            arrow(c, fx, fy, ex, ey, colour, width)
        if not a.label:
            continue
        mx, my = (ex + fx) / 2, (ey + fy) / 2
        if min(abs(sx), abs(sy)) > 0.38:  # a slanting arrow: by its far end, outwards, where no other label is
            lo, hi = (gap, fx - 4) if sx < 0 else (fx + 4, w - gap)
            y = fy - width / 2 - fs * 1.1 if sy < 0 else fy + width / 2 + fs * 0.45
            label_within(c, a.label, fx - 4 if sx < 0 else fx + 4, lo, max(hi, lo + fs * 2), y, font, fs, "right" if sx < 0 else "left", down=sy < 0)
        elif abs(sx) >= abs(sy):  # beside the box: above the arrow, on its side of the box
            lo, hi = (gap, cx - bw / 2 - gap) if sx < 0 else (cx + bw / 2 + gap, w - gap)
            if below:
                label_within(c, a.label, mx, lo, hi, min(ey, fy) - width / 2 - fs * 1.1, font, fs, down=True)
            else:
                label_within(c, a.label, mx, lo, hi, max(ey, fy) + width / 2 + fs * 0.45, font, fs)
        else:  # above or below the box: to the right of the arrow, clear of the box's height
            y = max(my, cy + bh / 2 + fs) if sy > 0 else min(my, cy - bh / 2 - fs * 1.5)
            label_within(c, a.label, mx + width / 2 + 6, mx + width / 2 + 6, w - gap, y, font, fs, "left", down=sy < 0)
