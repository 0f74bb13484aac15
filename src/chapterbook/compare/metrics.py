"""Typed records of what compare measures: one dataclass per metric family, written to metrics.json.

Every stage after measuring (verdicts, the report table, the command's summary,
metrics.json) reads these attributes, never string keys, so a renamed or missing
field is a type error rather than a silent KeyError or a wrong column.
The JSON written from them is described field by field in docs/metrics.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

# Bumped whenever a field of metrics.json is renamed or changes meaning (added fields do not bump it).
METRICS_SCHEMA = 2

Level = Literal["good", "warn", "bad"]


class Metric(Protocol):
    """A family of measures of one version: its key in metrics.json and its JSON form."""

    name: ClassVar[str]

    def to_json(self) -> dict[str, Any]: ...


class _Json:
    name: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        """The record as plain JSON data (nested records included)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]


# --- readability -------------------------------------------------------------------------


@dataclass
class Readability(_Json):
    """Size, rhythm and readability grades (compare.readability)."""

    name: ClassVar[str] = "readability"
    words: int
    sentences: int
    paragraphs: int
    words_per_sentence: float
    longest_sentence_words: int
    longest_sentence: str
    sentences_per_paragraph: float
    long_sentences: list[str]
    long_paragraphs: list[int]  # 1-based
    spache_grade: float | None
    spache_unfamiliar_percent: float
    spache_unfamiliar: list[str]
    fk_grade: float | None
    hard_word_share: float
    hard_words: list[str]  # most frequent first


# --- science ---------------------------------------------------------------------------------


@dataclass
class KeyTermUse:
    term: str
    count: int


@dataclass
class FactCoverage:
    fact: str
    stated: bool
    overlap: float  # share of the fact's content words in the best window of sentences
    sentences: list[str]
    sentence_index: list[int]
    ref: str = ""  # "concept.N" (1-based), the form `teaches:` uses


@dataclass
class MisconceptionHit:
    misconception: str
    sentence: str
    corrected: bool
    voice: Literal["narrator", "character", "question", "reported"]
    speaker: str = "narrator"  # the character's name when the dialogue structure tells it
    correction: str = ""  # the sentence that corrects it, when one does


@dataclass
class ConceptScience:
    id: str
    name: str
    key_terms: list[KeyTermUse]
    terms_used: int
    facts: list[FactCoverage]
    facts_stated: int
    misconceptions: list[MisconceptionHit]
    facts_elsewhere: list[str] = field(default_factory=list)  # facts other chapters teach: not judged here
    terms_elsewhere: list[str] = field(default_factory=list)  # key terms only those facts use: not judged here


@dataclass
class ExplanationMarker:
    marker: str
    count: int
    sentences: list[str]


@dataclass
class MythHit:
    """A popular myth about a scientist, found in the text (compare.myths)."""

    scientist: str
    myth: str
    truth: str
    sentence: str
    corrected: bool
    speaker: str = "narrator"
    correction: str = ""


@dataclass
class Science(_Json):
    """What the version teaches of the chapter's facts, terms and concepts (compare.science)."""

    name: ClassVar[str] = "science"
    concepts: list[ConceptScience]
    facts_total: int
    facts_stated: int
    science_sentences: list[int]
    science_share: float
    explanation_markers: list[ExplanationMarker]
    explanations: int
    misconceptions_repeated: list[MisconceptionHit]
    misconceptions_voiced: list[MisconceptionHit]
    misconceptions_corrected: list[MisconceptionHit]
    myths: list[MythHit] = field(default_factory=list)

    @property
    def terms_used(self) -> int:
        return sum(c.terms_used for c in self.concepts)

    @property
    def terms_total(self) -> int:
        return sum(len(c.key_terms) for c in self.concepts)

    @property
    def facts(self) -> list[FactCoverage]:
        return [f for c in self.concepts for f in c.facts]


# --- craft ------------------------------------------------------------------------------------


@dataclass
class PhraseCount:
    phrase: str
    count: int


@dataclass
class Craft(_Json):
    """Dialogue, questions, challenges, clichés, repeats, illustration slots (compare.craft)."""

    name: ClassVar[str] = "craft"
    dialogue_share: float
    character_questions: int
    character_question_texts: list[str]
    questions: int
    exclamations: int
    reader_challenges: list[str]
    cliches: list[PhraseCount]
    repeated_phrases: list[PhraseCount]
    illustration_slots: int
    illustrations: list[str]


# --- safety -----------------------------------------------------------------------------------


@dataclass
class HandledHazard:
    """A hazard word inside a warning or a grown-up's instruction: handled safely, not flagged."""

    category: str
    word: str
    sentence: str


@dataclass
class AgeEvent:
    """Something that happens in the story that a young reader may find frightening (compare.events)."""

    kind: str  # threat, attack, injury, trapped, transformed, predator, death, lost
    sentence: str
    reason: str
    level: Level


@dataclass
class Safety(_Json):
    """Words of the safety list found in context, and events that do not fit the age (compare.safety)."""

    name: ClassVar[str] = "safety"
    flags: dict[str, list[str]]  # category -> words as they appear, most frequent first
    counts: dict[str, int]
    sentences: dict[str, list[str]]
    handled: list[HandledHazard] = field(default_factory=list)
    events: list[AgeEvent] = field(default_factory=list)

    @property
    def flag_count(self) -> int:
        return sum(self.counts.values())


# --- similarity --------------------------------------------------------------------------------


@dataclass
class PairSimilarity:
    a: str
    b: str
    jaccard: float
    a_in_b: float
    b_in_a: float

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- one version -------------------------------------------------------------------------------


@dataclass
class Verdict:
    level: Level
    text: str


@dataclass
class VersionMetrics:
    """Every measure of one version of one chapter."""

    readability: Readability
    science: Science
    craft: Craft
    safety: Safety
    similarity_to_human: float | None = None  # containment of its 3-word runs in the human text

    def families(self) -> tuple[Metric, ...]:
        return (self.readability, self.science, self.craft, self.safety)

    def to_json(self) -> dict[str, Any]:
        """The metrics.json form: one object per family, keyed by its name."""
        out: dict[str, Any] = {m.name: m.to_json() for m in self.families()}
        out["similarity_to_human"] = self.similarity_to_human
        return out
