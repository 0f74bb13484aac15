"""The book as readers meet it: chapters as a flow of prose and pictures, plus back matter.

Every renderer (Markdown manuscript, HTML preview, PDF) prints the same flow,
so an illustration lands in the same place in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from chapterbook.spec.load import Story
from chapterbook.spec.models import Activity, Chapter, Concept, Illustration, KeyTerm, Placement, Scientist
from chapterbook.text import BlockQuote, BulletList, Heading, IllustrationMarker, Inline, NumberedList, Paragraph, TextBlock, markup, parse, plain


@dataclass(frozen=True)
class FlowItem:
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
    def opener_caption(self) -> str:
        return caption(self.opener) if self.opener is not None else ""

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
        flow = [item for item in flow if item.kind in _TEMPLATE_KINDS]
        concepts = [c for cid in chapter.concepts if (c := story.spec.concept(cid)) is not None]
        chapters.append(ChapterView(i + 1, story.spec.chapter_id(i), chapter, concepts, opener, flow))
    used = {c.scientist for c in story.spec.concepts if c.scientist}
    scientists = [s for s in story.spec.scientists if s.id in used] or list(story.spec.scientists)
    return BookView(story, chapters, glossary(story), scientists)


__all__ = ["BookView", "ChapterView", "FlowItem", "GlossaryEntry", "KeyTerm", "book_view", "caption", "chapter_flow", "glossary"]
