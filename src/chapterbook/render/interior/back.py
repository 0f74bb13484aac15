"""The back matter: glossary, Meet the Scientist, Try It!, Think About It, A Note for Grown-ups."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from chapterbook import book
from chapterbook.render import extra_pages
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import Mark, RunOnSpace
from chapterbook.render.interior.base import InteriorBase
from chapterbook.render.styles import BLACK, BOX, SOFT, paragraph
from chapterbook.spec.models import StorySpec


def back_sections(spec: StorySpec) -> list[tuple[str, str]]:
    """(key, title) of the back-matter sections the book has, in print order: chapterbook.book decides them for every format."""
    return [(s.key, s.title) for s in book.back_sections(spec, book.glossary(spec), book.scientists(spec))]


# The back pages of a few lines each (about the author, the illustrator, the series): one after another on
# a page, as a designer sets them, rather than a page of white for each; one that does not fit whole starts a page.
RUN_ON = frozenset(extra_pages.SECTIONS)
TOP = 12  # the space above a section's title at the top of its page


class BackMatter(InteriorBase):
    """Makes the pages after the last chapter, one section per `_section_<key>`."""

    def back_matter(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        last = ""
        for key, title in back_sections(self.spec):
            body = getattr(self, f"_section_{key}")(doc) if hasattr(self, f"_section_{key}") else extra_pages.section(self, key)
            heading = paragraph(self.markup(title), self.styles["h1"])
            # "section": a page with a folio (the contents sends readers to it by number) and no running head.
            if key in RUN_ON and last in RUN_ON:  # after another short page: on the same page when it fits whole
                out.append(KeepTogether([RunOnSpace(self.spec.layout.line_height, TOP), Mark(doc, "section", title, key), heading, *body]))
            else:
                out += [PageBreak(), Mark(doc, "section", title, key), Spacer(1, TOP), heading, *body]
            last = key
        return out

    def _section_glossary(self, doc: BookDoc) -> list[Flowable]:
        out = []
        for e in book.glossary(self.spec):
            where = self._where("concepts", e.concept_index, "key_terms", e.term_index)
            self.check_glyphs(e.term + e.definition, where, f"the glossary entry '{e.term}'")
            out.append(paragraph(f"<b>{self.markup(e.term)}</b>: {self.markup(e.definition)}", self.styles["glossary"]))
        return out

    def _section_scientists(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for sci in book.scientists(self.spec):
            si = sci.index
            out.append(self.para(sci.name + (f" ({sci.dates})" if sci.dates else ""), "h2", self._where("scientists", si, "name"), "a scientist's name"))
            slot = self.extra_slots.get(sci.portrait_key)
            if slot is not None:
                out += self.illustration(doc, slot)
            for text in sci.bio_paragraphs:
                out.append(self.para(text, "body", self._where("scientists", si, "bio"), f"{sci.name}'s bio"))
            for concept in sci.concepts:
                out.append(self.para(f"**{concept.name}:** {concept.explanation}", "body", self._where("concepts"), f"concept '{concept.id}'"))
        return out

    def _section_activities(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for ci, chapter in enumerate(self.spec.chapters):
            act = chapter.activity
            if act is None:
                continue
            where = self._where("chapters", ci, "activity")
            what = f"the activity of chapter {ci + 1}"
            out.append(self.para(act.title, "h2", where, what))
            if act.materials:
                out.append(paragraph("You need:", self.styles["label"]))
                out += [self.para(m, "bullet", where, what) for m in act.materials]
                for p in out[-len(act.materials) :]:
                    p.bulletText = "•"
            out.append(paragraph("What to do:", self.styles["label"]))
            for n, step in enumerate(act.steps, 1):
                p = self.para(step, "bullet", where, what)
                p.bulletText = f"{n}."
                out.append(p)
            if act.safety_note:
                cell = self.para("<b>Grown-up check:</b> " + self.markup(act.safety_note), "body", where, what, markup=False)
                box = Table([[cell]], colWidths=[self.geo.text_width - 4])
                box.setStyle(
                    TableStyle(
                        [
                            ("FONT", (0, 0), (-1, -1), self.family.regular, self.spec.layout.font_size),
                            ("TEXTCOLOR", (0, 0), (-1, -1), BLACK),
                            ("BACKGROUND", (0, 0), (-1, -1), BOX),
                            ("BOX", (0, 0), (-1, -1), 1, SOFT),
                            ("LEFTPADDING", (0, 0), (-1, -1), 8),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                            ("TOPPADDING", (0, 0), (-1, -1), 6),
                            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                        ]
                    )
                )
                out += [Spacer(1, 6), box, Spacer(1, 6)]
            if act.what_happens:
                out.append(paragraph("What happens?", self.styles["label"]))
                out.append(self.para(act.what_happens, "body", where, what))
        return out

    def _section_questions(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for ci, chapter in enumerate(self.spec.chapters):
            if not chapter.questions:
                continue
            out.append(self.para(f"Chapter {ci + 1}: {chapter.title}", "h2", self._where("chapters", ci, "title"), f"chapter {ci + 1}'s title"))
            for qi, q in enumerate(chapter.questions):
                p = self.para(q, "bullet", self._where("chapters", ci, "questions", qi), f"a question of chapter {ci + 1}")
                p.bulletText = "•"
                out.append(p)
        return out

    def _section_grownups(self, doc: BookDoc) -> list[Flowable]:
        where = self._where("back_matter", "note_for_grownups")
        return [self.para(p, "body", where, "the note for grown-ups") for p in book.paragraphs(self.spec.back_matter.note_for_grownups)]
