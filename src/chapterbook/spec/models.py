"""The story spec: one Pydantic model that every stage reads.

Field descriptions are written for authors: they appear in the JSON Schema that
editors use for autocompletion and hover help on story.yaml.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from chapterbook.print_rules import TRIM_HEIGHT_IN, TRIM_PRESETS, TRIM_WIDTH_IN
from chapterbook.spec.base import Id, Strict, empty_list  # shared with the diagram models
from chapterbook.spec.diagrams import (  # noqa: F401  (importable from here, as before)
    DIAGRAM_ITEM_CHARS,
    DIAGRAM_ITEMS,
    DIAGRAM_LABELS,
    DIRECTIONS,
    Diagram,
    DiagramArrow,
    DiagramItem,
    DiagramKind,
    MotionPathKind,
    PartsShape,
)

# The enums and the models' methods live without Pydantic (see spec/kinds.py); importable from here, as before.
from chapterbook.spec.kinds import CURRENT_SPEC_VERSION, Fit, LayoutRules, Paper, Placement, Side, StoryLookups  # noqa: F401

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
    dedication: str | None = Field(
        None, max_length=500, description="A dedication, printed on its own page after the copyright page, e.g. 'For Maya, who asks why.'"
    )

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
    key_terms: list[KeyTerm] = Field(default_factory=empty_list)
    facts: list[str] = Field(default_factory=empty_list, description="What the book must get across.")
    misconceptions: list[str] = Field(default_factory=empty_list, description="Wrong ideas the text must not repeat.")


# --- chapters ---------------------------------------------------------------


class Illustration(Strict):
    id: Id
    brief: str = Field(min_length=1, description="What to draw: the illustrator follows this.")
    image: str | None = Field(None, description="Image file relative to the story folder; a placeholder is drawn until it exists.")
    diagram: Diagram | None = None
    placement: Placement = Placement.half
    fit: Fit | None = Field(
        None,
        description="When a half or spot illustration does not fit the room left on its page: 'shrink' (down to 70%, "
        "then move) or 'float' (move to the top of the next page while the text fills this one). "
        "Left out: pictures shrink, diagrams float.",
    )
    side: Side | None = Field(
        None,
        description="placement: spot only: 'left' or 'right' puts the picture at that side with the text wrapping "
        "beside it. Left out: centred, with the text above and below.",
    )
    bleed: bool = Field(
        False,
        description="placement: full only: the picture fills the whole page out to the bleed edge (it needs the page's "
        "size plus bleed at 300 ppi; the middle is kept and the edges trimmed to the page's shape).",
    )
    caption: str = Field("", description="Printed under the picture in every format; a diagram's own caption is used when this is empty.")
    after_paragraph: int | None = Field(
        None, ge=0, description="Put it after this paragraph (0 = before the first). Or mark the spot in the text with [illustration: id]."
    )


class Activity(Strict):
    title: str
    materials: list[str] = Field(default_factory=empty_list)
    steps: list[str] = Field(min_length=1)
    safety_note: str | None = Field(None, description="Printed in a box: what a grown-up should watch for.")
    what_happens: str | None = Field(None, description="What the child should see, and why.")


class Chapter(Strict):
    id: Id | None = Field(None, description="Optional short name; defaults to chapter-N.")
    title: str = Field(min_length=1)
    concepts: list[str] = Field(default_factory=empty_list, description="Ids of the concepts this chapter teaches.")
    teaches: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*(?:\.[1-9][0-9]*)?$")]] | None = Field(
        None,
        description="The facts this chapter is meant to teach, judged by 'compare': 'concept.N' is fact N (from 1) of that "
        "concept, 'concept' is all of its facts. Left out: every fact of its concepts that no other chapter's "
        "'teaches' claims.",
    )
    characters: list[str] = Field(default_factory=empty_list, description="Ids of the characters in this chapter.")
    setting: str = ""
    synopsis: str = ""
    beats: list[str] = Field(default_factory=empty_list, description="The outline, one step per line.")
    text: str | None = Field(None, description="The chapter, in Markdown. Use either text or text_file.")
    text_file: str | None = Field(None, description="A Markdown file with the chapter, relative to the story folder.")
    illustrations: list[Illustration] = Field(default_factory=empty_list)
    activity: Activity | None = None
    questions: list[str] = Field(default_factory=empty_list, description="Questions for the reader at the end.")

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

    @model_validator(mode="after")
    def _ordered(self) -> ReadabilityBand:
        if self.min > self.max:
            raise ValueError(f"the lowest grade {self.min:g} is above the highest {self.max:g}; swap them")
        return self


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
    about_the_author: str | None = Field(None, description="A page 'About the Author' at the back; leave out for none.")
    about_the_illustrator: str | None = Field(None, description="A page 'About the Illustrator' at the back; leave out for none.")
    also_in_series: list[str] = Field(default_factory=empty_list, description="Titles of the series' other books, listed on an 'Also in this series' page.")


# Colours an author may name; anything else is given as #RRGGBB or cmyk(C, M, Y, K) in percent.
COLOUR_NAMES = {
    "black": "#000000",
    "white": "#ffffff",
    "grey": "#808080",
    "gray": "#808080",
    "red": "#d62828",
    "orange": "#f77f00",
    "yellow": "#fcbf49",
    "green": "#2a9d8f",
    "blue": "#1d70b8",
    "navy": "#1d3557",
    "purple": "#7b2cbf",
    "pink": "#ef476f",
    "brown": "#8d5524",
    "sand": "#f4e4bc",
    "cream": "#fdf6e3",
    "sky": "#8ecae6",
    "sea": "#0081a7",
    "teal": "#008080",
}


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """The colour as CMYK fractions 0-1; ValueError saying the accepted forms when `text` is none of them."""
    value = text.strip().lower()
    value = COLOUR_NAMES.get(value, value)
    m = re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", value)
    if m:
        hexa = m.group(1) if len(m.group(1)) == 6 else "".join(ch * 2 for ch in m.group(1))
        r, g, b = (int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4))
        k = 1 - max(r, g, b)
        if k >= 1:
            return (0.0, 0.0, 0.0, 1.0)
        return tuple(round(v, 4) for v in ((1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - b - k) / (1 - k), k))  # type: ignore[return-value]
    m = re.fullmatch(r"cmyk\(\s*([\d.]+)%?\s*,\s*([\d.]+)%?\s*,\s*([\d.]+)%?\s*,\s*([\d.]+)%?\s*\)", value)
    if m and all(float(v) <= 100 for v in m.groups()):
        return tuple(float(v) / 100 for v in m.groups())  # type: ignore[return-value]
    raise ValueError(
        f"'{text}' is not a colour chapterbook knows: write it as #RRGGBB (e.g. #1d70b8), cmyk(C, M, Y, K) in percent "
        f"(e.g. cmyk(90, 40, 0, 0)) or one of: {', '.join(COLOUR_NAMES)}"
    )


def _colour(value: str | None) -> str | None:
    if value is not None:
        parse_colour(value)
    return value


Colour = Annotated[str, Field(description="#RRGGBB, cmyk(C, M, Y, K) in percent, or a name such as blue or sand.")]


class Palette(Strict):
    """The book's colours: diagrams and the generated cover use them."""

    main: Colour | None = Field(None, description="Pushes and the cover's front background.")
    second: Colour | None = Field(None, description="Pulls, paths and the spine.")
    accent: Colour | None = Field(None, description="The things in diagrams (boxes, balls, stages).")

    _check = field_validator("main", "second", "accent")(lambda cls, v: _colour(v))


class Cover(Strict):
    """The wrap cover beyond its front art (layout.cover_image)."""

    front_colour: Colour | None = Field(None, description="Background of a generated front (no cover_image).")
    back_colour: Colour | None = Field(None, description="Background of the back; defaults to sand.")
    back_image: str | None = Field(None, description="Art for the back, relative to the story folder; the blurb is set on a band over it.")
    spine_colour: Colour | None = Field(None, description="The spine; it runs a little onto the front and back so a binding shift shows no stripe.")
    text_colour: Colour | None = Field(None, description="Title and names on the front; white by default.")
    barcode: bool | None = Field(None, description="Print the ISBN barcode on the back; on by default when the book has an ISBN.")
    price_code: str = Field(
        "90000", pattern=r"^\d{5}$", description="The 5-digit add-on after the barcode: 90000 for no price, or currency digit + price, e.g. 50799 for US$7.99."
    )

    _check = field_validator("front_colour", "back_colour", "spine_colour", "text_colour")(lambda cls, v: _colour(v))


class Layout(LayoutRules, Strict):
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
    cover: Cover = Field(default_factory=Cover, description="Back, spine, barcode and colours of the wrap cover.")
    palette: Palette = Field(default_factory=Palette, description="The book's colours, for diagrams and the generated cover.")
    made_with_line: bool = Field(True, description="Print 'Made with chapterbook.' on the copyright page.")

    @field_validator("trim")
    @classmethod
    def _trim(cls, value: str) -> str:
        if value in TRIM_PRESETS:
            return value
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*(?:in)?\s*", value)
        if not m:
            raise ValueError(f"trim '{value}' is not a preset ({', '.join(TRIM_PRESETS)}) nor 'WIDTHxHEIGHT' in inches")
        w, h = float(m.group(1)), float(m.group(2))
        (w0, w1), (h0, h1) = TRIM_WIDTH_IN, TRIM_HEIGHT_IN
        if not (w0 <= w <= w1 and h0 <= h <= h1):
            raise ValueError(f"trim {w}x{h} in is outside what print-on-demand services print ({w0:g}-{w1:g} in wide, {h0:g}-{h1:g} in tall)")
        return f"{w:g}x{h:g}"


# --- the whole book -----------------------------------------------------------


class StorySpec(StoryLookups, Strict):
    """A whole chapter book, as described in story.yaml."""

    spec_version: int = Field(description=f"The spec format version; this chapterbook writes {CURRENT_SPEC_VERSION}.")
    book: Book
    characters: list[Character] = Field(default_factory=empty_list)
    scientists: list[Scientist] = Field(default_factory=empty_list)
    concepts: list[Concept] = Field(default_factory=empty_list)
    chapters: list[Chapter] = Field(min_length=1)
    reading_level: ReadingLevel = Field(default_factory=ReadingLevel)
    back_matter: BackMatter = Field(default_factory=BackMatter)
    layout: Layout = Field(default_factory=Layout)
