"""The back matter: glossary, Meet the Scientist, Try It!, Think About It, A Note for Grown-ups."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Spacer, Table, TableStyle

from chapterbook.render import extra_pages
from chapterbook.render.document import BookDoc
from chapterbook.render.flowables import Mark
from chapterbook.render.interior.base import InteriorBase
from chapterbook.render.styles import BLACK, BOX, SOFT, paragraph
from chapterbook.spec.models import Scientist, StorySpec


def glossary(spec: StorySpec) -> list[tuple[str, str, int, int]]:
    """(term, definition, concept index, term index) of every key term, once each, in alphabetical order."""
    seen: dict[str, tuple[str, str, int, int]] = {}
    for ci, concept in enumerate(spec.concepts):
        for ti, kt in enumerate(concept.key_terms):
            seen.setdefault(kt.term.casefold(), (kt.term, kt.definition, ci, ti))
    return [seen[k] for k in sorted(seen)]


def scientists(spec: StorySpec) -> list[tuple[int, Scientist]]:
    """(index, scientist) of the scientists the concepts name, or of all of them when none is named."""
    used = {c.scientist for c in spec.concepts if c.scientist}
    chosen = [(i, s) for i, s in enumerate(spec.scientists) if s.id in used]
    return chosen or list(enumerate(spec.scientists))


def back_sections(spec: StorySpec) -> list[tuple[str, str]]:
    """(key, title) of the back-matter sections the book has, in print order."""
    bm = spec.back_matter
    out = []
    if bm.glossary and glossary(spec):
        out.append(("glossary", "Glossary"))
    if bm.meet_the_scientist and scientists(spec):
        out.append(("scientists", "Meet the Scientist" if len(scientists(spec)) == 1 else "Meet the Scientists"))
    if bm.activities and any(c.activity for c in spec.chapters):
        out.append(("activities", "Try It!"))
    if bm.questions and any(c.questions for c in spec.chapters):
        out.append(("questions", "Think About It"))
    if bm.note_for_grownups:
        out.append(("grownups", "A Note for Grown-ups"))
    return out + extra_pages.back_sections(spec)


class BackMatter(InteriorBase):
    """Makes the pages after the last chapter, one section per `_section_<key>`."""

    def back_matter(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for key, title in back_sections(self.spec):
            out += [PageBreak(), Mark(doc, "opener", title, key), Spacer(1, 12), paragraph(self.markup(title), self.styles["h1"])]
            out += getattr(self, f"_section_{key}")(doc) if hasattr(self, f"_section_{key}") else extra_pages.section(self, key)
        return out

    def _section_glossary(self, doc: BookDoc) -> list[Flowable]:
        out = []
        for term, definition, ci, ti in glossary(self.spec):
            where = self._where("concepts", ci, "key_terms", ti)
            self.check_glyphs(term + definition, where, f"the glossary entry '{term}'")
            out.append(paragraph(f"<b>{self.markup(term)}</b>: {self.markup(definition)}", self.styles["glossary"]))
        return out

    def _section_scientists(self, doc: BookDoc) -> list[Flowable]:
        out: list[Flowable] = []
        for si, sci in scientists(self.spec):
            dates = " – ".join(x for x in (sci.born, sci.died) if x)
            out.append(self.para(sci.name + (f" ({dates})" if dates else ""), "h2", self._where("scientists", si, "name"), "a scientist's name"))
            slot = self.extra_slots.get(f"portrait-{sci.id}")
            if slot is not None:
                out += self.illustration(doc, slot)
            for text in (p for p in sci.bio.split("\n\n") if p.strip()):
                out.append(self.para(" ".join(text.split()), "body", self._where("scientists", si, "bio"), f"{sci.name}'s bio"))
            for concept in self.spec.concepts:
                if concept.scientist == sci.id:
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
                for p in out[-len(act.materials):]:
                    p.bulletText = "•"
            out.append(paragraph("What to do:", self.styles["label"]))
            for n, step in enumerate(act.steps, 1):
                p = self.para(step, "bullet", where, what)
                p.bulletText = f"{n}."
                out.append(p)
            if act.safety_note:
                cell = self.para("<b>Grown-up check:</b> " + self.markup(act.safety_note), "body", where, what, markup=False)
                box = Table([[cell]], colWidths=[self.geo.text_width - 4])
                box.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), self.family.regular, self.spec.layout.font_size), ("TEXTCOLOR", (0, 0), (-1, -1), BLACK), ("BACKGROUND", (0, 0), (-1, -1), BOX), ("BOX", (0, 0), (-1, -1), 1, SOFT), ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
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
        text = self.spec.back_matter.note_for_grownups or ""
        where = self._where("back_matter", "note_for_grownups")
        return [self.para(" ".join(p.split()), "body", where, "the note for grown-ups") for p in text.split("\n\n") if p.strip()]
