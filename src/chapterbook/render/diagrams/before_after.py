"""before_after: two things side by side under their headings, with an arrow from the first to the second."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import GREY, Ink, arrow, label_within, rounded_box, text_block, wrap


def draw(c: Canvas, d, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw the two panels: heading, the thing (sized by its value), its name and detail, and its push.

    Both things stand on one base line and the group is centred in the height, so on a tall
    page the names stay next to their things."""
    gap = fs * 0.6
    mid = 30.0  # the arrow between the panels
    pw = (w - mid - 2 * gap) / 2
    scales = [item.value if item.value else 1.0 for item in d.items]
    biggest = max(scales)
    pushes = [d.arrows[i] if i < len(d.arrows) else None for i in range(2)]
    heading_h = max((len(wrap(names[i], font, fs * 1.15, pw, 1)) * fs * 1.15 * 1.2 if i < len(names) and names[i] else 0) for i in range(2))
    text_h = max((len(wrap(it.label, font, fs, pw, 2)) + (1 if it.detail else 0)) * fs * 1.2 for it in d.items)
    over = fs * 2.6 if any(pushes) else 0  # room above a push arrow for its label
    top, bottom = h - gap - heading_h - 6, gap
    full = max(fs, min(pw * (0.5 if any(pushes) else 0.7), (top - bottom - text_h - 6 - over) / 0.8))
    group = full * 0.8 + 6 + text_h + over
    base = bottom + (top - bottom - group) / 2 + text_h + 6
    # The headings sit just over the group (not at the top of a tall box, far from their things).
    heading_top = min(h - gap, base + full * 0.8 + over + heading_h + 12)
    for i, item in enumerate(d.items):
        x = gap + i * (pw + mid)
        cx = x + pw / 2
        if i < len(names) and names[i]:
            text_block(c, names[i], cx, heading_top, pw, font, fs * 1.15, 1)
        push = pushes[i]
        side = max(fs, full * (scales[i] / biggest) ** 0.5)
        bx = cx - side / 2 + (pw * 0.18 if push else 0)
        rounded_box(c, bx, base, side, side * 0.8, ink.thing, 6)
        used = text_block(c, item.label, bx + side / 2 if push else cx, base - 4, pw, font, fs, 2)
        if item.detail:
            text_block(c, item.detail, bx + side / 2 if push else cx, base - 4 - used, pw, font, fs, 1)
        if push:
            ay = base + side * 0.4
            width = 2.5 + 1.5 * push.size
            length = min(bx - x - 4, pw * 0.14 * push.size + 12)
            arrow(c, bx - 4 - length, ay, bx - 4, ay, ink.push, width)
            if push.label:
                label_within(c, push.label, bx - 4 - length / 2, x, bx + side, max(ay + width / 2 + fs * 0.45, base + side * 0.8 + fs * 0.45), font, fs)
    arrow(c, gap + pw + 4, base + full * 0.4, gap + pw + mid - 4, base + full * 0.4, GREY, 4)
