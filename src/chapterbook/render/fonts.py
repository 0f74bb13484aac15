"""The book's fonts: registering the shipped Andika family (embedded, subset) and checking glyph coverage.

ReportLab embeds and subsets every TrueType font it draws with; the base-14
fonts (Helvetica…) are never embedded, so nothing here or in the renderers may
fall back to them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from chapterbook.errors import RenderError
from chapterbook.spec.load import Story, resolve_inside

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
SHIPPED = {
    "Andika": {
        "regular": "Andika-Regular.ttf",
        "bold": "Andika-Bold.ttf",
        "italic": "Andika-Italic.ttf",
        "bolditalic": "Andika-BoldItalic.ttf",
    }
}


@dataclass(frozen=True)
class FontFamily:
    """Registered ReportLab names for one family, plus the files they came from."""

    regular: str
    bold: str
    italic: str
    bolditalic: str
    files: tuple[Path, ...]

    def covers(self, char: str) -> bool:
        """True when the regular face has a glyph for `char`."""
        return ord(char) in _cmap(self.regular)


def _cmap(name: str) -> dict[int, int]:
    return pdfmetrics.getFont(name).face.charToGlyph


def _register(name: str, path: Path) -> str:
    # Asking getFont() for an unknown name makes ReportLab scan every AFM file it knows (seconds).
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except TTFError as exc:
            raise RenderError(
                f"the font file {path.name} cannot be used: {exc}",
                hint="use a TrueType (.ttf) font with outlines that allow embedding, or leave 'font: Andika'",
            ) from None
    return name


def book_font(story: Story) -> FontFamily:
    """Register the story's body font family with ReportLab and return its names."""
    wanted = story.spec.layout.font
    if wanted in SHIPPED:
        files = {style: FONT_DIR / fn for style, fn in SHIPPED[wanted].items()}
        names = {style: _register(f"{wanted}-{style}", path) for style, path in files.items()}
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
        tag = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        regular = _register(f"story-{tag}", path)
        names = dict.fromkeys(("regular", "bold", "italic", "bolditalic"), regular)
        files = {"regular": path}
    family = FontFamily(names["regular"], names["bold"], names["italic"], names["bolditalic"], tuple(sorted(set(files.values()))))
    # Lets <b>/<i> in Paragraph markup pick the right face.
    addMapping(family.regular, 0, 0, family.regular)
    addMapping(family.regular, 1, 0, family.bold)
    addMapping(family.regular, 0, 1, family.italic)
    addMapping(family.regular, 1, 1, family.bolditalic)
    return family


def missing_glyphs(family: FontFamily, text: str) -> list[tuple[int, str]]:
    """(offset, char) for each character in `text` the font cannot draw (whitespace excepted)."""
    cmap = _cmap(family.regular)
    # Checking the distinct characters first keeps this cheap: almost every paragraph is fully covered.
    lacking = {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}
    if not lacking:
        return []
    return [(i, ch) for i, ch in enumerate(text) if ch in lacking]
