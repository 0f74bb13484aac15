"""The chapter text's typed blocks as ReportLab flowables, and captions under illustrations.

The PDF prints the same blocks (chapterbook.text.grammar, placed by chapterbook.book)
as the manuscript and the preview: paragraphs, headings, both kinds of list, block
quotes and scene breaks, with every illustration's caption under it, on a full page too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from chapterbook.book import FlowItem
from chapterbook.errors import Location
from chapterbook.print_rules import PICTURE_SHRINK_FLOOR
from chapterbook.render.flowables import Float
from chapterbook.render.fonts import missing_glyphs
from chapterbook.text import (
    BlockQuote,
    BulletList,
    Heading,
    Inline,
    NumberedList,
    Paragraph,
    SceneBreak,
    line_col,
    markup,
)

if TYPE_CHECKING:  # the interior imports this module; these are only for the type checker
    from chapterbook.render.document import BookDoc
    from chapterbook.render.interior.base import InteriorBase as Interior
    from chapterbook.render.interior.plan import Slot


def _style(interior: Interior, name: str) -> str:
    """The name of a style the book's table (pdf._styles) does not have, made once from one it has.

    "quote": a block quote, the body style indented on both sides with a paragraph's space
    above it; "bullet_end": a list's last item, with a paragraph's space after it.
    """
    if name not in interior.styles:
        if name.startswith("quote"):
            body = interior.styles[name.replace("quote", "body")]
            indent = body.fontSize * 1.6
            style = ParagraphStyle(name, parent=body, leftIndent=indent, rightIndent=indent, spaceBefore=body.spaceAfter)
        else:
            style = ParagraphStyle(name, parent=interior.styles["bullet"], spaceAfter=interior.styles["body"].spaceAfter)
        interior.styles[name] = style
    return name


def _where(interior: Interior, ci: int, text: Inline) -> Location | None:
    """Where a run of text starts in its chapter file, or its first character the font lacks."""
    source = interior.story.chapter_text(ci)
    if source is None:
        return None
    offset = text.start
    missing = missing_glyphs(interior.family, text.plain)
    if missing:
        found = source.text.find(missing[0][1], text.start)
        offset = found if found >= 0 else offset
    return source.location(*line_col(source.text, offset))


def block_flowables(interior: Interior, item: FlowItem, ci: int, number: int) -> list[Flowable]:
    """The flowables of one block of chapter `ci`'s text; `number` counts its prose blocks, for messages."""
    block = item.block
    what = f"chapter {ci + 1}"
    tight = "_tight" if ci in interior.tight else ""
    if isinstance(block, SceneBreak):
        return [interior.para("* * *", "ornament", None, what, markup=False)]
    runs: list[tuple[Inline, str, str | None]] = []  # (text, style, bullet)
    if isinstance(block, Paragraph):
        runs = [(block.text, ("dialogue" if block.dialogue else "body") + tight, None)]
        what += f", paragraph {number}"
    elif isinstance(block, Heading):
        runs = [(block.text, "h2", None)]
        what += ", a heading"
    elif isinstance(block, BulletList):
        runs = [(text, "bullet", "•") for text in block.items]
        what += f", the list after paragraph {number - 1}"
    elif isinstance(block, NumberedList):
        runs = [(text, "bullet", f"{block.first + k}.") for k, text in enumerate(block.items)]
        what += f", the list after paragraph {number - 1}"
    elif isinstance(block, BlockQuote):
        runs = [(text, _style(interior, "quote" + tight), None) for text in block.paragraphs]
        what += f", the quote after paragraph {number - 1}"
    if isinstance(block, (BulletList, NumberedList)) and runs:
        runs[-1] = (runs[-1][0], _style(interior, "bullet_end"), runs[-1][2])
    out: list[Flowable] = []
    for text, style, bullet in runs:
        para = interior.para(markup(text, quotes=interior.quotes), style, _where(interior, ci, text), what, markup=False)
        if bullet is not None:
            para.bulletText = bullet
        out.append(para)
    return out


def shrink_floor(slot: Slot) -> float:
    """How far (a share of its size) an illustration in the text may shrink to fit where it falls: 1.0 for not at all.

    `fit: shrink` or `fit: float` in the spec says; left out, pictures and placeholder
    panels shrink (a little smaller beats a move) and diagrams move instead, because
    shrinking one would shrink its labels below the size young readers need.
    """
    fit = getattr(slot, "fit", None)
    fit = getattr(fit, "value", fit)
    if fit is None:
        fit = "float" if slot.diagram is not None else "shrink"
    return PICTURE_SHRINK_FLOOR if fit == "shrink" else 1.0


def captioned(interior: Interior, doc: BookDoc, slot: Slot, flowables: list[Flowable]) -> list[Flowable]:
    """An illustration's flowables with its caption under it; on a full page, at the foot of that page.

    `flowables` is what Interior.illustration made: [gap, picture, gap] in the text, made
    here into one flowables.Float (which shrinks or moves rather than leave a hole), or
    one FullPage whose art is drawn into the text block of a page of its own.
    """
    text = getattr(slot, "caption", "")
    para = interior.para(text, "caption", slot.where, f"the caption of '{slot.id}'") if text else None
    art = getattr(flowables[0], "art", None) if len(flowables) == 1 else None
    if art is None:
        gap, picture, _ = flowables
        return [Float(doc, picture, gap.height, shrink_floor(slot), para, slot)]
    if para is None:
        return flowables

    bleed = bool(getattr(slot, "bleed", False)) and slot.placed is not None

    def art_over_caption(canv, block, art=art, para=para, bleed=bleed) -> None:
        x, y, w, h = block
        _, ph = para.wrap(w, h)
        room = ph + para.style.spaceBefore + para.style.fontSize
        art(canv, (x, y + room, w, h - room))
        if bleed:  # over the picture: a paper-white band keeps the caption readable
            pad = para.style.fontSize * 0.5
            canv.saveState()
            canv.setFillColorRGB(1, 1, 1)
            canv.roundRect(x - pad, y - pad, w + 2 * pad, ph + 2 * pad, pad, stroke=0, fill=1)
            canv.restoreState()
        para.drawOn(canv, x, y)

    flowables[0].art = art_over_caption
    return flowables
