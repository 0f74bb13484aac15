"""The book as readers meet it: chapters as a flow of prose and pictures, plus back matter.

Every renderer (Markdown manuscript, HTML preview, PDF) prints the same flow,
so an illustration lands in the same place in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from chapterbook.spec.load import Story
from chapterbook.spec.models import Activity, Chapter, Concept, Illustration, KeyTerm, Placement, Scientist
from chapterbook.text import blocks, inline_markup, plain


@dataclass(frozen=True)
class FlowItem:
    """One thing on the page: a paragraph (Markdown inline text) or an illustration."""

    kind: str  # "paragraph" | "dialogue" | "illustration" | "break"
    text: str = ""
    illustration: Illustration | None = None

    @property
    def html(self) -> Markup:
        """The paragraph as escaped HTML with <em>/<strong> for Markdown emphasis."""
        return Markup(inline_markup(self.text, bold="strong", italic="em"))

    @property
    def plain(self) -> str:
        return plain(self.text)


@dataclass
class ChapterView:
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
    def has_text(self) -> bool:
        return any(item.kind != "illustration" for item in self.flow)


@dataclass
class GlossaryEntry:
    term: str
    definition: str
    concept: str


@dataclass
class BookView:
    story: Story
    chapters: list[ChapterView]
    glossary: list[GlossaryEntry] = field(default_factory=list)
    scientists: list[Scientist] = field(default_factory=list)

    @property
    def spec(self):
        return self.story.spec


def chapter_flow(story: Story, index: int) -> tuple[Illustration | None, list[FlowItem]]:
    """The chapter's opener illustration and its prose with every other slot placed.

    A slot goes where the text marks it (`[illustration: id]`), else after
    paragraph `after_paragraph`, else at the end. The first slot with
    placement 'opener' that the text does not mark becomes the opener.
    """
    chapter = story.spec.chapters[index]
    source = story.chapter_text(index)
    slots = {ill.id: ill for ill in chapter.illustrations}
    marked: set[str] = set()
    flow: list[FlowItem] = []
    if source is not None:
        for block in blocks(source.text):
            if block.kind in ("paragraph", "dialogue"):
                flow.append(FlowItem(block.kind, block.text))
            elif block.kind == "break":
                flow.append(FlowItem("break"))
            elif block.kind == "illustration" and block.ref in slots:
                marked.add(block.ref)
                flow.append(FlowItem("illustration", illustration=slots[block.ref]))
            # headings inside chapter text are dropped: the spec's title is the heading
    opener = next(
        (ill for ill in chapter.illustrations if ill.placement == Placement.opener and ill.id not in marked), None
    )
    pending = [ill for ill in chapter.illustrations if ill.id not in marked and ill is not opener]
    # Insert from the back so earlier paragraph indexes stay valid.
    prose_positions = [i for i, item in enumerate(flow) if item.kind in ("paragraph", "dialogue")]
    for ill in sorted(pending, key=lambda s: -(s.after_paragraph if s.after_paragraph is not None else 10**9)):
        if ill.after_paragraph is None or ill.after_paragraph >= len(prose_positions):
            flow.append(FlowItem("illustration", illustration=ill))
        elif ill.after_paragraph == 0:
            flow.insert(0, FlowItem("illustration", illustration=ill))
        else:
            flow.insert(prose_positions[ill.after_paragraph - 1] + 1, FlowItem("illustration", illustration=ill))
    return opener, flow


def glossary(story: Story) -> list[GlossaryEntry]:
    """Key terms of every concept, alphabetical, first definition wins."""
    seen: dict[str, GlossaryEntry] = {}
    for concept in story.spec.concepts:
        for term in concept.key_terms:
            seen.setdefault(term.term.lower(), GlossaryEntry(term.term, term.definition, concept.name))
    return sorted(seen.values(), key=lambda e: e.term.lower())


def book_view(story: Story) -> BookView:
    """The whole book, ready for any renderer."""
    chapters = []
    for i, chapter in enumerate(story.spec.chapters):
        opener, flow = chapter_flow(story, i)
        concepts = [c for cid in chapter.concepts if (c := story.spec.concept(cid)) is not None]
        chapters.append(ChapterView(i + 1, story.spec.chapter_id(i), chapter, concepts, opener, flow))
    used = {c.scientist for c in story.spec.concepts if c.scientist}
    scientists = [s for s in story.spec.scientists if s.id in used] or list(story.spec.scientists)
    return BookView(story, chapters, glossary(story), scientists)


__all__ = ["BookView", "ChapterView", "FlowItem", "GlossaryEntry", "KeyTerm", "book_view", "chapter_flow", "glossary"]
