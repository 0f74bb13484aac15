"""bar_chart: a few measured numbers as bars, each with its value on top and its name below."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams.base import BLACK, Ink, label, text_block, wrap


def _number(value: float) -> str:
    """A value as a child reads it: 12, not 12.0; 2.5 kept."""
    return f"{value:g}"


def draw(c: Canvas, d, w: float, h: float, font: str, fs: float, names: list[str], ink: Ink) -> None:
    """Draw the bars on a base line, scaled to the biggest value, with the title (first label or object) on top."""
    gap = fs * 0.6
    n = len(d.items)
    slot = (w - 2 * gap) / n
    below = max(len(wrap(item.label, font, fs, slot - 6, 2)) for item in d.items) * fs * 1.2 + 6
    title = names[0] if names else d.object
    title_h = text_block(c, title, w / 2, h - gap, w - 2 * gap, font, fs, 1) if title else 0
    base = gap + below
    top = h - gap - title_h - fs * 1.6  # room for the value over the tallest bar
    biggest = max(item.value or 0 for item in d.items) or 1
    c.setStrokeColor(BLACK)
    c.setLineWidth(1.2)
    c.line(gap, base, w - gap, base)
    for i, item in enumerate(d.items):
        x = gap + i * slot
        bar_h = (top - base) * (item.value or 0) / biggest
        bw = slot * 0.6
        c.setFillColor(ink.pull if i % 2 == 0 else ink.push)
        c.setStrokeColor(BLACK)
        c.rect(x + (slot - bw) / 2, base, bw, bar_h, stroke=1, fill=1)
        value = _number(item.value or 0) + (f" {d.unit}" if d.unit else "")
        label(c, value, x + slot / 2, base + bar_h + fs * 0.45, font, fs)
        text_block(c, item.label, x + slot / 2, base - 4, slot - 6, font, fs, 2)
