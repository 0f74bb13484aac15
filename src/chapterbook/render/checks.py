"""What a build would refuse or warn about, found without drawing a page: the one place for these rules.

`validate` (through :func:`chapterbook.spec.lint.lint`, which `build` also runs
before rendering) reports these, and the renderer plans with the same functions:
the font family (:func:`fonts.font_files`), each picture's printed size
(:func:`picture_box`) and the 300 ppi rule (:func:`low_ppi`), glyph coverage
(:class:`glyphs.GlyphReport`, fed by :func:`fonts.missing_glyphs`), hyphenation
patterns (:func:`hyphenation`), cover art's shape (:func:`cover_shape`). Pictures
are measured from their headers; only the colour check of a black-and-white book
decodes a small copy of each (ink.has_colour judges pixels).

Sizes are planned for the narrowest gutter (a book of the fewest pages): the
widest text block, so the largest picture box and the lowest ppi a picture can
get. A book long enough for a wider gutter prints its pictures a little smaller,
never larger.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from chapterbook.errors import (
    ChapterbookError,
    Location,
    Problem,
    RenderError,
    Severity,
)
from chapterbook.print_rules import BLEED_IN, MIN_PAGES, PPI, fit, inch, ppi_at
from chapterbook.render import fonts  # render.images (Pillow) only when a picture must be opened: see picture_size
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.glyphs import GlyphReport, glyph_problems, has_picture
from chapterbook.render.ink import colour_interior
from chapterbook.spec.kinds import Placement, on_picture  # not spec.models: Pydantic, which a thawed spec does without
from chapterbook.spec.memo import content_key
from chapterbook.spec.story import IMAGE_SUFFIXES, Story, format_path

# Largest share of the text block an illustration may take, by placement: (width, height).
SHARE = {
    Placement.opener: (1.0, 0.40),
    Placement.full: (1.0, 1.0),
    Placement.half: (1.0, 0.42),
    Placement.spot: (0.55, 0.30),
}
# A spot with `side: left|right` is narrower, so the text beside it still has room for a few words a line.
SIDE_SHARE = 0.42

# Shape of a placeholder or diagram (height / width) when no picture gives one.
PANEL_RATIO = {Placement.opener: 0.56, Placement.full: 1.3, Placement.half: 0.62, Placement.spot: 0.8}


def diagram_box(geo: PageGeometry, placement: Placement, side: object = None) -> tuple[float, float]:
    """The (width, height) in points a diagram of `placement` is drawn at on a page of `geo` (a side spot: narrower)."""
    bw, bh = picture_box(geo, placement, side)
    return bw, min(bh, bw) if placement == Placement.full else min(bh, bw * PANEL_RATIO[placement])


def picture_box(geo: PageGeometry, placement: Placement, side: object = None) -> tuple[float, float]:
    """The largest (width, height) in points an illustration of `placement` may take on a page of `geo`.

    `side` (left or right, a spot's `side`): the narrower box of a spot with the text beside it.
    """
    ws, hs = SHARE[placement]
    ws = SIDE_SHARE if side and placement == Placement.spot else ws
    return geo.text_width * ws, geo.text_height * hs - (0 if placement == Placement.full else 30)


def bleed_px(geo: PageGeometry) -> tuple[int, int]:
    """Pixels at 300 ppi a full-page picture with `bleed: true` fills: the whole sheet, bleed included."""
    w, h = geo.page_size
    return math.ceil(w / 72 * PPI), math.ceil(h / 72 * PPI)


def cover_art_px(trim_in: tuple[float, float]) -> tuple[int, int]:
    """Pixels at 300 ppi the front cover art fills: the front panel out to the bleed (the spine does not change it)."""
    w, h = inch(trim_in[0]) + inch(BLEED_IN), inch(trim_in[1]) + 2 * inch(BLEED_IN)
    return round(w / 72 * PPI), round(h / 72 * PPI)


def low_ppi(
    rel: str, px: tuple[int, int], source_px: tuple[int, int], where: Location | None, field: str, *, cover: str = "", bleed: bool = False
) -> Problem | None:
    """The warning for a picture of `source_px` printed at `px` (300 ppi pixels) when it falls short of 300 ppi.

    `cover` names the cover panel ("front cover") for cover art; `bleed`: a full page out to the bleed edge.
    """
    ppi = ppi_at(source_px, px)
    if ppi >= PPI - 0.5:
        return None
    supply = f"supply it at least {px[0]} x {px[1]} pixels"
    if bleed or cover:  # cropped to fill: in its own shape it needs more of one side
        sw, sh = source_px
        scale = max(px[0] / sw, px[1] / sh)
        own = (math.ceil(sw * scale), math.ceil(sh * scale))
        if abs(own[0] - px[0]) > 1 or abs(own[1] - px[1]) > 1:
            supply = f"supply it at least {own[0]} x {own[1]} pixels in its shape ({px[0]} x {px[1]} in the shape it is cropped to)"
    if bleed:
        return Problem(
            f"image '{rel}' has too few pixels to run to the bleed edge: the page with its bleed needs "
            f"{px[0]} x {px[1]} pixels at {PPI} ppi, it has {source_px[0]} x {source_px[1]} ({ppi:.0f} ppi); it will look soft",
            where or Location(),
            field,
            f"{supply}, or take 'bleed: true' out",
            Severity.WARNING,
            "low-ppi",
        )
    if cover:
        message = (
            f"{cover} image '{rel}' is only {ppi:.0f} ppi on the cover "
            f"({px[0]} x {px[1]} pixels needed to fill the panel with its bleed, it has {source_px[0]} x {source_px[1]}); it will look soft"
        )
    else:
        message = (
            f"image '{rel}' is only {ppi:.0f} ppi at its printed size "
            f"({px[0]} x {px[1]} pixels needed, it has {source_px[0]} x {source_px[1]}); it will look soft"
        )
    return Problem(message, where or Location(), field, supply, Severity.WARNING, "low-ppi")


# Cover art of another shape than its panel is cropped from the centre; past this share lost, say so.
CROP_WARN = 0.10


def cover_shape(
    what: str, rel: str, source_px: tuple[int, int], px: tuple[int, int], trim_in: tuple[float, float], where: Location, field: str
) -> Problem | None:
    """The warning for cover art whose shape differs from its panel's (`px`) so much that over CROP_WARN is cut off."""
    sw, sh = source_px
    kept = min(sw / sh / (px[0] / px[1]), (px[0] / px[1]) / (sw / sh))
    if kept >= 1 - CROP_WARN:
        return None
    side = "width" if sw / sh > px[0] / px[1] else "height"
    panel = (round(trim_in[0] + BLEED_IN, 3), round(trim_in[1] + 2 * BLEED_IN, 3))
    return Problem(
        f"{what} image '{rel}' is {sw} x {sh} pixels, a different shape from the panel "
        f"({panel[0]:g} x {panel[1]:g} in with bleed): {100 * (1 - kept):.0f}% of its {side} would be cut off",
        where,
        field,
        f"supply it at {px[0]} x {px[1]} pixels (or larger in that shape)",
        Severity.WARNING,
        "cover-shape",
    )


def hyphenation(story: Story) -> tuple[str, Problem | None]:
    """The pyphen patterns the book is hyphenated with ("" for none), and the warning when its language has none."""
    spec = story.spec
    if not spec.layout.hyphenate:
        return "", None
    import pyphen

    language = spec.book.language
    found = pyphen.language_fallback(language.replace("-", "_"))
    if found is not None:
        return found, None
    return "", Problem(
        f"there are no hyphenation patterns for the book's language '{language}', so words are not hyphenated",
        story.where("layout", "hyphenate"),
        "layout.hyphenate",
        "check book.language (a code such as en, en-GB, de, fr), or set 'hyphenate: false'",
        Severity.WARNING,
        "hyphenation",
    )


def unique_warnings(problems: list[Problem]) -> list[Problem]:
    """`problems` with each warning kept once, the first (validate's) winning over the renderer's repeat.

    The same thing at the same place is one warning even when its figures differ: validate
    plans pictures for the narrowest gutter, and counts "(and 2 more places)" over the whole book.
    """
    kept: dict[tuple, Problem] = {}
    for p in problems:
        stem = "" if p.code == "low-ppi" else re.sub(r" \(and \d+ more places? in .*\)$", "", p.message)
        kept.setdefault((p.code, p.where, p.path, p.severity, stem), p)
    return list(kept.values())


# --- what validate checks ---------------------------------------------------------------------


def build_problems(story: Story) -> list[Problem]:
    """Everything the renderer would refuse or warn about in `story`, found without drawing."""
    problems: list[Problem] = []
    covered = _font(story, problems)
    if covered is not None:
        glyph_problems(story, covered, problems)
    problems += _pictures(story)
    problems += _colour_pictures(story)
    if covered is not None:
        problems += _crowded_diagrams(story)
    problems += _illustrations(story)
    _, hyphen = hyphenation(story)
    if hyphen is not None:
        problems.append(hyphen)
    return problems


def _error(exc: ChapterbookError, fallback: Location, field: str) -> Problem:
    """A located error from a RenderError the renderer would raise."""
    (p,) = exc.problems()
    return Problem(p.message, exc.where or fallback, exc.path or field, p.hint, Severity.ERROR, "render-refused")


def _font(story: Story, problems: list[Problem]) -> frozenset[str] | None:
    """Check the book's font family; returns the characters its regular face has (None when it cannot be used)."""
    where = story.where("layout", "font")
    try:
        files = fonts.font_files(story)
        # A story's own faces are all parsed here, so a damaged one is reported at layout.font before anything is
        # rendered; the shipped ones are known to parse, and of those only the regular face's characters are used.
        checked = {"regular": files["regular"]} if story.spec.layout.font in fonts.SHIPPED else files
        chars = {style: _face_chars(story, path, where) for style, path in checked.items()}
    except RenderError as exc:
        problems.append(_error(exc, where, "layout.font"))
        return None
    lacking = [style for style in ("bold", "italic", "bolditalic") if style not in files]
    if lacking:
        regular = files["regular"]
        base = regular.stem.removesuffix("-Regular")
        names = ", ".join(f"{base}-{fonts.STYLE_NAMES[s]}.ttf" for s in lacking)
        problems.append(
            Problem(
                f"the font has no {', '.join(s.replace('bolditalic', 'bold italic') for s in lacking)} face beside '{story.spec.layout.font}'; "
                "titles, headings and emphasis print in the regular face",
                where,
                "layout.font",
                f"add {names} from the same family beside it, or use a shipped font ({', '.join(fonts.SHIPPED)})",
                Severity.WARNING,
                "font-faces",
            )
        )
    return chars["regular"]


def _face_chars(story: Story, path: Path, where: Location) -> frozenset[str]:
    """The characters of the face in `path`, parsed as the renderer will (a damaged file raises its RenderError).

    Kept by the file's content (story.memo): a face takes about 50 ms to parse, four per build.
    """
    key = content_key("face", story.memo.sha256(path))
    return frozenset(story.memo.cached("face-chars", key, lambda: "".join(sorted(_parsed_chars(path, where)))))


def _parsed_chars(path: Path, where: Location) -> frozenset[str]:
    return fonts.face_chars(fonts.read_face(path, where))


def _pictures(story: Story) -> Iterable[Problem]:
    """Pictures the renderer would refuse (damaged, unsupported, too large) or print below 300 ppi."""
    spec = story.spec
    geo = PageGeometry.for_layout(spec.layout, MIN_PAGES)
    wanted: list[tuple[tuple, str, Placement | None]] = []
    drawn: dict[tuple, tuple[object, bool]] = {}  # an illustration's (side, bleed), which change its printed size
    for ci, chapter in enumerate(spec.chapters):
        for ii, ill in enumerate(chapter.illustrations):
            if ill.image:
                wanted.append((("chapters", ci, "illustrations", ii, "image"), ill.image, ill.placement))
                drawn[wanted[-1][0]] = (ill.side, ill.bleed and ill.placement == Placement.full)
    for si, sci in enumerate(spec.scientists):
        if sci.portrait and spec.back_matter.meet_the_scientist:
            wanted.append((("scientists", si, "portrait"), sci.portrait, Placement.spot))
    covers = {("layout", "cover_image"): "front cover", ("layout", "cover", "back_image"): "back cover"}
    if spec.layout.cover_image:
        wanted.append((("layout", "cover_image"), spec.layout.cover_image, None))
    if spec.layout.cover.back_image:
        wanted.append((("layout", "cover", "back_image"), spec.layout.cover.back_image, None))
    for key, rel, placement in wanted:
        found = story.file(rel)
        if found.path is None or found.path.suffix.lower() not in IMAGE_SUFFIXES:
            continue  # lint reports the path itself
        where, field = story.where(*key), format_path(key)
        try:
            source_px = picture_size(story, found.path, where, field)
        except RenderError as exc:
            yield _error(exc, where, field)
            continue
        if placement is None:
            px = cover_art_px(spec.layout.trim_inches())
            shape = cover_shape(covers[key], rel, source_px, px, spec.layout.trim_inches(), where, field)
            if shape is not None:
                yield shape
            problem = low_ppi(rel, px, source_px, where, field, cover=covers[key])
        else:
            side, bleed = drawn.get(key, (None, False))
            px = bleed_px(geo) if bleed else fit(source_px, picture_box(geo, placement, side))
            problem = low_ppi(rel, px, source_px, where, field, bleed=bleed)
        if problem is not None:
            yield problem


def picture_size(story: Story, path: Path, where: Location | None, field: str) -> tuple[int, int]:
    """images.image_size, kept by the picture's content (story.memo): a rebuild does not open (nor import Pillow for) an unchanged picture.

    Lint, the page estimate and the picture plan all ask through here (render/pagecount.py, interior/plan.py).
    """
    key: str | None = None
    if story.memo.file is not None:  # kept between runs: its hashes come by the file's stat (no memo: no hashing)
        try:
            key = content_key(story.memo.sha256(path))
        except OSError:  # unreadable: image_size says so in the author's words
            pass
    known = story.memo.get("image-size", key) if key is not None else None
    if known is not None:
        return known[0], known[1]
    from chapterbook.render import images

    size = images.image_size(path, where, field)  # a picture it refuses is refused again each time, never kept
    if key is not None:
        story.memo.put("image-size", key, size)
    return size


def _crowded_diagrams(story: Story) -> Iterable[Problem]:
    """Diagrams whose words do not fit the room their placement gives (the renderer's dry run, at the same size).

    Each dry run is kept by the diagram, its box, the type size and the font's content
    (story.memo), so the font is only registered and measured for a diagram not seen before.
    """
    spec = story.spec
    geo = PageGeometry.for_layout(spec.layout, MIN_PAGES)
    size = spec.layout.font_size * 0.75
    family: list = []  # the registered font, once a diagram needs measuring
    face = ""
    for ci, chapter in enumerate(spec.chapters):
        for ii, ill in enumerate(chapter.illustrations):
            d = ill.diagram
            if d is None or (has_picture(story, ill.image) and not on_picture(d)):
                continue
            w, h = diagram_box(geo, ill.placement, ill.side)
            face = face or story.memo.sha256(fonts.font_files(story)["regular"])

            def measure(d=d, w=w, h=h) -> list[tuple[str, str, str, str]]:
                from chapterbook.render.diagrams import fit_problems  # ReportLab: only for a diagram not measured before

                if not family:
                    family.append(fonts.book_font(story, _fonts_cache(story)))  # measuring words needs the font registered
                return [(p.message, p.hint, p.severity.value, p.code) for p in fit_problems(d, w, h, family[0].regular, size, None, "")]

            key = ("chapters", ci, "illustrations", ii, "diagram")  # its words are the diagram's: the author fixes them there
            field = format_path(key)
            for message, hint, severity, code in story.memo.cached("crowding", content_key(d.model_dump(mode="json"), w, h, size, face), measure):
                yield Problem(message, story.where(*key), field, hint, Severity(severity), code)


def _fonts_cache(story: Story) -> Path | None:
    """The renderer's font-metrics cache (output/<book>/.cache/images/fonts) when a build made it; lint never creates it."""
    folder = story.memo.folder / "images" / "fonts" if story.memo.folder is not None else None
    return folder if folder is not None and folder.is_dir() else None


# True while a build that makes the print PDF is checked: its renderer judges each picture's colour as it
# resamples it (keeping the answer in the image cache) and warns the same way at the same place
# (ink.colour_picture_warnings), so judging here too would decode every picture twice.
_colour_left_to_render: ContextVar[bool] = ContextVar("colour_left_to_render", default=False)


@contextlib.contextmanager
def colour_left_to_render(yes: bool = True) -> Iterator[None]:
    """Within the block (when `yes`), validate's checks leave colour pictures to the renderer."""
    token = _colour_left_to_render.set(yes)
    try:
        yield
    finally:
        _colour_left_to_render.reset(token)


def _colour_pictures(story: Story) -> Iterable[Problem]:
    """Pictures in colour in a black-and-white interior (ink.has_colour, judged on a small decode of each)."""
    spec = story.spec
    if colour_interior(spec) or _colour_left_to_render.get():
        return
    wanted: list[tuple[tuple[str | int, ...], str]] = [
        (("chapters", ci, "illustrations", ii, "image"), ill.image)
        for ci, ch in enumerate(spec.chapters)
        for ii, ill in enumerate(ch.illustrations)
        if ill.image
    ]
    wanted += [(("layout", "paper"), s.portrait) for s in spec.scientists if s.portrait]
    found_at: dict[Path, tuple[str | int, ...]] = {}
    for key, rel in wanted:
        found = story.file(rel)
        if found.path is not None and found.path.suffix.lower() in IMAGE_SUFFIXES:
            found_at.setdefault(found.path, key)
    # Kept by each picture's content (story.memo): judging it means decoding it, seconds for a long book.
    # Those not judged before are judged side by side in the picture workers; a damaged one is left out
    # (it is reported where it is measured).
    keys: dict[Path, str] = {}
    for path in found_at:
        try:
            keys[path] = content_key(story.memo.sha256(path))
        except OSError:
            continue
    coloured_of = {path: story.memo.get("colour", k) for path, k in keys.items()}
    unjudged = [p for p, c in coloured_of.items() if c is None]
    if unjudged:
        from chapterbook.render import images  # Pillow: only for pictures not judged before

        for path, judged in images.colours(unjudged).items():
            story.memo.put("colour", keys[path], judged)
            coloured_of[path] = judged
    for path, key in found_at.items():
        coloured = coloured_of.get(path)
        if coloured:
            yield Problem(
                f"picture '{path.name}' is in colour; this black-and-white interior (paper: {spec.layout.paper.value}) prints it in grey",
                story.where(*key),
                format_path(key),
                "check it still reads in grey (colours of the same lightness look alike), or use paper: color for a colour interior",
                Severity.WARNING,
                "colour-picture",
            )


def _illustrations(story: Story) -> Iterable[Problem]:
    """An illustration with both a picture and a diagram prints only the picture."""
    for ci, chapter in enumerate(story.spec.chapters):
        for ii, ill in enumerate(chapter.illustrations):
            if ill.image and ill.diagram is not None and not on_picture(ill.diagram):
                key = ("chapters", ci, "illustrations", ii, "diagram")
                yield Problem(
                    f"illustration '{ill.id}' has both an image and a diagram; only the image is printed",
                    story.where(*key),
                    format_path(key),
                    "remove 'diagram:' to print the picture, or 'image:' to print the diagram",
                    Severity.WARNING,
                    "image-and-diagram",
                )


__all__ = [
    "PANEL_RATIO",
    "SHARE",
    "SIDE_SHARE",
    "bleed_px",
    "diagram_box",
    "GlyphReport",
    "build_problems",
    "cover_art_px",
    "hyphenation",
    "low_ppi",
    "picture_box",
    "unique_warnings",
]
