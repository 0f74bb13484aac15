"""The book's fonts: registering the shipped Andika family (embedded, subset) and checking glyph coverage.

ReportLab embeds and subsets every TrueType font it draws with; the base-14
fonts (Helvetica…) are never embedded, so nothing here or in the renderers may
fall back to them.

The fonts' metrics are parsed once and then restored from a cache, and a face is
only loaded when the book first draws with it: that reaches inside ReportLab, so
it lives in :mod:`rl_fast` (``ttfont``); this module decides which files to use.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from chapterbook import print_rules
from chapterbook.errors import RenderError
from chapterbook.output import HashMemo, sha256_file
from chapterbook.spec.story import FONT_FILE, Story, file_fault
from chapterbook.text import TYPOGRAPHERS

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFontFace

    from chapterbook.spec.models import StorySpec  # a type only: the spec's models load Pydantic

# ReportLab is imported where a font is parsed or registered: validate, the ebook and a warm build
# only ask which files a family has and which characters it covers (kept by content in story.memo).

# The one list of shipped fonts is in print_rules; these names are kept for the modules that use them.
FONT_DIR = print_rules.FONT_DIR
SHIPPED = print_rules.SHIPPED_FONTS


STYLES = ("regular", "bold", "italic", "bolditalic")
# A story's own family: Name-Regular.ttf (or Name.ttf), with Name-Bold.ttf, Name-Italic.ttf and
# Name-BoldItalic.ttf beside it when the family has them.
STYLE_NAMES = {"bold": "Bold", "italic": "Italic", "bolditalic": "BoldItalic"}
# What a style the family lacks prints in, best first.
_FALLBACK = {"bold": ("regular",), "italic": ("regular",), "bolditalic": ("bold", "italic", "regular")}


def _damaged() -> tuple[type[Exception], ...]:
    """What ReportLab raises, besides its own TTFError, on a damaged font file."""
    from reportlab.pdfbase.ttfonts import TTFError

    return (TTFError, struct.error, IndexError, KeyError, ValueError, OverflowError)


def font_files(story: Story) -> dict[str, Path]:
    """The book's font files by style; a style the family lacks is left out.

    The one check of `layout.font` for validate and build: raises a RenderError
    located at layout.font when it is neither a shipped family nor a TrueType
    file inside the story folder.
    """
    wanted = story.spec.layout.font
    if wanted in SHIPPED:
        return {style: FONT_DIR / fn for style, fn in SHIPPED[wanted].items()}
    where = story.where("layout", "font")
    if wanted.lower().endswith(".otf"):
        raise RenderError(
            f"'{wanted}' is an OpenType (.otf) font; chapterbook embeds TrueType (.ttf) fonts only",
            where=where,
            path="layout.font",
            hint="use the .ttf version of the family (most families ship one), or leave out 'font:' to use Andika",
        )
    if not wanted.lower().endswith(".ttf"):
        raise RenderError(
            f"the font '{wanted}' is neither a shipped font ({', '.join(SHIPPED)}) nor a .ttf file in the story folder",
            where=where,
            path="layout.font",
            hint="write 'font: Andika', or put a .ttf file in the story folder and give its path",
        )
    found = story.file(wanted)
    if found.path is None:
        message, fix, _ = file_fault(FONT_FILE, found)
        raise RenderError(message, where=where, path="layout.font", hint=fix)
    files = {"regular": found.path}
    base = found.path.stem.removesuffix("-Regular")
    folder = Path(wanted).parent
    for style, name in STYLE_NAMES.items():
        face = story.file((folder / f"{base}-{name}.ttf").as_posix())
        if face.path is not None:
            files[style] = face.path
    return files


def family_styles(files: dict[str, Path]) -> dict[str, Path]:
    """Every style's file: the family's own face, or the face that stands in for it (see _FALLBACK)."""
    return {style: files.get(style) or next(files[f] for f in _FALLBACK[style] if f in files) for style in STYLES}


def read_face(path: Path, where=None) -> TTFontFace:
    """ReportLab's parse of a TrueType file (what drawing with it needs); a file it cannot use raises a located RenderError."""
    refused: tuple[type[Exception], ...] = (*_damaged(), OSError)
    try:
        return parsed_face(path)
    except refused as exc:
        raise _unusable(path, exc, where) from None


# Faces parsed in this process, by file, size and time: on a first build validate's glyph check and the
# renderer read the same faces, about 75 million instructions each, and each is now parsed once. A font
# file saved again has another size or time and is parsed again (a `watch` session lives long).
_PARSED: dict[tuple[str, int, int], TTFontFace] = {}


def parsed_face(path: Path) -> TTFontFace:
    """ReportLab's parse of the TrueType file `path`, made once per process for the file as it is now.

    Raises what ReportLab raises for a file it cannot use (see :func:`read_face`). The face is
    shared: ReportLab only reads a face's metrics (subsets are kept per document, in the font).
    """
    from reportlab.pdfbase.ttfonts import TTFontFace

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    face = _PARSED.get(key)
    if face is None:
        face = _PARSED[key] = TTFontFace(str(path))
    return face


def face_chars(face: TTFontFace) -> frozenset[str]:
    """The characters a parsed face can draw."""
    return frozenset(map(chr, face.charToGlyph))


def _unusable(path: Path, exc: Exception, where=None) -> RenderError:
    return RenderError(
        f"the font file {path.name} cannot be used: it is damaged or not a TrueType font ({exc or type(exc).__name__})",
        where=where,
        path="layout.font" if where is not None else "",
        hint="use a TrueType (.ttf) font with outlines that allow embedding, or leave 'font: Andika'",
    )


class FontFamily(msgspec.Struct, frozen=True):
    """Registered ReportLab names for one family, plus the files they came from."""

    regular: str
    bold: str
    italic: str
    bolditalic: str
    files: tuple[Path, ...]


def _register(name: str, path: Path, cache: HashMemo | None = None, *, lazy: bool = False, where=None) -> str:
    from reportlab.pdfbase import pdfmetrics

    from chapterbook.render.rl_fast import ttfont

    # Asking getFont() for an unknown name makes ReportLab scan every AFM file it knows (seconds).
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(ttfont(name, path, cache, lazy=lazy))
        except _damaged() as exc:
            raise _unusable(path, exc, where) from None
    elif cache is not None:
        from chapterbook.render.rl_fast import keep_metrics

        keep_metrics(pdfmetrics.getFont(name), path, cache)  # registered earlier without the cache (validate)
    return name


def face_files(story: Story) -> dict[str, Path]:
    """The book font's files by style (regular, bold, italic, bolditalic); a style the family lacks is left out.

    For outputs that carry the font itself (the ebook). The same check as the PDF's: :func:`font_files`.
    """
    return font_files(story)


def register_face(path: Path) -> str:
    """Register one font file with ReportLab (once) and return the name to draw with."""
    return _register(f"face-{sha256_file(path)[:10]}", path)


def book_font(story: Story, cache_dir: Path | None = None) -> FontFamily:
    """Register the story's body font family with ReportLab and return its names.

    With `cache_dir`, the fonts' metrics are kept there so the next build does not parse them again.
    """
    from reportlab.lib.fonts import addMapping

    wanted = story.spec.layout.font
    cache = HashMemo(cache_dir / "fonts.json") if cache_dir is not None else None
    files = font_files(story)
    if wanted in SHIPPED:
        # The shipped faces are known to parse, so each is parsed only if the book draws with it.
        names = {style: _register(f"{wanted}-{style}", path, cache, lazy=True) for style, path in files.items()}
    else:
        where = story.where("layout", "font")
        by_file: dict[Path, str] = {}
        for path in dict.fromkeys(files.values()):
            # The file's content names it, so two stories with different fonts of the same file name never clash.
            tag = (cache.sha256(path) if cache is not None else sha256_file(path))[:10]
            by_file[path] = _register(f"story-{tag}", path, cache, where=where)
        names = {style: by_file[path] for style, path in family_styles(files).items()}
    if cache is not None:
        cache.save()
    family = FontFamily(names["regular"], names["bold"], names["italic"], names["bolditalic"], tuple(sorted(set(files.values()))))
    # Lets <b>/<i> in Paragraph markup pick the right face.
    addMapping(family.regular, 0, 0, family.regular)
    addMapping(family.regular, 1, 0, family.bold)
    addMapping(family.regular, 0, 1, family.italic)
    addMapping(family.regular, 1, 1, family.bolditalic)
    return family


def missing_glyphs(family: FontFamily | frozenset[str], text: str) -> list[tuple[int, str]]:
    """(offset, char) for each character in `text` the font cannot draw (whitespace excepted).

    `family` is a registered family, or the characters a face has (see :func:`face_chars`), as validate has.
    """
    if isinstance(family, frozenset):
        covered = family
    else:
        from chapterbook.render.rl_fast import covered_chars

        covered = covered_chars(family.regular)
    # Checking the distinct characters first keeps this cheap: almost every paragraph is fully covered.
    lacking = {ch for ch in set(text).difference(covered) if not ch.isspace()}
    if not lacking:
        return []
    return [(i, ch) for i, ch in enumerate(text) if ch in lacking]


def typographers_quotes(spec: StorySpec, family: FontFamily | frozenset[str]) -> bool:
    """Whether the book sets “ ” ‘ ’ for straight quotes (and – — … for -- --- ...): the layout asks for
    it (the default), the book is in English (other languages quote differently: „…“, « … ») and its
    font has all seven characters."""
    return spec.typographers_quotes and not missing_glyphs(family, TYPOGRAPHERS)
