"""The book as readers meet it: chapters as a flow of prose and pictures, plus back matter.

Every renderer (Markdown manuscript, HTML preview, PDF) prints the same flow,
so an illustration lands in the same place in all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
from markupsafe import Markup

from chapterbook.spec.kinds import Placement
from chapterbook.spec.load import Story
from chapterbook.text import BlockQuote, BulletList, Heading, IllustrationMarker, Inline, NumberedList, Paragraph, TextBlock, markup, parse, plain

if TYPE_CHECKING:  # types only: the spec's models load Pydantic, which a thawed spec does without
    from chapterbook.spec.models import Activity, Chapter, Concept, Illustration, Scientist, StorySpec


class FlowItem(msgspec.Struct, frozen=True):
    """One thing in a chapter's flow.

    kinds: "paragraph", "dialogue", "heading", "bullet_list", "numbered_list",
    "quote" and "break" (a typed block of the chapter text, in `block`),
    "illustration" (a slot of the spec) and "marker" (an `[illustration: …]` line
    naming no unused slot: its text is the brief, as in LLM drafts).
    """

    kind: str
    text: str = ""  # the Markdown as typed (paragraph, dialogue, heading); the brief of a marker
    illustration: Illustration | None = None
    start: int = 0  # character offset in the chapter text, for messages
    block: TextBlock | None = None  # the typed block this item prints
    side: str | None = None  # an illustration set at this side ('left', 'right') with the text after it beside it: see wrap_side

    @property
    def inline(self) -> Inline | None:
        """The text of a paragraph or heading, with its emphasis."""
        return self.block.text if isinstance(self.block, (Paragraph, Heading)) else None

    @property
    def items(self) -> tuple[Inline, ...]:
        """The items of a list."""
        return self.block.items if isinstance(self.block, (BulletList, NumberedList)) else ()

    @property
    def first(self) -> int:
        """The number of a numbered list's first item."""
        return self.block.first if isinstance(self.block, NumberedList) else 1

    @property
    def paragraphs(self) -> tuple[Inline, ...]:
        """The paragraphs of a block quote."""
        return self.block.paragraphs if isinstance(self.block, BlockQuote) else ()

    @property
    def caption(self) -> str:
        """The caption printed under an illustration (Markdown inline), "" for none."""
        return caption(self.illustration) if self.illustration is not None else ""

    @property
    def html(self) -> Markup:
        """The paragraph as escaped HTML with <em>/<strong> for Markdown emphasis."""
        return Markup(markup(self.inline if self.inline is not None else self.text, bold="strong", italic="em"))

    @property
    def plain(self) -> str:
        return self.inline.plain if self.inline is not None else plain(self.text)


def caption(ill: Illustration) -> str:
    """The caption every format prints under an illustration: its own, else its diagram's."""
    return ill.caption or (ill.diagram.caption if ill.diagram is not None else "")


class ChapterView(msgspec.Struct):
    number: int
    id: str
    chapter: Chapter
    concepts: list[Concept]
    opener: Illustration | None
    flow: list[FlowItem]

    @property
    def title(self) -> str:
        return self.chapter.title

    @property
    def activity(self) -> Activity | None:
        return self.chapter.activity

    @property
    def questions(self) -> list[str]:
        return self.chapter.questions

    @property
    def opener_caption(self) -> str:
        return caption(self.opener) if self.opener is not None else ""

    @property
    def has_text(self) -> bool:
        return any(item.kind != "illustration" for item in self.flow)


class GlossaryEntry(msgspec.Struct, frozen=True):
    term: str
    definition: str
    concept: str  # the name of the concept that defines it
    concept_index: int = 0  # where in the spec: concepts[concept_index].key_terms[term_index], for messages
    term_index: int = 0


class ScientistEntry(msgspec.Struct, frozen=True):
    """A scientist met at the back of the book, with the concepts they explain."""

    index: int  # position in spec.scientists, for messages
    scientist: Scientist
    concepts: tuple[Concept, ...]

    @property
    def id(self) -> str:
        return self.scientist.id

    @property
    def name(self) -> str:
        return self.scientist.name

    @property
    def born(self) -> str | None:
        return self.scientist.born

    @property
    def died(self) -> str | None:
        return self.scientist.died

    @property
    def bio(self) -> str:
        return self.scientist.bio

    @property
    def portrait(self) -> str | None:
        return self.scientist.portrait

    @property
    def bio_paragraphs(self) -> list[str]:
        """The bio's paragraphs (blank-line separated), each on one line."""
        return paragraphs(self.scientist.bio)

    @property
    def dates(self) -> str:
        """'1643 – 1727', '1643', or '' (as printed after the name)."""
        return " – ".join(x for x in (self.born, self.died) if x)

    @property
    def portrait_key(self) -> str:
        """The key of the portrait among the pictures of every format (manuscript.screen_pictures, the PDF's slots)."""
        return f"portrait-{self.id}"

    @property
    def portrait_brief(self) -> str:
        """What the portrait's placeholder says while its picture cannot be shown."""
        return f"Portrait of {self.name}"


class Section(msgspec.Struct, frozen=True):
    """One page (or run of pages) of the front or back matter, as every format prints it.

    key: "dedication" (front); "glossary", "scientists", "activities", "questions", "grownups",
    "about_author", "about_illustrator", "series" (back, in this order when present).
    The contents of "glossary", "scientists", "activities" and "questions" are the book
    view's `glossary`, `scientists`, `activities` and `questions`; the others carry theirs.
    """

    key: str
    title: str
    epub_type: str  # the EPUB structural semantics of the section
    paragraphs: tuple[str, ...] = ()  # the text of a dedication, note or about page (Markdown inline)
    items: tuple[str, ...] = ()  # the titles of "also in this series"
    field: str = ""  # the spec field it comes from, for messages

    @property
    def href(self) -> str:
        """The ebook page that holds it."""
        return f"{'front' if self.key == 'dedication' else 'back'}-{self.key}.xhtml"


class BookView(msgspec.Struct):
    story: Story
    chapters: list[ChapterView]
    glossary: list[GlossaryEntry] = msgspec.field(default_factory=list)
    scientists: list[ScientistEntry] = msgspec.field(default_factory=list)
    front: list[Section] = msgspec.field(default_factory=list)  # after the copyright page, before the contents
    back: list[Section] = msgspec.field(default_factory=list)  # after the last chapter, in print order

    @property
    def spec(self):
        return self.story.spec

    @property
    def activities(self) -> list[ChapterView]:
        """The chapters with an activity, for the "Try It!" pages."""
        return [ch for ch in self.chapters if ch.activity is not None]

    @property
    def questions(self) -> list[ChapterView]:
        """The chapters with questions, for the "Think About It" pages."""
        return [ch for ch in self.chapters if ch.questions]

    def section(self, key: str) -> Section | None:
        """The front or back section with this key, None when the book does not have it."""
        return next((s for s in (*self.front, *self.back) if s.key == key), None)


# The manuscript and the preview show every block of the text; free-brief markers (which
# name no slot of the spec: an error in a book's own text) only make sense as PDF placeholders.
PROSE_KINDS = ("paragraph", "dialogue", "bullet_list", "numbered_list", "quote")
_TEMPLATE_KINDS = (*PROSE_KINDS, "heading", "illustration", "break")


def chapter_flow(story: Story, index: int) -> tuple[Illustration | None, list[FlowItem]]:
    """The chapter's opener illustration and its flow with every other slot placed.

    The one placement rule every format follows: a slot goes where the text
    marks it (`[illustration: id]`), else after paragraph `after_paragraph`,
    else at the end, in spec order. The first unmarked slot with placement
    'opener' becomes the opener.
    """
    chapter = story.spec.chapters[index]
    source = story.chapter_text(index)
    slots = {ill.id: ill for ill in chapter.illustrations}
    marked: set[str] = set()
    flow: list[FlowItem] = []
    for block in parse(source.text).blocks if source is not None else ():
        if isinstance(block, IllustrationMarker):
            if block.ref in slots and block.ref not in marked:
                marked.add(block.ref)
                flow.append(FlowItem("illustration", illustration=slots[block.ref], start=block.start, block=block))
            else:
                flow.append(FlowItem("marker", block.ref, start=block.start, block=block))
        elif isinstance(block, (Paragraph, Heading)):
            kind = "dialogue" if isinstance(block, Paragraph) and block.dialogue else block.kind
            flow.append(FlowItem(kind, block.text.source, start=block.start, block=block))
        else:
            flow.append(FlowItem(block.kind, start=block.start, block=block))
    unmarked = [ill for ill in chapter.illustrations if ill.id not in marked]
    opener = next((ill for ill in unmarked if ill.placement == Placement.opener), None)
    # A list or a quote counts as one paragraph, as it is one block of the text.
    prose = [i for i, item in enumerate(flow) if item.kind in PROSE_KINDS]
    inserts: list[tuple[int, int, Illustration]] = []
    for order, ill in enumerate(unmarked):
        if ill is opener:
            continue
        k = ill.after_paragraph
        pos = len(flow) if k is None or k >= len(prose) else 0 if k == 0 else prose[k - 1] + 1
        inserts.append((pos, order, ill))
    # Insert from the back so earlier positions stay valid; ties keep spec order.
    for pos, _, ill in sorted(inserts, key=lambda t: (-t[0], -t[1])):
        flow.insert(pos, FlowItem("illustration", illustration=ill))
    for i, item in enumerate(flow):
        if (side := wrap_side(flow, i)) is not None:
            flow[i] = msgspec.structs.replace(item, side=side)
    return opener, flow


def wrap_side(flow: Sequence[FlowItem], i: int) -> str | None:
    """The side ('left' or 'right') the illustration at `flow[i]` is set at with the text after it running
    beside it; None when it is set centred.

    The one rule every format follows (the print book, the preview, the ebook): a spot with a
    `side` wraps the prose that follows it, up to a heading, a scene break or another picture.
    With none right after it (one of those, or its chapter's end) it would leave an empty column
    beside it, so it is centred as a spot without a side.
    """
    ill = flow[i].illustration
    if flow[i].kind != "illustration" or ill is None or ill.placement != Placement.spot or ill.side is None:
        return None
    return ill.side.value if i + 1 < len(flow) and flow[i + 1].kind in PROSE_KINDS else None


def paragraphs(text: str | None) -> list[str]:
    """A spec text's paragraphs (blank-line separated), each with its line breaks and runs of spaces made single spaces."""
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


def glossary(spec: StorySpec) -> list[GlossaryEntry]:
    """Key terms of every concept, alphabetical by casefold; the first definition of a term wins."""
    seen: dict[str, GlossaryEntry] = {}
    for ci, concept in enumerate(spec.concepts):
        for ti, term in enumerate(concept.key_terms):
            seen.setdefault(term.term.casefold(), GlossaryEntry(term.term, term.definition, concept.name, ci, ti))
    return [seen[k] for k in sorted(seen)]


def scientists(spec: StorySpec) -> list[ScientistEntry]:
    """The scientists met at the back: those a concept names, else (none named) every scientist of the spec."""
    used = {c.scientist for c in spec.concepts if c.scientist}
    chosen = [(i, s) for i, s in enumerate(spec.scientists) if s.id in used] or list(enumerate(spec.scientists))
    return [ScientistEntry(i, s, tuple(c for c in spec.concepts if c.scientist == s.id)) for i, s in chosen]


def front_sections(spec: StorySpec) -> list[Section]:
    """The optional front pages the spec asks for (a dedication), in print order."""
    text = spec.book.dedication
    return [Section("dedication", "Dedication", "dedication", (text,), field="book.dedication")] if text else []


def back_sections(spec: StorySpec, glossary_: list[GlossaryEntry], scientists_: list[ScientistEntry]) -> list[Section]:
    """The back matter the book has, in the order the print book sets it and lists it in its contents."""
    bm, book, chapters = spec.back_matter, spec.book, spec.chapters
    out: list[Section] = []
    if bm.glossary and glossary_:
        out.append(Section("glossary", "Glossary", "glossary"))
    if bm.meet_the_scientist and scientists_:
        out.append(Section("scientists", "Meet the Scientist" if len(scientists_) == 1 else "Meet the Scientists", "appendix"))
    if bm.activities and any(c.activity for c in chapters):
        out.append(Section("activities", "Try It!", "appendix"))
    if bm.questions and any(c.questions for c in chapters):
        out.append(Section("questions", "Think About It", "appendix"))
    if bm.note_for_grownups:
        out.append(Section("grownups", "A Note for Grown-ups", "afterword", tuple(paragraphs(bm.note_for_grownups)), field="back_matter.note_for_grownups"))
    # The optional pages (render.extra_pages prints their bodies in the PDF).
    if bm.about_the_author:
        title = "About the Author" if len(book.authors) == 1 else "About the Authors"
        out.append(Section("about_author", title, "appendix", tuple(paragraphs(bm.about_the_author)), field="back_matter.about_the_author"))
    if bm.about_the_illustrator:
        out.append(
            Section(
                "about_illustrator", "About the Illustrator", "appendix", tuple(paragraphs(bm.about_the_illustrator)), field="back_matter.about_the_illustrator"
            )
        )
    if bm.also_in_series:
        title = f"Also in the {book.series} Series" if book.series else "Also in This Series"
        out.append(Section("series", title, "appendix", items=tuple(bm.also_in_series), field="back_matter.also_in_series"))
    return out


def book_view(story: Story) -> BookView:
    """The whole book, ready for any renderer."""
    chapters = []
    for i, chapter in enumerate(story.spec.chapters):
        opener, flow = chapter_flow(story, i)
        flow = [item for item in flow if item.kind in _TEMPLATE_KINDS]
        concepts = [c for cid in chapter.concepts if (c := story.spec.concept(cid)) is not None]
        chapters.append(ChapterView(i + 1, story.spec.chapter_id(i), chapter, concepts, opener, flow))
    # The glossary and the scientists are chosen here once; every format (PDF, ebook, manuscript, preview) prints these.
    terms, people = glossary(story.spec), scientists(story.spec)
    return BookView(story, chapters, terms, people, front_sections(story.spec), back_sections(story.spec, terms, people))


__all__ = [
    "BookView", "ChapterView", "FlowItem", "GlossaryEntry", "ScientistEntry", "Section",
    "back_sections", "book_view", "caption", "chapter_flow", "front_sections", "glossary", "paragraphs", "scientists", "wrap_side",
]  # fmt: skip
