"""action_reaction: two things pushing on each other, equal and opposite."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import Ink, arrow, ground, label, label_within, thing
from chapterbook.spec.models import Diagram


def draw(c: Canvas, d: Diagram, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw `object` on the left and `other_object` on the right, each pushed away from the other."""
    gy = h * 0.25
    ground(c, w, gy)
    size = min(w, h) * 0.26
    left, right = w * 0.36, w * 0.64
    # Two things push on each other: `object` on the left, `other_object` (e.g. the air) on the right.
    for cx, name in ((left, d.object), (right, d.other_object)):
        thing(c, cx, gy + size * 0.4, size, name, font, fs, ink)
    mid = gy + size * 0.4
    arrow(c, left - size * 0.5 - 4, mid, left - size * 0.5 - w * 0.2, mid, ink.pull)
    arrow(c, right + size * 0.5 + 4, mid, right + size * 0.5 + w * 0.2, mid, ink.push)
    gap = fs * 0.6
    label_within(c, names[1] if len(names) > 1 else "", left - size * 0.5 - w * 0.1, gap, left - size * 0.5 - gap, mid + 10, font, fs)
    label_within(c, names[0], right + size * 0.5 + w * 0.1, right + size * 0.5 + gap, w - gap, mid + 10, font, fs)
    label(c, "equal and opposite", w / 2, h - fs - 10, font, fs)
