"""The book's fonts: registering the shipped Andika family (embedded, subset) and checking glyph coverage.

ReportLab embeds and subsets every TrueType font it draws with; the base-14
fonts (Helvetica…) are never embedded, so nothing here or in the renderers may
fall back to them.

The fonts' metrics are parsed once and then restored from a cache, and a face is
only loaded when the book first draws with it: that reaches inside ReportLab, so
it lives in :mod:`rl_fast` (``ttfont``); this module decides which files to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from chapterbook import print_rules
from chapterbook.errors import RenderError
from chapterbook.output import HashMemo, sha256_file
from chapterbook.render.rl_fast import covered_chars, ttfont
from chapterbook.spec.load import Story, resolve_inside
from chapterbook.spec.models import StorySpec
from chapterbook.text import TYPOGRAPHERS

# The one list of shipped fonts is in print_rules; these names are kept for the modules that use them.
FONT_DIR = print_rules.FONT_DIR
SHIPPED = print_rules.SHIPPED_FONTS


@dataclass(frozen=True)
class FontFamily:
    """Registered ReportLab names for one family, plus the files they came from."""

    regular: str
    bold: str
    italic: str
    bolditalic: str
    files: tuple[Path, ...]


def _register(name: str, path: Path, cache: HashMemo | None = None, *, lazy: bool = False) -> str:
    # Asking getFont() for an unknown name makes ReportLab scan every AFM file it knows (seconds).
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(ttfont(name, path, cache, lazy=lazy))
        except TTFError as exc:
            raise RenderError(
                f"the font file {path.name} cannot be used: {exc}",
                hint="use a TrueType (.ttf) font with outlines that allow embedding, or leave 'font: Andika'",
            ) from None
    return name


def face_files(story: Story) -> dict[str, Path]:
    """The book font's files by style (regular, bold, italic, bolditalic); a story's own .ttf serves every style.

    For outputs that carry the font itself (the ebook). Assumes a book that passed `validate`.
    """
    wanted = story.spec.layout.font
    if wanted in SHIPPED:
        return {style: FONT_DIR / fn for style, fn in SHIPPED[wanted].items()}
    path = resolve_inside(story.root, wanted)
    if path is None or not path.is_file():
        raise RenderError(f"the font '{wanted}' cannot be read", where=story.where("layout", "font"), path="layout.font", hint="check the font's path")
    return {"regular": path}


def register_face(path: Path) -> str:
    """Register one font file with ReportLab (once) and return the name to draw with."""
    return _register(f"face-{sha256_file(path)[:10]}", path)


def book_font(story: Story, cache_dir: Path | None = None) -> FontFamily:
    """Register the story's body font family with ReportLab and return its names.

    With `cache_dir`, the fonts' metrics are kept there so the next build does not parse them again.
    """
    wanted = story.spec.layout.font
    cache = HashMemo(cache_dir / "fonts.json") if cache_dir is not None else None
    if wanted in SHIPPED:
        files = {style: FONT_DIR / fn for style, fn in SHIPPED[wanted].items()}
        # The shipped faces are known to parse, so each is parsed only if the book draws with it.
        names = {style: _register(f"{wanted}-{style}", path, cache, lazy=True) for style, path in files.items()}
    else:
        path = resolve_inside(story.root, wanted)
        where = story.where("layout", "font")
        if path is None or not path.is_file() or path.suffix.lower() != ".ttf":
            raise RenderError(
                f"the font '{wanted}' is neither a shipped font ({', '.join(SHIPPED)}) nor a .ttf file in the story folder",
                where=where,
                path="layout.font",
                hint="write 'font: Andika', or put a .ttf file in the story folder and give its path",
            )
        # The file's content names it, so two stories with different fonts of the same file name never clash.
        tag = (cache.sha256(path) if cache is not None else sha256_file(path))[:10]
        regular = _register(f"story-{tag}", path, cache)
        names = dict.fromkeys(("regular", "bold", "italic", "bolditalic"), regular)
        files = {"regular": path}
    if cache is not None:
        cache.save()
    family = FontFamily(names["regular"], names["bold"], names["italic"], names["bolditalic"], tuple(sorted(set(files.values()))))
    # Lets <b>/<i> in Paragraph markup pick the right face.
    addMapping(family.regular, 0, 0, family.regular)
    addMapping(family.regular, 1, 0, family.bold)
    addMapping(family.regular, 0, 1, family.italic)
    addMapping(family.regular, 1, 1, family.bolditalic)
    return family


def missing_glyphs(family: FontFamily, text: str) -> list[tuple[int, str]]:
    """(offset, char) for each character in `text` the font cannot draw (whitespace excepted)."""
    # Checking the distinct characters first keeps this cheap: almost every paragraph is fully covered.
    lacking = {ch for ch in set(text).difference(covered_chars(family.regular)) if not ch.isspace()}
    if not lacking:
        return []
    return [(i, ch) for i, ch in enumerate(text) if ch in lacking]


def typographers_quotes(spec: StorySpec, family: FontFamily) -> bool:
    """Whether the book sets “ ” ‘ ’ for straight quotes (and – — … for -- --- ...): the layout asks for
    it (the default), the book is in English (other languages quote differently: „…“, « … ») and its
    font has all seven characters."""
    return spec.typographers_quotes and not missing_glyphs(family, TYPOGRAPHERS)
