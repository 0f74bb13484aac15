"""Science diagrams drawn as vectors from the spec, one module per kind.

Each kind is a function ``draw(c, diagram, w, h, font, size, labels, ink)`` that draws
into a w x h box whose origin is already translated to (0, 0). :func:`draw_diagram` frames
the box and calls it; :class:`DiagramFlowable` puts one in a story.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from chapterbook.errors import Location, Problem, Severity
from chapterbook.render.diagrams import (
    action_reaction,
    bar_chart,
    before_after,
    cycle,
    force,
    gravity,
    motion,
    parts,
    ramp,
    sequence,
)
from chapterbook.render.diagrams.base import GREY, MIN_LABEL_PT, RECORD, TINT, Ink
from chapterbook.spec.diagrams import diagram_text, on_picture  # pure functions of the spec: validate uses them without ReportLab
from chapterbook.spec.models import Diagram, DiagramKind, Palette

DEFAULT_LABELS = {
    DiagramKind.force_arrows: ["push", "friction"],
    DiagramKind.gravity: ["gravity"],
    DiagramKind.motion_path: ["start", "finish"],
    DiagramKind.action_reaction: ["action", "reaction"],
    DiagramKind.ramp: ["gravity", "ramp"],
    DiagramKind.cycle: [],
    DiagramKind.labelled_parts: [],
    DiagramKind.sequence: [],
    DiagramKind.before_after: ["Before", "After"],
    DiagramKind.bar_chart: [],
}

DRAWERS: dict[DiagramKind, Callable[..., None]] = {
    DiagramKind.force_arrows: force.draw,
    DiagramKind.gravity: gravity.draw,
    DiagramKind.motion_path: motion.draw,
    DiagramKind.action_reaction: action_reaction.draw,
    DiagramKind.ramp: ramp.draw,
    DiagramKind.cycle: cycle.draw,
    DiagramKind.labelled_parts: parts.draw,
    DiagramKind.sequence: sequence.draw,
    DiagramKind.before_after: before_after.draw,
    DiagramKind.bar_chart: bar_chart.draw,
}


class DiagramFlowable(Flowable):
    """A diagram of one kind, drawn to fill `width` x `height` points."""

    def __init__(self, diagram: Diagram, width: float, height: float, font: str, font_size: float = 12, palette: Palette | None = None, picture=None):
        super().__init__()
        self.picture = picture  # labelled_parts: the illustration's own picture, its parts named round it
        self.diagram = diagram
        self.width = width
        self.height = height
        self.font = font
        self.font_size = font_size
        self.palette = palette
        self.hAlign = "CENTER"

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_diagram(self.canv, self.diagram, 0, 0, self.width, self.height, self.font, self.font_size, self.palette, self.picture)


def labels(diagram: Diagram) -> list[str]:
    """The diagram's labels, topped up with the defaults for its kind."""
    defaults = DEFAULT_LABELS[diagram.kind]
    given = [label for label in diagram.labels if label]
    return given + defaults[len(given) :]


def draw_diagram(
    c: Canvas, diagram: Diagram, x: float, y: float, w: float, h: float, font: str, size: float = 12, palette: Palette | None = None, picture=None
) -> None:
    """Draw `diagram` into the box (x, y, w, h), with a thin frame and light background; labels at 12 pt or more.

    `picture` (an images.Placed): a labelled_parts diagram names the parts of it instead of a shape."""
    c.saveState()
    c.setFillColor(TINT)
    c.setStrokeColor(GREY)
    c.setLineWidth(0.75)
    c.roundRect(x, y, w, h, 8, stroke=1, fill=1)
    c.translate(x, y)
    # A big diagram (a full page) gets bigger labels, a 24th of its shorter side, when they still fit.
    big = min(w, h) / 24
    size = max(size, MIN_LABEL_PT)
    if big > size and RECORD.get() is None and not crowding(diagram, w, h, font, big, fixed=True):
        size = big
    extra = {"picture": picture} if picture is not None and diagram.kind == DiagramKind.labelled_parts else {}
    DRAWERS[diagram.kind](c, diagram, w, h, font, size, labels(diagram), Ink.from_palette(palette), **extra)
    c.restoreState()


def crowding(diagram: Diagram, w: float, h: float, font: str, size: float = 12, fixed: bool = False) -> str:
    """What does not fit when `diagram` is drawn w x h points ('' when everything does): labels cut
    short, running out of the box, or on top of each other. A dry run on a canvas never saved."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    record: list = []
    token = RECORD.set(record)
    try:
        c = Canvas(BytesIO(), pagesize=(w + 20, h + 20))
        if fixed:  # exactly at `size`, as draw_diagram's own check of a bigger size needs
            DRAWERS[diagram.kind](c, diagram, w, h, font, size, labels(diagram), Ink())
        else:
            draw_diagram(c, diagram, 0, 0, w, h, font, size)
    finally:
        RECORD.reset(token)
    if None in record:
        return "a label is cut short"
    said = [r for r in record if isinstance(r, str)]
    if said:
        return said[0]
    boxes = [b for b in record if b is not None]
    slack = 1.0
    outside = [b[0] for b in boxes if b[1] < -slack or b[3] > w + slack or b[2] < -slack or b[4] > h + slack]
    if outside:
        return f"'{outside[0]}' runs out of the diagram"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[1] < b[3] - slack and b[1] < a[3] - slack and a[2] < b[4] - slack and b[2] < a[4] - slack:
                return f"'{a[0]}' and '{b[0]}' overlap"
    return ""


def fit_problems(diagram: Diagram, w: float, h: float, font: str, size: float, where: Location | None, field: str) -> list[Problem]:
    """A warning when the diagram's words do not fit the room its placement gives it (see :func:`crowding`)."""
    trouble = crowding(diagram, w, h, font, max(size, MIN_LABEL_PT))
    if not trouble:
        return []
    return [
        Problem(
            f"the {diagram.kind.value} diagram has more words than room at {w / 72:.1f} x {h / 72:.1f} in: {trouble}",
            where or Location(),
            field,
            "shorten its labels, use fewer items, or give it more room (placement: half or full)",
            Severity.WARNING,
            "diagram-crowded",
        )
    ]


__all__ = ["on_picture", "crowding", "fit_problems", "DiagramFlowable", "DRAWERS", "DEFAULT_LABELS", "diagram_text", "draw_diagram", "labels", "Ink"]
