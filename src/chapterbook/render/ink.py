"""Black-and-white or colour interior: which one a book is, colour pictures in a grey book, the build's summary line.

Paper white and cream are printed in black ink only, so their pictures are stored in
greyscale (render.images does it while resampling, and marks in the cached JPEG's
comment whether the original had colour, so a rebuild from the cache still warns).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chapterbook.errors import Problem, Severity
from chapterbook.spec.kinds import Paper
from chapterbook.spec.load import Story, format_path

if TYPE_CHECKING:
    from chapterbook.spec.models import StorySpec  # a type only: the spec's models load Pydantic

__all__ = ["colour_interior", "colour_picture_warnings", "summary_line", "was_colour"]  # and WAS_COLOUR, has_colour (below)


def __getattr__(name: str) -> Any:
    """WAS_COLOUR and has_colour, from render.resample (judged where the pictures are decoded).

    Fetched when first asked for: resample imports Pillow, and what most importers want here
    is colour_interior (a warm ebook build never opens a picture).
    """
    if name in ("WAS_COLOUR", "has_colour"):
        from chapterbook.render import resample

        return getattr(resample, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def colour_interior(spec: StorySpec) -> bool:
    """Whether the interior prints in colour (paper: color) rather than black and white."""
    return spec.layout.paper == Paper.color


def was_colour(jpeg: Path) -> bool:
    """Whether a cached greyscale picture came from a colour original (reads only the file's header)."""
    from PIL import Image

    from chapterbook.render.resample import WAS_COLOUR

    with Image.open(jpeg) as img:
        return img.info.get("comment", b"") == WAS_COLOUR


def colour_picture_warnings(story: Story, placed: list) -> list[Problem]:
    """A warning for each picture of a black-and-white interior that was in colour, at its 'image:' line."""
    if colour_interior(story.spec):
        return []
    where_of: dict[Path, tuple] = {}
    for ci, chapter in enumerate(story.spec.chapters):
        for ii, ill in enumerate(chapter.illustrations):
            path = story.file(ill.image).path if ill.image else None
            if path is not None:
                where_of.setdefault(path.resolve(), ("chapters", ci, "illustrations", ii, "image"))
    out, seen = [], set()
    for p in placed:
        if p.source in seen or not was_colour(p.file):
            continue
        seen.add(p.source)
        key = where_of.get(p.source.resolve(), ("layout", "paper"))
        out.append(
            Problem(
                f"picture '{p.source.name}' is in colour; this black-and-white interior (paper: {story.spec.layout.paper.value}) prints it in grey",
                story.where(*key),
                format_path(key),
                "check it still reads in grey (colours of the same lightness look alike), or use paper: color for a colour interior",
                Severity.WARNING,
                "colour-picture",
            )
        )
    return out


def summary_line(spec: StorySpec, pages: int, spine_in: float, cover_pt: tuple[float, float]) -> str:
    """One line saying what was made: pages, trim, ink, spine width and the full cover size."""
    w, h = spec.layout.trim_inches()
    ink = "colour" if colour_interior(spec) else "black and white"
    return (
        f"{pages} pages, trim {w:g} x {h:g} in, {ink} interior on {spec.layout.paper.value} paper, "
        f"spine {spine_in:.3f} in, full cover {cover_pt[0] / 72:.3f} x {cover_pt[1] / 72:.3f} in with bleed"
    )
