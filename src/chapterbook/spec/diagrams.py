"""The diagram part of the story spec: kinds, arrows, items and their limits.

Kept apart from spec/models.py so each stays readable; every name here is also
importable from chapterbook.spec.models, as before.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from chapterbook.spec.base import Strict, empty_list

# The kinds, limits and rules a renderer needs without Pydantic (spec/kinds.py); importable from here, as before.
from chapterbook.spec.kinds import (  # noqa: F401
    DIAGRAM_ITEM_CHARS,
    DIAGRAM_ITEMS,
    DIAGRAM_LABELS,
    DIRECTIONS,
    ArrowRules,
    DiagramKind,
    MotionPathKind,
    PartsShape,
    diagram_text,
    on_picture,
)


class DiagramArrow(ArrowRules, Strict):
    label: str = Field("", description="What the arrow is, e.g. 'big push', 'gravity'.")
    direction: float | str = Field(
        "right", description="Which way the force acts: right, up-right, up, up-left, left, down-left, down, down-right, or degrees (0 = right, 90 = up)."
    )
    size: float = Field(1.0, ge=0.3, le=3.0, description="Length and thickness: 1 is a normal arrow, 0.5 a small force, 2 a big one.")
    pull: bool = Field(False, description="Draw it leaving the thing (a pull) instead of pushing into it.")

    @field_validator("direction")
    @classmethod
    def _direction(cls, value: float | str) -> float | str:
        if isinstance(value, str) and value.strip().lower() not in DIRECTIONS:
            raise ValueError(f"'{value}' is not a direction: use {', '.join(DIRECTIONS)}, or a number of degrees (0 = right, 90 = up)")
        return value.strip().lower() if isinstance(value, str) else value


class DiagramItem(Strict):
    label: str = Field(min_length=1, description="The stage, step, part or bar's name, e.g. 'water evaporates'.")
    detail: str = Field("", description="before_after: a second line under the label, e.g. 'solid'.")
    value: float | None = Field(None, ge=0, description="bar_chart: the bar's number. before_after: how big to draw the thing (1 = normal).")
    x: float | None = Field(None, ge=0, le=1, description="labelled_parts: where the part is across the shape, 0 (left) to 1 (right).")
    y: float | None = Field(None, ge=0, le=1, description="labelled_parts: where the part is up the shape, 0 (bottom) to 1 (top).")


class Diagram(Strict):
    kind: DiagramKind
    object: str = Field("", description="What the diagram shows, e.g. 'beach cart'.")
    other_object: str = Field(
        "",
        description="action_reaction: the second thing, the one pushed back, e.g. 'air'. gravity: the big body that pulls, e.g. 'Moon' (default Earth).",
    )
    labels: list[str] = Field(
        default_factory=empty_list,
        description="Arrow or part labels, in order: force_arrows up to 4 (left, right, up, down), gravity 1, "
        "motion_path 2 (start, end), action_reaction 2, ramp 2 (arrow, ramp), before_after 2 (headings), bar_chart 1 (title).",
    )
    arrows: list[DiagramArrow] = Field(
        default_factory=empty_list,
        max_length=6,
        description="force_arrows: each force with its own direction and size (instead of labels); "
        "before_after: the push on the left thing, then on the right one.",
    )
    path: MotionPathKind = Field(MotionPathKind.arc, description="motion_path: arc (thrown), straight, fall, rise or circle.")
    items: list[DiagramItem] = Field(
        default_factory=empty_list,
        description="cycle: 3-6 stages in order; sequence: 2-6 steps; before_after: the two things; "
        "labelled_parts: 1-6 parts; bar_chart: 2-8 bars with a value each.",
    )
    shape: PartsShape = Field(PartsShape.box, description="labelled_parts: the simple shape the parts are on: box, circle, bar or plant.")
    unit: str = Field("", max_length=20, description="bar_chart: the unit of the numbers, e.g. 'cm'.")
    caption: str = ""

    @model_validator(mode="after")
    def _room(self) -> Diagram:
        limits = DIAGRAM_ITEMS.get(self.kind)
        if limits is None and self.items:
            raise ValueError(
                f"a {self.kind.value} diagram draws no 'items'; remove them, or use kind cycle, sequence, labelled_parts, before_after or bar_chart"
            )
        if limits is not None:
            lo, hi = limits
            n = len(self.items)
            if not lo <= n <= hi:
                want = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
                raise ValueError(
                    f"a {self.kind.value} diagram has room for {want} items; it has {n}: "
                    + ("add some" if n < lo else "split it into two diagrams, or leave some out")
                )
            for item in self.items:
                if len(item.label) > DIAGRAM_ITEM_CHARS:
                    raise ValueError(
                        f"the label '{item.label}' is {len(item.label)} characters; a {self.kind.value} diagram has room for {DIAGRAM_ITEM_CHARS}: shorten it and say the rest in the caption"
                    )
            if self.kind == DiagramKind.bar_chart and any(i.value is None for i in self.items):
                raise ValueError("every bar of a bar_chart needs a 'value' (a number)")
        if self.arrows and self.kind not in (DiagramKind.force_arrows, DiagramKind.before_after):
            raise ValueError(f"a {self.kind.value} diagram draws no 'arrows'; use kind force_arrows (or labels)")
        if self.arrows and self.kind == DiagramKind.before_after and len(self.arrows) > 2:
            raise ValueError("a before_after diagram has room for 2 arrows (one on each thing)")
        return self
