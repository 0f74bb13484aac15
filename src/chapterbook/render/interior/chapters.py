"""The chapters: opener, title, the prose and headings in the order the text has them, illustrations in place."""

from __future__ import annotations

from reportlab.platypus import ActionFlowable, Flowable, Spacer

from chapterbook.book import FlowItem
from chapterbook.errors import Problem, Severity
from chapterbook.render.blocks import block_flowables, captioned
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import ChapterEnd, Mark
from chapterbook.render.interior.base import InteriorBase
from chapterbook.render.interior.plan import Slot
from chapterbook.render.styles import paragraph
from chapterbook.spec.load import format_path


class Chapters(InteriorBase):
    """Makes each chapter's pages."""

    def chapter(self, doc: BookDoc, ci: int) -> list[Flowable]:
        chapter = self.spec.chapters[ci]
        items = self.chapter_slots[ci]
        out: list[Flowable] = [ActionFlowable(("rectoBreak",)), Mark(doc, "opener", chapter.title, f"ch{ci + 1}")]
        has_opener = bool(items) and items[0][0] == "opener"
        out.append(Spacer(1, self.geo.text_height * (0.04 if has_opener else 0.2)))
        out.append(paragraph(f"Chapter {ci + 1}", self.styles["chapnum"]))
        out.append(self.para(chapter.title, "chaptitle", self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title", format_path(("chapters", ci, "title"))))
        prose = 0
        for _, obj in items:
            if isinstance(obj, Slot):  # the opener or an illustration in the flow
                out += captioned(self, doc, obj, self.illustration(doc, obj))
            else:
                b: FlowItem = obj
                prose += b.kind not in ("heading", "break")
                out += block_flowables(self, b, ci, prose)
        if prose == 0:
            self.warnings.append(
                Problem(
                    f"chapter {ci + 1} ('{chapter.title}') has no text yet; its pages show only the title",
                    self._where("chapters", ci),
                    format_path(("chapters", ci)),
                    "write the chapter in 'text:' or a 'text_file:'",
                    Severity.WARNING,
                    "empty-chapter",
                )
            )
            out.append(paragraph("(This chapter has no text yet.)", self.styles["note"]))
        out.append(ChapterEnd(doc, ci))
        return out
