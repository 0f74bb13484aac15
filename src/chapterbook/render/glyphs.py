"""Glyph coverage: every piece of story text the interior prints, checked against the font.

The renderer checks each run of text as it sets it (through :class:`GlyphReport`, so
the words are the same); validate walks the same text here, in the same order, with
the same names and places, before a page is drawn. tests/test_validate_build.py
checks the two give identical warnings for text in every part of the book.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chapterbook.book import FlowItem, caption, chapter_flow
from chapterbook.errors import Location, Problem, Severity
from chapterbook.render import extra_pages, fonts
from chapterbook.spec.kinds import Placement, diagram_text, on_picture
from chapterbook.spec.memo import content_key
from chapterbook.spec.story import Story, format_path
from chapterbook.text import BlockQuote, BulletList, Heading, Inline, NumberedList, Paragraph, line_col, markup

if TYPE_CHECKING:
    from chapterbook.spec.models import Illustration  # a type only: the spec's models load Pydantic


class GlyphReport:
    """Warnings about characters the font lacks: one per part of the book and set of characters.

    The renderer and validate both report through this, so the words are the same.
    """

    def __init__(self, warnings: list[Problem]):
        self.warnings = warnings  # appended to, and updated in place as more places are found
        self._seen: dict[tuple, tuple[int, str, int]] = {}

    def add(self, missing: list[tuple[int, str]], where: Location | None, what: str, field: str = "") -> None:
        if not missing:
            return
        chars = tuple(dict.fromkeys(ch for _, ch in missing))  # in the order they appear in the text
        key = (what.split(",")[0], tuple(sorted(chars)))
        if key in self._seen:
            index, first, count = self._seen[key]
            self._seen[key] = (index, first, count + 1)
            old = self.warnings[index]
            self.warnings[index] = Problem(
                f"{first} (and {count} more place{'s' if count > 1 else ''} in {key[0]})", old.where, old.path, old.hint, old.severity, old.code
            )
            return
        shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in chars[:6]) + (f" and {len(chars) - 6} more" if len(chars) > 6 else "")
        message = f"the font has no glyph for {shown} in {what}; it prints as an empty box"
        self._seen[key] = (len(self.warnings), message, 1)
        self.warnings.append(
            Problem(
                message,
                where or Location(),
                field,
                "replace the character with words, or choose a font that has it (layout.font)",
                Severity.WARNING,
                "missing-glyph",
            )
        )


def _text_where(story: Story, ci: int, offset: int) -> Location:
    source = story.chapter_text(ci)
    if source is None:
        return story.where("chapters", ci)
    line, col = line_col(source.text, offset)
    return source.location(line, col)


def glyph_problems(story: Story, covered: frozenset[str], problems: list[Problem]) -> None:
    """Every piece of story text the PDF prints, checked against the font in the order the renderer sets it."""
    spec, book = story.spec, story.spec.book
    report = GlyphReport(problems)

    def check(text: str, where: Location | None, what: str, field: str = "") -> None:
        report.add(fonts.missing_glyphs(covered, text), where, what, field)

    w = story.where
    quotes = fonts.typographers_quotes(spec, covered)
    for _ in ("the half-title page", "the title page"):  # the title is set twice: counted twice, as the renderer does
        check(book.title, w("book", "title"), "the title", "book.title")
    if book.subtitle:
        check(book.subtitle, w("book", "subtitle"), "the subtitle", "book.subtitle")
    check("by " + _join(book.authors), w("book", "authors"), "the authors", "book.authors")
    if book.illustrator:
        check("illustrated by " + book.illustrator, w("book", "illustrator"), "the illustrator")
    if book.publisher:
        check(book.publisher, w("book", "publisher"), "the publisher")
    for line in _copyright_lines(story):
        check(line, w("book"), "the copyright page")
    if book.dedication:
        check(book.dedication, w("book", "dedication"), "the dedication", "book.dedication")
    for ci, chapter in enumerate(spec.chapters):  # the contents page
        check(chapter.title, w("chapters", ci, "title"), f"chapter {ci + 1}'s title")
    covered_key = content_key("".join(sorted(covered)))
    for ci, chapter in enumerate(spec.chapters):
        check(chapter.title, w("chapters", ci, "title"), f"chapter {ci + 1}'s title", format_path(("chapters", ci, "title")))
        events, slots = _chapter_glyphs(story, ci, covered, covered_key)
        for kind, text_or_missing, offset, what in events:
            if kind == "marker":
                check(text_or_missing, _text_where(story, ci, offset), what)
            else:
                report.add([tuple(m) for m in text_or_missing], _text_where(story, ci, offset) if offset >= 0 else None, what)
        for ii in slots:
            if ii < 0:
                continue
            ill = chapter.illustrations[ii]
            where = w("chapters", ci, "illustrations", ii, "image" if ill.image else "id")
            if not (has_picture(story, ill.image) and not on_picture(ill.diagram)):  # words print, not only a picture
                if ill.diagram is not None:
                    at = ("chapters", ci, "illustrations", ii, "diagram")  # the labels are the diagram's, as the renderer says (interior.plan)
                    check(diagram_text(ill.diagram), w(*at), f"diagram '{ill.id}'", format_path(at))
                elif ill.placement != Placement.full:
                    check(ill.brief, where, f"the brief of '{ill.id}'")
            if caption(ill):
                check(caption(ill), where, f"the caption of '{ill.id}'")
    _back_matter_glyphs(story, check, quotes)


def _chapter_glyphs(story: Story, ci: int, covered: frozenset[str], covered_key: str) -> tuple[list, list[int]]:
    """What chapter `ci`'s text lacks in the font, in the order the renderer sets it, and its slots in flow order.

    ([(kind, marker text or missing characters, offset in the text or -1, what)], [illustration index or -1]):
    kept by the chapter (its text and illustrations) and the font's characters (story.memo), so only an
    edited chapter is parsed and walked again. Replayed through one GlyphReport, the warnings are the same.
    """
    chapter = story.spec.chapters[ci]
    source = story.chapter_text(ci)
    key = content_key("glyphs", source.text if source is not None else None, chapter.model_dump(mode="json"), covered_key)

    def walk() -> tuple[list, list[int]]:
        opener, flow = chapter_flow(story, ci)
        slots: list[Illustration | None] = [opener] if opener is not None else []
        events: list[tuple[str, object, int, str]] = []
        prose = 0
        for item in flow:
            if item.kind == "illustration":
                slots.append(item.illustration)
            elif item.kind == "marker":
                # A free brief (pasted or drafted text) prints as a placeholder panel, checked under its slot's id.
                events.append(("marker", item.text, item.start, f"the brief of 'ch{ci + 1}-marker-{len(slots)}'"))
                slots.append(None)
            else:
                slots.append(None)
                prose += item.kind not in ("heading", "break")
                for text, what in _block_runs(item, ci, prose):
                    missing = fonts.missing_glyphs(covered, text.plain)
                    if not missing:
                        continue  # nothing to report (GlyphReport.add ignores it too)
                    offset = -1
                    if source is not None:
                        found = source.text.find(missing[0][1], text.start)
                        offset = found if found >= 0 else text.start
                    events.append(("run", missing, offset, what))
        return events, [chapter.illustrations.index(ill) if ill is not None else -1 for ill in slots]

    events, slots = story.memo.cached("glyphs", key, walk)
    return list(events), list(slots)


def _copyright_lines(story: Story) -> list[str]:
    """colophon.copyright_lines, kept by what they are made of (story.memo): the module brings Babel and ReportLab."""
    spec = story.spec
    key = content_key(spec.book.model_dump(mode="json"), spec.layout.font, spec.layout.made_with_line)

    def make() -> list[str]:
        from chapterbook.render.colophon import copyright_lines

        return copyright_lines(spec)

    return list(story.memo.cached("copyright", key, make))


def _block_runs(item: FlowItem, ci: int, number: int) -> list[tuple[Inline, str]]:
    """The runs of text one block of chapter `ci` prints, each with how messages name it (as render.blocks does)."""
    block, what = item.block, f"chapter {ci + 1}"
    if isinstance(block, Paragraph):
        return [(block.text, f"{what}, paragraph {number}")]
    if isinstance(block, Heading):
        return [(block.text, f"{what}, a heading")]
    if isinstance(block, (BulletList, NumberedList)):
        return [(text, f"{what}, the list after paragraph {number - 1}") for text in block.items]
    if isinstance(block, BlockQuote):
        return [(text, f"{what}, the quote after paragraph {number - 1}") for text in block.paragraphs]
    return []  # a scene break prints its own ornament


def _back_matter_glyphs(story: Story, check, quotes: bool) -> None:
    spec, w = story.spec, story.where
    bm = spec.back_matter
    if bm.glossary:
        seen: dict[str, tuple[str, str, int, int]] = {}
        for ci, concept in enumerate(spec.concepts):
            for ti, kt in enumerate(concept.key_terms):
                seen.setdefault(kt.term.casefold(), (kt.term, kt.definition, ci, ti))
        for term, definition, ci, ti in (seen[k] for k in sorted(seen)):
            check(term + definition, w("concepts", ci, "key_terms", ti), f"the glossary entry '{term}'")
    if bm.meet_the_scientist:
        used = {c.scientist for c in spec.concepts if c.scientist}
        chosen = [(i, s) for i, s in enumerate(spec.scientists) if s.id in used] or list(enumerate(spec.scientists))
        for si, sci in chosen:
            dates = " – ".join(x for x in (sci.born, sci.died) if x)
            check(sci.name + (f" ({dates})" if dates else ""), w("scientists", si, "name"), "a scientist's name")
            for text in (p for p in sci.bio.split("\n\n") if p.strip()):
                check(" ".join(text.split()), w("scientists", si, "bio"), f"{sci.name}'s bio")
            for concept in spec.concepts:
                if concept.scientist == sci.id:
                    check(f"**{concept.name}:** {concept.explanation}", w("concepts"), f"concept '{concept.id}'")
    if bm.activities:
        for ci, chapter in enumerate(spec.chapters):
            act = chapter.activity
            if act is None:
                continue
            where, what = w("chapters", ci, "activity"), f"the activity of chapter {ci + 1}"
            for text in [act.title, *act.materials, *act.steps]:
                check(text, where, what)
            if act.safety_note:
                check("<b>Grown-up check:</b> " + markup(act.safety_note, quotes=quotes), where, what)
            if act.what_happens:
                check(act.what_happens, where, what)
    if bm.questions:
        for ci, chapter in enumerate(spec.chapters):
            if chapter.questions:
                check(f"Chapter {ci + 1}: {chapter.title}", w("chapters", ci, "title"), f"chapter {ci + 1}'s title")
            for qi, q in enumerate(chapter.questions):
                check(q, w("chapters", ci, "questions", qi), f"a question of chapter {ci + 1}")
    if bm.note_for_grownups:
        for p in bm.note_for_grownups.split("\n\n"):
            if p.strip():
                check(" ".join(p.split()), w("back_matter", "note_for_grownups"), "the note for grown-ups")
    for key, _title in extra_pages.back_sections(spec):
        if key == "series":
            for i, title in enumerate(bm.also_in_series):
                check(title, w("back_matter", "also_in_series", i), "the series list")
            continue
        field = "about_the_author" if key == "about_author" else "about_the_illustrator"
        for p in (getattr(bm, field) or "").split("\n\n"):
            if p.strip():
                check(" ".join(p.split()), w("back_matter", field), extra_pages.SECTIONS[key].lower())


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def has_picture(story: Story, rel: str | None) -> bool:
    """Whether `rel` names a picture file the story can use (so a picture prints, not words)."""
    return bool(rel) and story.file(rel).ok  # type: ignore[arg-type]
