"""The story spec: one Pydantic model that every stage reads.

Field descriptions are written for authors: they appear in the JSON Schema that
editors use for autocompletion and hover help on story.yaml.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CURRENT_SPEC_VERSION = 1

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="A short name used to refer to this item elsewhere: lowercase letters, digits, '-' or '_'.",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


# --- book ------------------------------------------------------------------


def isbn13_is_valid(digits: str) -> bool:
    """True when the 13 digits carry a correct ISBN-13 check digit."""
    if not re.fullmatch(r"\d{13}", digits):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


class AgeRange(Strict):
    min: int = Field(6, ge=2, le=16, description="Youngest reader age.")
    max: int = Field(8, ge=2, le=18, description="Oldest reader age.")

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min > self.max:
            raise ValueError(f"min age {self.min} is above max age {self.max}; swap them")
        return self


class Book(Strict):
    title: str = Field(min_length=1, max_length=200, description="The title on the cover.")
    subtitle: str | None = Field(None, max_length=300)
    series: str | None = None
    authors: list[str] = Field(min_length=1, description="Author names, as printed.")
    illustrator: str | None = None
    age_range: AgeRange = Field(default_factory=AgeRange)
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="BCP 47 code, e.g. en or en-GB.")
    publication_date: dt.date | None = None
    isbn: str | None = Field(None, description="ISBN-13, with or without hyphens; the check digit is verified.")
    ebook_isbn: str | None = Field(None, description="The ebook's own ISBN-13 (stores need one separate from the print book's), for book.epub.")
    edition: str | None = Field(None, description="e.g. 'First edition'.")
    genre: str | None = None
    description: str | None = Field(None, max_length=2000, description="A short blurb for the back cover.")
    publisher: str | None = None
    copyright_holder: str | None = Field(None, description="Defaults to the authors.")

    @field_validator("isbn", "ebook_isbn")
    @classmethod
    def _isbn13(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = re.sub(r"[\s-]", "", value)
        if not re.fullmatch(r"\d{13}", digits):
            raise ValueError(f"ISBN '{value}' must have 13 digits (found {sum(c.isdigit() for c in value)})")
        if not digits.startswith(("978", "979")):
            raise ValueError(f"ISBN '{value}' must start with 978 or 979")
        if not isbn13_is_valid(digits):
            raise ValueError(f"ISBN '{value}' has a wrong check digit; check it was copied correctly")
        return digits


# --- people and science ----------------------------------------------------


class Character(Strict):
    id: Id
    name: str = Field(min_length=1)
    role: str = Field("", description="e.g. 'main character, age 7', 'little brother', 'Mom'.")
    description: str = Field("", description="Who they are and how they talk.")
    appearance: str = Field("", description="What the illustrator should draw, the same in every picture.")


class Scientist(Strict):
    id: Id
    name: str
    born: str | None = Field(None, description="Year or date, as printed, e.g. '1643'.")
    died: str | None = None
    bio: str = Field("", description="A few sentences for the 'Meet the scientist' page.")
    portrait: str | None = Field(None, description="Image file, relative to the story folder.")


class KeyTerm(Strict):
    term: str = Field(min_length=1)
    definition: str = Field(min_length=1, description="A child-sized definition for the glossary.")


class Concept(Strict):
    id: Id
    name: str
    scientist: str | None = Field(None, description="Id of an entry in 'scientists'.")
    explanation: str = Field(min_length=1, description="One line a child can understand.")
    key_terms: list[KeyTerm] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list, description="What the book must get across.")
    misconceptions: list[str] = Field(default_factory=list, description="Wrong ideas the text must not repeat.")


# --- chapters ---------------------------------------------------------------


class Placement(str, Enum):
    opener = "opener"
    full = "full"
    half = "half"
    spot = "spot"


class DiagramKind(str, Enum):
    force_arrows = "force_arrows"
    gravity = "gravity"
    motion_path = "motion_path"
    action_reaction = "action_reaction"
    ramp = "ramp"


# What each kind of diagram has room to label, in the order `labels` fills them.
DIAGRAM_LABELS = {
    DiagramKind.force_arrows: ("the push from the left", "the push back from the right", "an arrow up", "an arrow down"),
    DiagramKind.gravity: ("the arrow down",),
    DiagramKind.motion_path: ("the start", "the end"),
    DiagramKind.action_reaction: ("the action (right arrow)", "the reaction (left arrow)"),
    DiagramKind.ramp: ("the arrow down", "the ramp"),
}


class Diagram(Strict):
    kind: DiagramKind
    object: str = Field("", description="What the diagram shows, e.g. 'beach cart'.")
    other_object: str = Field(
        "",
        description="action_reaction only: the second thing, the one pushed back, e.g. 'air'. "
        "Naming both shows that the two pushes act on two different things.",
    )
    labels: list[str] = Field(
        default_factory=list,
        description="Arrow or part labels, in order: force_arrows up to 4 (left, right, up, down), gravity 1, "
        "motion_path 2 (start, end), action_reaction 2, ramp 2 (arrow, ramp).",
    )
    caption: str = ""


class Illustration(Strict):
    id: Id
    brief: str = Field(min_length=1, description="What to draw: the illustrator follows this.")
    image: str | None = Field(None, description="Image file relative to the story folder; a placeholder is drawn until it exists.")
    diagram: Diagram | None = None
    placement: Placement = Placement.half
    after_paragraph: int | None = Field(
        None, ge=0, description="Put it after this paragraph (0 = before the first). Or mark the spot in the text with [illustration: id]."
    )


class Activity(Strict):
    title: str
    materials: list[str] = Field(default_factory=list)
    steps: list[str] = Field(min_length=1)
    safety_note: str | None = Field(None, description="Printed in a box: what a grown-up should watch for.")
    what_happens: str | None = Field(None, description="What the child should see, and why.")


class Chapter(Strict):
    id: Id | None = Field(None, description="Optional short name; defaults to chapter-N.")
    title: str = Field(min_length=1)
    concepts: list[str] = Field(default_factory=list, description="Ids of the concepts this chapter teaches.")
    characters: list[str] = Field(default_factory=list, description="Ids of the characters in this chapter.")
    setting: str = ""
    synopsis: str = ""
    beats: list[str] = Field(default_factory=list, description="The outline, one step per line.")
    text: str | None = Field(None, description="The chapter, in Markdown. Use either text or text_file.")
    text_file: str | None = Field(None, description="A Markdown file with the chapter, relative to the story folder.")
    illustrations: list[Illustration] = Field(default_factory=list)
    activity: Activity | None = None
    questions: list[str] = Field(default_factory=list, description="Questions for the reader at the end.")

    @model_validator(mode="after")
    def _one_text(self) -> Chapter:
        if self.text is not None and self.text_file is not None:
            raise ValueError("give either 'text' or 'text_file', not both")
        return self


# --- rules, back matter, layout ---------------------------------------------


class ReadabilityBand(Strict):
    formula: Literal["flesch_kincaid_grade"] = "flesch_kincaid_grade"
    min: float = Field(0.0, description="Lowest acceptable grade level.")
    max: float = Field(3.0, description="Highest acceptable grade level.")


class ReadingLevel(Strict):
    max_words_per_sentence: int = Field(14, ge=3, le=60)
    max_sentences_per_paragraph: int = Field(5, ge=1, le=30)
    readability: ReadabilityBand = Field(default_factory=ReadabilityBand)


class BackMatter(Strict):
    glossary: bool = Field(True, description="A glossary built from the concepts' key terms.")
    meet_the_scientist: bool = True
    activities: bool = Field(True, description="'Try it' activity pages.")
    questions: bool = True
    note_for_grownups: str | None = Field(None, description="Text of a note for parents and teachers; leave out for none.")


TRIM_PRESETS: dict[str, tuple[float, float]] = {
    "5x8": (5.0, 8.0),
    "5.25x8": (5.25, 8.0),
    "5.5x8.5": (5.5, 8.5),
    "6x9": (6.0, 9.0),
    "7x10": (7.0, 10.0),
    "8x10": (8.0, 10.0),
    "8.5x8.5": (8.5, 8.5),
    "8.5x11": (8.5, 11.0),
}


class Paper(str, Enum):
    white = "white"
    cream = "cream"
    color = "color"


class Layout(Strict):
    trim: str = Field("6x9", description=f"A preset ({', '.join(TRIM_PRESETS)}) or 'WxH' in inches, e.g. '7.5x9.25'.")
    font: str = Field("Andika", description="Body font: a font shipped with chapterbook or a .ttf path in the story folder.")
    font_size: float = Field(15, ge=10, le=24, description="Body size in points (14-16 suits ages 6-8).")
    leading: float | None = Field(None, ge=10, le=40, description="Line spacing in points; defaults to 1.5 × font size.")
    paper: Paper = Paper.white
    hyphenate: bool = Field(False, description="Early readers read better without hyphenation.")
    smart_quotes: bool = Field(
        True,
        description="Print typographer's quotes and apostrophes (“ ” ‘ ’) where the text has straight ones "
        "(\" and '), and -- --- ... as – — …; English books only, and only when the font has them.",
    )
    cover_image: str | None = Field(None, description="Front cover art, relative to the story folder.")

    @field_validator("trim")
    @classmethod
    def _trim(cls, value: str) -> str:
        if value in TRIM_PRESETS:
            return value
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*(?:in)?\s*", value)
        if not m:
            raise ValueError(f"trim '{value}' is not a preset ({', '.join(TRIM_PRESETS)}) nor 'WIDTHxHEIGHT' in inches")
        w, h = float(m.group(1)), float(m.group(2))
        if not (4.0 <= w <= 8.5 and 6.0 <= h <= 11.69):
            raise ValueError(f"trim {w}x{h} in is outside what print-on-demand services print (4-8.5 in wide, 6-11.69 in tall)")
        return f"{w:g}x{h:g}"

    def trim_inches(self) -> tuple[float, float]:
        """Width and height of the trimmed page, in inches."""
        if self.trim in TRIM_PRESETS:
            return TRIM_PRESETS[self.trim]
        w, h = self.trim.lower().split("x")
        return float(w), float(h)

    @property
    def line_height(self) -> float:
        return self.leading if self.leading is not None else round(self.font_size * 1.5, 2)


# --- the whole book -----------------------------------------------------------


class StorySpec(Strict):
    """A whole chapter book, as described in story.yaml."""

    @property
    def typographers_quotes(self) -> bool:
        """Whether straight quotes are shown as “ ” ‘ ’: asked for (the default) and an English book
        (other languages quote differently: „…“, « … »). The PDF also needs the font to have them."""
        return self.layout.smart_quotes and self.book.language.lower().startswith("en")

    spec_version: int = Field(description=f"The spec format version; this chapterbook writes {CURRENT_SPEC_VERSION}.")
    book: Book
    characters: list[Character] = Field(default_factory=list)
    scientists: list[Scientist] = Field(default_factory=list)
    concepts: list[Concept] = Field(default_factory=list)
    chapters: list[Chapter] = Field(min_length=1)
    reading_level: ReadingLevel = Field(default_factory=ReadingLevel)
    back_matter: BackMatter = Field(default_factory=BackMatter)
    layout: Layout = Field(default_factory=Layout)

    def concept(self, concept_id: str) -> Concept | None:
        return next((c for c in self.concepts if c.id == concept_id), None)

    def character(self, character_id: str) -> Character | None:
        return next((c for c in self.characters if c.id == character_id), None)

    def scientist(self, scientist_id: str) -> Scientist | None:
        return next((s for s in self.scientists if s.id == scientist_id), None)

    def chapter_id(self, index: int) -> str:
        """The chapter's id, or chapter-N (1-based) when it has none."""
        return self.chapters[index].id or f"chapter-{index + 1}"
