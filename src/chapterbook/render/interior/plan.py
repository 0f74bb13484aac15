"""Picture planning: where every illustration of the book goes, and at what size its picture is resampled.

Planned before the fonts are read and the pages laid out, so the pictures are
resampled (on the :class:`images.Resampler`'s threads) meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from chapterbook.book import FlowItem, caption, chapter_flow
from chapterbook.errors import Location, Problem, RenderError, Severity
from chapterbook.render import checks, images
from chapterbook.render.checks import PANEL_RATIO, SHARE  # noqa: F401  (importable from here, as before)
from chapterbook.render.geometry import PageGeometry
from chapterbook.spec.load import Story, format_path
from chapterbook.spec.models import Diagram, Placement
from chapterbook.spec.story import IMAGE_FILE, MISSING, file_fault
from chapterbook.text import line_col

# The planning rules (SHARE, PANEL_RATIO, the box, 300 ppi) are in render.checks, which validate uses too.


@dataclass
class Slot:
    """One illustration to place: from the spec, or a free brief marked in the text."""

    id: str
    brief: str
    placement: Placement
    image: str | None = None
    diagram: Diagram | None = None
    where: Location | None = None
    field: str = ""
    placed: images.Placed | None = None
    source: Path | None = None
    caption: str = ""
    side: str | None = None  # a spot at the 'left' or 'right' of the text, which wraps beside it
    bleed: bool = False  # a full-page picture out to the bleed edge, cropped to the sheet's shape
    fit: str | None = None  # the spec's `fit` (shrink | float); None: render.blocks.shrink_floor decides
    # Where the spec's `diagram:` is: its warnings (crowded, a missing glyph in a label) send the author there, not to `image:`.
    diagram_where: Location | None = None
    diagram_field: str = ""


def text_location(story: Story, ci: int, offset: int) -> Location | None:
    """Where a character of chapter `ci`'s text is: in its text file, or the chapter's entry in the spec."""
    source = story.chapter_text(ci)
    if source is None:
        return story.where("chapters", ci)
    line, col = line_col(source.text, offset)
    return source.location(line, col)


# ("opener" | "slot" | "side", Slot) or ("block", FlowItem), in print order; "side": a spot the text after it
# wraps beside (chapterbook.book.wrap_side), "slot" any other illustration in the text.
ChapterItems = list[tuple[str, Slot | FlowItem]]


class ChapterFlows(Sequence[ChapterItems]):
    """Each chapter's items in print order, worked out when a chapter is first asked for.

    The flow needs the chapter's text parsed (chapterbook.book.chapter_flow). A chapter
    whose pages come back from the page cache is never made into flowables, so on a
    rebuild after an edit only the edited chapter's text is parsed for the layout.
    """

    def __init__(self, pictures: Pictures):
        self._pictures = pictures
        self._made: dict[int, ChapterItems] = {}

    def __len__(self) -> int:
        return len(self._pictures.chapter_pictures)

    @overload
    def __getitem__(self, ci: int) -> ChapterItems: ...

    @overload
    def __getitem__(self, ci: slice) -> list[ChapterItems]: ...

    def __getitem__(self, ci: int | slice) -> ChapterItems | list[ChapterItems]:
        if isinstance(ci, slice):
            return [self[i] for i in range(len(self))[ci]]
        if ci < 0:
            ci += len(self)
        if not 0 <= ci < len(self):
            raise IndexError(ci)
        if ci not in self._made:
            self._made[ci] = self._pictures._flow(ci)
        return self._made[ci]

    def __iter__(self) -> Iterator[ChapterItems]:
        return (self[ci] for ci in range(len(self)))


class Pictures:
    """Where every illustration of the book goes, its picture already queued for resampling.

    Planned before the fonts are read, so the pictures are resampled (on the
    :class:`images.Resampler`'s threads) while the rest of the book is laid out.
    The slots are made and queued at once; where they go in their chapter's text
    (`chapter_slots`) is worked out for the chapters that are laid out.
    """

    def __init__(self, story: Story, geo: PageGeometry, resampler: images.Resampler):
        self.story = story
        self.geo = geo
        self.warnings: list[Problem] = []
        self.chapter_pictures: list[dict[str, Slot]] = []  # each chapter's illustrations by id, in spec order
        self.chapter_slots = ChapterFlows(self)
        self.extra_slots: dict[str, Slot] = {}
        self._plan(resampler)

    def _plan(self, resampler: images.Resampler) -> None:
        spec = self.story.spec
        for ci, chapter in enumerate(spec.chapters):
            by_id: dict[str, Slot] = {}
            for ii, ill in enumerate(chapter.illustrations):
                by_id[ill.id] = Slot(
                    ill.id,
                    ill.brief,
                    ill.placement,
                    ill.image,
                    ill.diagram,
                    self.story.where("chapters", ci, "illustrations", ii, "image" if ill.image else "id"),
                    format_path(("chapters", ci, "illustrations", ii, "image")),
                    caption=caption(ill),
                    fit=getattr(getattr(ill, "fit", None), "value", None),
                    bleed=bool(getattr(ill, "bleed", False)),
                    side=getattr(getattr(ill, "side", None), "value", None) if ill.placement == Placement.spot else None,
                    diagram_where=self.story.where("chapters", ci, "illustrations", ii, "diagram") if ill.diagram is not None else None,
                    diagram_field=format_path(("chapters", ci, "illustrations", ii, "diagram")) if ill.diagram is not None else "",
                )
                for key, misplaced, kind in (
                    ("bleed", ill.bleed and ill.placement != Placement.full, "full"),
                    ("side", ill.side is not None and ill.placement != Placement.spot, "spot"),
                ):
                    if misplaced:
                        self.warnings.append(
                            Problem(
                                f"'{key}' on '{ill.id}' is only for 'placement: {kind}' pictures; it is printed as a {ill.placement.value} picture without it",
                                self.story.where("chapters", ci, "illustrations", ii, key),
                                format_path(("chapters", ci, "illustrations", ii, key)),
                                f"use 'placement: {kind}' with it, or take '{key}' out",
                                Severity.WARNING,
                                f"{key}-misplaced",
                            )
                        )
            self.chapter_pictures.append(by_id)
            # Queued chapter by chapter, so the first pictures are resampling while the later chapters are planned.
            for slot in by_id.values():
                self._queue(slot, resampler)
        for si, sci in enumerate(spec.scientists):
            if sci.portrait:
                slot = Slot(
                    f"portrait-{sci.id}",
                    f"Portrait of {sci.name}",
                    Placement.spot,
                    sci.portrait,
                    where=self.story.where("scientists", si, "portrait"),
                    field=format_path(("scientists", si, "portrait")),
                )
                self.extra_slots[slot.id] = slot
                self._queue(slot, resampler)

    def _flow(self, ci: int) -> ChapterItems:
        """Chapter `ci`'s opener, illustrations and blocks in print order (chapterbook.book.chapter_flow places
        pictures for every format alike)."""
        by_id = self.chapter_pictures[ci]
        opener, flow = chapter_flow(self.story, ci)
        items: ChapterItems = [("opener", by_id[opener.id])] if opener is not None else []
        for item in flow:
            if item.kind == "illustration" and item.illustration is not None:
                items.append(("side" if item.side else "slot", by_id[item.illustration.id]))
            elif item.kind == "marker":
                # A free brief (pasted or drafted text): a placeholder panel shows it.
                slot = Slot(f"ch{ci + 1}-marker-{len(items)}", item.text, Placement.half)
                slot.where = text_location(self.story, ci, item.start)
                items.append(("slot", slot))
            else:
                items.append(("block", item))
        return items

    def box(self, placement: Placement, side: str | None = None) -> tuple[float, float]:
        """The largest (width, height) in points an illustration of `placement` takes (a side spot: narrower)."""
        return checks.picture_box(self.geo, placement, side)

    def _queue(self, slot: Slot, resampler: images.Resampler) -> None:
        """Check the slot's picture and queue it for resampling; a missing one becomes a placeholder."""
        if not slot.image:
            return
        found = self.story.file(slot.image)
        path = found.path
        if found.fault is not None and found.fault != MISSING:
            message, hint, _ = file_fault(IMAGE_FILE, found)
            raise RenderError(message, where=slot.where, path=slot.field, hint=hint)
        if path is None:
            self.warnings.append(
                Problem(
                    f"image '{slot.image}' does not exist yet; a placeholder panel with the brief is printed instead",
                    slot.where or Location(),
                    slot.field,
                    "add the picture at that path, or leave it: preflight lists every placeholder",
                    Severity.WARNING,
                    "missing-image",
                )
            )
            return
        slot.source = path
        source_px = checks.picture_size(self.story, path, slot.where, slot.field)  # kept by content: an unchanged picture is not opened
        bleed = slot.bleed and slot.placement == Placement.full
        # A bleed picture fills the whole sheet, bleed included, cropped to its shape.
        px = checks.bleed_px(self.geo) if bleed else images.fit(source_px, self.box(slot.placement, slot.side))
        placed = slot.placed = resampler.submit(path, px, crop=bleed, where=slot.where, field=slot.field, source_px=source_px)
        low = checks.low_ppi(slot.image, placed.px, placed.source_px, slot.where, slot.field, bleed=bleed)
        if low is not None:
            self.warnings.append(low)

    def slots(self, ci: int) -> list[Slot]:
        """Chapter `ci`'s illustrations in spec order (the free briefs a text may mark are not among them)."""
        return list(self.chapter_pictures[ci].values())

    @property
    def placed_images(self) -> list[images.Placed]:
        """The pictures placed, chapter by chapter in spec order, then the portraits."""
        out: list[images.Placed] = []
        for by_id in self.chapter_pictures:
            out.extend(slot.placed for slot in by_id.values() if slot.placed)
        out.extend(s.placed for s in self.extra_slots.values() if s.placed)
        return out
