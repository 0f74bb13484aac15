"""The interior's content: a Story turned into the flowables of book.pdf, with the warnings found on the way.

One module per part of the book: plan.py (where the pictures go, queued for
resampling first), front.py, chapters.py, back.py, with base.py for what they
share; memo.py remembers what the last layout found.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from chapterbook.render import checks
from chapterbook.render.document import BookDoc
from chapterbook.render.interior.back import BackMatter
from chapterbook.render.interior.chapters import Chapters
from chapterbook.render.interior.front import FrontMatter
from chapterbook.render.interior.memo import LAYOUT_VERSION, LayoutMemo
from chapterbook.render.interior.plan import PANEL_RATIO, SHARE, Pictures, Slot, text_location

__all__ = ["Interior", "LAYOUT_VERSION", "LayoutMemo", "PANEL_RATIO", "SHARE", "Pictures", "Slot", "text_location"]


class Interior(FrontMatter, Chapters, BackMatter):
    """Turns a Story into the flowables of its interior, collecting warnings on the way."""

    def flowables(self, doc: BookDoc) -> list[Flowable]:
        """Every flowable of the book, front to back; warnings of an earlier layout of it are replaced."""
        self.warnings = [w for w in self.warnings if w.code not in ("missing-glyph", "empty-chapter", "diagram-crowded")]
        self._glyphs = checks.GlyphReport(self.warnings)
        out: list[Flowable] = []
        out += self.front_matter(doc)
        for ci in range(len(self.spec.chapters)):
            out += self.chapter_or_cached(doc, ci)
        out += self.back_matter(doc)
        return out
