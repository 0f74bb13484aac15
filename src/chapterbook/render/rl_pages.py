"""Pages below the layout: what a laid-out page put into ReportLab's canvas and document, taken and put back.

The page cache (render/pagecache.py) keeps a chapter's pages as what reached the
PDF and emits them again without laying the chapter out. This module and
:mod:`rl_fast` are the only ones that touch ReportLab's private names; the rest of
the renderer goes through the functions here. Read against ReportLab 5.1.0's
source (pyproject bounds it to 5.x):

- ``Canvas.showPage``: a page is its boxes (set by the page template), the content
  operators in ``_code`` (ReportLab adds the preamble), the XObjects named in
  ``_formsinuse``, and ``_colorsUsed``, ``_shadingUsed``, ``_annotationrefs``,
  ``_psCommandsBeforePage``/``AfterPage`` and the ExtGState (``_extgstate._c``).
  Only pages whose last five are empty are taken: a book's chapters use none.
- ``PDFDocument.Reference`` numbers objects in the order they are registered: a
  page at ``showPage``, a picture when first drawn (``rl_fast.register_image_file``),
  fonts when the PDF is saved. Putting a page back registers its pictures before
  ``showPage``, in the order it first drew them, as drawing did.
- ``TTFont.splitString`` gives each character a code in a subset, in first-use
  order per document (``TTFont.state[doc]``: ``assignments``, ``nextCode``,
  ``internalName``); ``getSubsetInternalName`` names the font ``F<n>`` from the size
  of ``doc.fontMapping`` when the document first uses it. A page's bytes carry those
  codes and names, so :class:`FontTap` records what a chapter used and gave out,
  :func:`fonts_match` says whether the document is now in a state where the same
  bytes are right, and :func:`fonts_apply` makes the same assignments in the same
  order (through ``splitString`` itself), so the fonts written at the end are the
  ones a full layout makes.
- ``BaseDocTemplate.handle_pageEnd`` counts pages with no flowable
  (``_curPageFlowableCount``) and stops a layout after a few: a page put back is
  marked as holding one (:func:`mark_filled`).

tests/test_pagecache.py compares a book rebuilt from the cache with one laid out
in full, byte for byte, so a ReportLab that changes any of this fails there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from chapterbook.render.rl_fast import register_image_file


def page_ops(canv) -> list[str] | None:
    """The content operators drawn on the canvas's current page so far; None when the page uses
    something besides operators and XObjects (spot colours, shadings, links, graphics states)."""
    if canv._colorsUsed or canv._shadingUsed or canv._annotationrefs or canv._psCommandsBeforePage or canv._psCommandsAfterPage:
        return None
    if canv._extgstate._c:
        return None
    return list(canv._code)


def page_forms(canv) -> list[str]:
    """The XObjects (pictures, forms) the canvas's current page names, in the order it drew them."""
    return list(canv._formsinuse)


def put_page(canv, ops: Iterable[str], forms: Iterable[str], files: Callable[[str], Path | None]) -> None:
    """Draw recorded operators on the current page; pictures not yet in the PDF are registered first,
    in the order they were first drawn. `files` gives a picture's JPEG by XObject name (None: draw no picture)."""
    forms = list(forms)
    for name in dict.fromkeys(forms):
        file = files(name)
        if file is not None:
            register_image_file(canv, name, file)
    canv._code.extend(ops)
    canv._formsinuse.extend(forms)


def mark_filled(doc) -> None:
    """Count the document's current page as holding a flowable (a page put back holds what its flowables drew)."""
    doc._curPageFlowableCount = max(1, doc._curPageFlowableCount)


# --- font subsets --------------------------------------------------------------------------------


def _fresh(font: TTFont) -> TTFont.State:
    return TTFont.State(font._asciiReadable, font)


class FontTap:
    """Watches the document's TrueType fonts while one chapter is laid out: characters used, codes given, fonts named."""

    def __init__(self, canv, names: Iterable[str]):
        self.doc = canv._doc
        mapped = [n for n in self.doc.fontMapping if getattr(pdfmetrics.getFont(n), "_dynamicFont", 0)]
        self.fonts = [pdfmetrics.getFont(n) for n in dict.fromkeys([*names, *mapped])]
        self.mapping0 = list(self.doc.fontMapping)
        # A font the document has not drawn with yet starts from a fresh state, made only if the chapter uses
        # the font (making one reads the font's character map, which a lazily loaded face would load for nothing).
        self.start: dict[str, tuple[bool, str | None, int, dict[int, int] | None]] = {}
        self.used: dict[str, set[int]] = {}
        for font in self.fonts:
            state = font.state.get(self.doc)
            if state is None:
                self.start[font.fontName] = (False, None, 0, None)
            else:
                self.start[font.fontName] = (True, state.internalName, state.nextCode, dict(state.assignments))
            used = self.used[font.fontName] = set()
            font.splitString = _tapped(font, used)  # an instance attribute over the class's method, removed by close()

    def close(self) -> dict | None:
        """What the chapter did to the fonts (for fonts_match and fonts_apply); None when it cannot be replayed."""
        for font in self.fonts:
            font.__dict__.pop("splitString", None)
        new_fonts = [n for n in self.doc.fontMapping if n not in self.mapping0]
        tapped = {f.fontName for f in self.fonts}
        if any(n not in tapped for n in new_fonts):
            return None  # a font nobody watched (a standard font, another TrueType): lay the chapter out each time
        fonts = []
        for font in self.fonts:
            had, internal, next_code, before = self.start[font.fontName]
            state = font.state.get(self.doc)
            used = self.used[font.fontName]
            if state is None:
                continue
            if before is None:
                fresh = _fresh(font)
                next_code, before = fresh.nextCode, fresh.assignments
            after = state.assignments
            pre = sorted((c, before[c]) for c in used if c in before)
            new = sorted(((c, n) for c, n in after.items() if c not in before), key=lambda cn: cn[1])
            if not pre and not new and not had:
                continue
            fonts.append((font.fontName, had, internal, next_code, pre, new))
        return {"mapping": len(self.mapping0), "new_fonts": new_fonts, "fonts": fonts}


def _tapped(font: TTFont, used: set[int]):
    split = type(font).splitString

    def split_string(text, doc, encoding="utf-8"):
        chars = text if isinstance(text, str) else text.decode("utf-8")
        used.update(32 if c == 0xA0 else c for c in map(ord, chars))
        return split(font, text, doc, encoding)

    return split_string


def fonts_match(canv, record: dict) -> bool:
    """Whether the document's fonts are in a state where the recorded chapter's bytes are what laying it out would give."""
    doc = canv._doc
    if record["new_fonts"] and (len(doc.fontMapping) != record["mapping"] or any(n in doc.fontMapping for n in record["new_fonts"])):
        return False
    for name, had, internal, next_code, pre, new in record["fonts"]:
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            return False
        state = font.state.get(doc)
        if (state is not None) != had:
            return False
        if state is None:
            continue  # a fresh state now as then, for the same font file (the cache key has its hash)
        if state.internalName != internal:
            return False
        assigned = state.assignments
        if any(assigned.get(c) != n for c, n in pre):
            return False
        if new and (state.nextCode != next_code or any(c in assigned for c, _ in new)):
            return False
    return True


def fonts_apply(canv, record: dict) -> None:
    """Make the recorded chapter's font names and subset codes, in its order (after fonts_match said yes)."""
    doc = canv._doc
    for name in record["new_fonts"]:
        font = pdfmetrics.getFont(name)
        font.splitString("", doc)  # the state as the chapter's first line made it, before the name
        font.getSubsetInternalName(0, doc)
    for name, _had, _internal, _next, _pre, new in record["fonts"]:
        font = pdfmetrics.getFont(name)
        font.splitString("".join(chr(c) for c, _ in new), doc)
        assigned = font.state[doc].assignments
        if any(assigned.get(c) != n for c, n in new):  # fonts_match rules this out; a ReportLab that differs must not pass
            raise AssertionError(f"page cache: {name} gave other subset codes than recorded")
