"""The front matter: half-title, title page, copyright page and contents."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Spacer

from chapterbook.render import extra_pages
from chapterbook.render.colophon import copyright_lines
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import ContentsLine, Mark
from chapterbook.render.interior.back import back_sections
from chapterbook.render.interior.base import InteriorBase


class FrontMatter(InteriorBase):
    """Makes the pages before chapter 1."""

    def front_matter(self, doc: BookDoc) -> list[Flowable]:
        book = self.spec.book
        th = self.geo.text_height
        out: list[Flowable] = [Mark(doc, "front"), Spacer(1, th * 0.28)]
        out.append(self.para(book.title, "halftitle", self._where("book", "title"), "the title", "book.title"))
        out += [PageBreak(), Mark(doc, "blank"), PageBreak(), Mark(doc, "front"), Spacer(1, th * 0.18)]
        out.append(self.para(book.title, "title", self._where("book", "title"), "the title", "book.title"))
        if book.subtitle:
            out.append(self.para(book.subtitle, "subtitle", self._where("book", "subtitle"), "the subtitle", "book.subtitle"))
        out.append(Spacer(1, 36))
        out.append(self.para("by " + _join(book.authors), "byline", self._where("book", "authors"), "the authors", "book.authors"))
        if book.illustrator:
            out.append(self.para("illustrated by " + book.illustrator, "byline", self._where("book", "illustrator"), "the illustrator"))
        if book.publisher:
            out += [Spacer(1, th * 0.25), self.para(book.publisher, "byline", self._where("book", "publisher"), "the publisher")]
        # The copyright lines (chapterbook.render.colophon) at the foot of their page, where readers look for them.
        small = [self.para(line, "small", self._where("book"), "the copyright page") for line in copyright_lines(self.spec)]
        height = sum(p.wrap(self.geo.text_width, th)[1] + p.style.spaceAfter for p in small)
        out += [PageBreak(), Mark(doc, "front"), Spacer(1, max(0.0, th - height - 1)), *small]
        out += extra_pages.dedication(self, doc)
        out += [PageBreak(), Mark(doc, "front"), self.para("Contents", "h1", None, "the contents")]
        for ci, chapter in enumerate(self.spec.chapters):
            key = f"ch{ci + 1}"
            doc.toc_keys.append(key)
            self.check_glyphs(chapter.title, self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title")
            out.append(ContentsLine(f"{ci + 1}. " + self.markup(chapter.title), key, self.styles["toc"]))
        for key, title in back_sections(self.spec):
            doc.toc_keys.append(key)
            out.append(ContentsLine(self.markup(title), key, self.styles["toc"]))
        return out


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
