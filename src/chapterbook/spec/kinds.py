"""The spec's choices (enums), diagram limits and the rules read off a loaded spec, without Pydantic.

Pydantic and the spec's models are a third of a warm ebook build's start (about 0.4 G
instructions of 1.3 G), and a build whose story.yaml did not change does not need them:
it thaws the spec it validated last time (:mod:`chapterbook.spec.snapshot`). What a
renderer or lint needs from the spec besides its values lives here so both kinds of spec
share it: the enums, the diagram tables, and the methods (as mixins the models inherit).
Every name is also importable from chapterbook.spec.models (and the diagram ones from
chapterbook.spec.diagrams), as before.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from chapterbook.print_rules import TRIM_PRESETS

if TYPE_CHECKING:
    from chapterbook.spec.models import Character, Concept, Diagram, Scientist

CURRENT_SPEC_VERSION = 2  # 2 added chapters[].teaches (spec/migrate.py brings 1 forward)


class Placement(str, Enum):
    opener = "opener"
    full = "full"
    half = "half"
    spot = "spot"


class Fit(str, Enum):
    """What a half or spot illustration does when it does not fit the room left on its page."""

    shrink = "shrink"  # drawn smaller, down to print_rules.PICTURE_SHRINK_FLOOR, else moved like `float`
    float = "float"  # moved to the top of the next page, the text after it filling this one


class Side(str, Enum):
    """Where a spot illustration sits: on the left or right of the text, which wraps beside it."""

    left = "left"
    right = "right"


class Paper(str, Enum):
    """The interior paper; its thickness per page (print_rules.PAPER_THICKNESS_IN) sets the spine width."""

    white = "white"
    cream = "cream"
    color = "color"


# --- diagrams ------------------------------------------------------------------


class DiagramKind(str, Enum):
    force_arrows = "force_arrows"
    gravity = "gravity"
    motion_path = "motion_path"
    action_reaction = "action_reaction"
    ramp = "ramp"
    cycle = "cycle"
    labelled_parts = "labelled_parts"
    sequence = "sequence"
    before_after = "before_after"
    bar_chart = "bar_chart"


# What each kind of diagram has room to label, in the order `labels` fills them.
DIAGRAM_LABELS = {
    DiagramKind.force_arrows: ("the push from the left", "the push back from the right", "an arrow up", "an arrow down"),
    DiagramKind.gravity: ("the arrow between the two things",),
    DiagramKind.motion_path: ("the start", "the end"),
    DiagramKind.action_reaction: ("the action (right arrow)", "the reaction (left arrow)"),
    DiagramKind.ramp: ("the arrow down", "the ramp"),
    DiagramKind.cycle: (),
    DiagramKind.labelled_parts: (),
    DiagramKind.sequence: (),
    DiagramKind.before_after: ("the left heading", "the right heading"),
    DiagramKind.bar_chart: ("the title over the bars",),
}
# How many `items` a kind draws (fewest, most): more would not fit at 12 pt on a half page.
DIAGRAM_ITEMS = {
    DiagramKind.cycle: (3, 6),
    DiagramKind.labelled_parts: (1, 6),
    DiagramKind.sequence: (2, 6),
    DiagramKind.before_after: (2, 2),
    DiagramKind.bar_chart: (2, 8),
}
# The longest label (characters) a stage, step, part or bar has room for: three short lines at 12 pt.
DIAGRAM_ITEM_CHARS = 40
DIRECTIONS = {"right": 0, "up-right": 45, "up": 90, "up-left": 135, "left": 180, "down-left": 225, "down": 270, "down-right": 315}


class MotionPathKind(str, Enum):
    arc = "arc"
    straight = "straight"
    fall = "fall"
    rise = "rise"
    circle = "circle"


class PartsShape(str, Enum):
    box = "box"
    circle = "circle"
    bar = "bar"
    plant = "plant"


def diagram_text(diagram: Diagram) -> str:
    """Every word the diagram prints (its labels, names, stages, arrows, caption), for the font's glyph check."""
    parts = [*diagram.labels, diagram.object, diagram.other_object, diagram.caption, diagram.unit]
    parts += [f"{item.label} {item.detail}" for item in diagram.items] + [a.label for a in diagram.arrows]
    return " ".join(parts)


def on_picture(diagram: Diagram | None) -> bool:
    """Whether this diagram is drawn on its illustration's picture (labelled parts of it) rather than instead of one."""
    return diagram is not None and diagram.kind == DiagramKind.labelled_parts


# --- what a loaded spec answers (inherited by the models, and by their thawed copies) ------------
# No docstrings on these mixins: Pydantic would take an inherited one as the model's schema description.


class ArrowRules:
    if TYPE_CHECKING:  # the model's fields; not annotated at run time, where Pydantic would take them for fields
        direction: Any

    def degrees(self) -> float:
        """The arrow's direction in degrees, anticlockwise from pointing right."""
        return float(DIRECTIONS[self.direction]) if isinstance(self.direction, str) else float(self.direction) % 360


class LayoutRules:
    if TYPE_CHECKING:
        trim: str
        leading: float | None
        font_size: float

    def trim_inches(self) -> tuple[float, float]:
        """Width and height of the trimmed page, in inches."""
        if self.trim in TRIM_PRESETS:
            return TRIM_PRESETS[self.trim]
        w, h = self.trim.lower().split("x")
        return float(w), float(h)

    @property
    def line_height(self) -> float:
        return self.leading if self.leading is not None else round(self.font_size * 1.5, 2)


class StoryLookups:
    if TYPE_CHECKING:
        layout: Any
        book: Any
        concepts: list[Concept]
        characters: list[Character]
        scientists: list[Scientist]
        chapters: list[Any]

    @property
    def typographers_quotes(self) -> bool:
        """Whether straight quotes are shown as “ ” ‘ ’: asked for (the default) and an English book
        (other languages quote differently: „…“, « … »). The PDF also needs the font to have them."""
        return self.layout.smart_quotes and self.book.language.lower().startswith("en")

    def concept(self, concept_id: str) -> Concept | None:
        return next((c for c in self.concepts if c.id == concept_id), None)

    def character(self, character_id: str) -> Character | None:
        return next((c for c in self.characters if c.id == character_id), None)

    def scientist(self, scientist_id: str) -> Scientist | None:
        return next((s for s in self.scientists if s.id == scientist_id), None)

    def chapter_id(self, index: int) -> str:
        """The chapter's id, or chapter-N (1-based) when it has none."""
        return self.chapters[index].id or f"chapter-{index + 1}"
