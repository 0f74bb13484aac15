"""The book's fonts: registering the shipped Andika family (embedded, subset) and checking glyph coverage.

ReportLab embeds and subsets every TrueType font it draws with; the base-14
fonts (Helvetica…) are never embedded, so nothing here or in the renderers may
fall back to them.

ReportLab reads a font's metrics (character map, widths, glyph offsets) in
pure Python, about 75 million instructions per Andika face: for a warm
rebuild of a short book the four faces cost more than laying out every page.
So the metrics it extracts are kept in a small cache file per font file,
keyed by the font's content and the ReportLab and Python versions, and a
rebuild restores them instead of parsing again. Either way a face is only
loaded when the book first draws with it: registering needs just its name.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFError, TTFNameBytes, TTFont, TTFontFace, TTFontFile

from chapterbook.errors import RenderError
from chapterbook.output import HashMemo, atomic_path, sha256_file
from chapterbook.spec.load import Story, resolve_inside
from chapterbook.spec.models import StorySpec
from chapterbook.text import TYPOGRAPHERS

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


# The characters each face has, as a set of str: checking a paragraph is then one set difference in C.
_COVERED: WeakKeyDictionary[TTFontFace, frozenset[str]] = WeakKeyDictionary()


def _covered(name: str) -> frozenset[str]:
    face = pdfmetrics.getFont(name).face
    chars = _COVERED.get(face)
    if chars is None:
        chars = _COVERED[face] = frozenset(map(chr, face.charToGlyph))
    return chars


# --- the metrics cache ------------------------------------------------------------------------

# Bumped whenever what is stored changes, so old cache files are not read.
METRICS_FORMAT = "2"
_NAME = "__ttfname__"  # marks a TTFNameBytes (the font's names), which marshal would turn into plain bytes
_NOT_STORED = ("_ttf_data", "_pdfScale")  # the file's bytes are read again; the scale is a function of unitsPerEm


def _metrics_file(cache_dir: Path, content: str) -> Path:
    key = hashlib.sha256(content.encode())
    key.update(f"|reportlab {reportlab.Version}|python {sys.version_info[:2]}|{METRICS_FORMAT}".encode())
    return cache_dir / f"{key.hexdigest()[:32]}.metrics"


def _store_metrics(face: TTFontFace, file: Path) -> None:
    """Write what ReportLab extracted from the font to `file`; silently skipped if it cannot be stored.

    The file is a CRC-32, the face's PostScript name (length-prefixed UTF-8) and the
    marshalled metrics. marshal is not meant for damaged data, so nothing is
    unmarshalled unless the checksum matches.
    """
    state = {}
    for key, value in face.__dict__.items():
        if key in _NOT_STORED:
            continue
        state[key] = (_NAME, value.ustr) if isinstance(value, TTFNameBytes) else value
    try:
        body = marshal.dumps(state)
    except ValueError:  # a value marshal cannot hold (a newer ReportLab): parse every time instead
        return
    name = face.name.ustr.encode("utf8")
    payload = len(name).to_bytes(2, "big") + name + body
    with atomic_path(file) as tmp:
        tmp.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)


class _LazyFace(TTFontFace):
    """A TTFontFace whose metrics are loaded the first time one is asked for.

    Registering a face only needs its name. A book draws with two or three of its
    family's four faces (bold italic rarely), and loading a face costs about as
    much as laying out four pages restored from the cache, and about 75 million
    instructions parsed from the font, so a face nobody draws with is never loaded.
    `load` returns the attributes ReportLab's parser would have set.
    """

    def __init__(self, name: str, data: bytes, load: Callable[[], dict]):
        # Deliberately not calling TTFontFace.__init__: that is the parse this class puts off.
        self.__dict__.update(name=TTFNameBytes(name.encode("utf8")), _ttf_data=data, _load=load)

    def __getattr__(self, key: str):  # only called for attributes not (yet) in __dict__
        if key.startswith("__") or "_load" not in self.__dict__:
            raise AttributeError(key)
        load = self.__dict__.pop("_load")
        self.__dict__.update(load())
        return getattr(self, key)


def _face_state(body: bytes, path: Path, data: bytes) -> dict:
    """The attributes ReportLab's parser gives a face, from `body`; parsed from the font file if it cannot be read."""
    try:
        stored = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return TTFontFace(str(path)).__dict__
    state = {}
    for key, value in stored.items():
        if isinstance(value, tuple) and len(value) == 2 and value[0] == _NAME:
            value = TTFNameBytes(value[1].encode("utf8"))
        state[key] = value
    state["_ttf_data"] = data
    # The same scale TTFontFile.extractInfo makes: font units to 1/1000 em.
    units = state["unitsPerEm"]
    state["_pdfScale"] = (lambda x: x) if units == 1000 else (lambda x, m=1000 / units: x * m)
    return state


def _restore_metrics(file: Path, path: Path, data: bytes) -> TTFontFace | None:
    """The face ReportLab would parse from `path` (whose bytes are `data`), or None when there is no usable cache file.

    Only the name is read now; the metrics when the face is first asked for one.
    """
    try:
        blob = file.read_bytes()
    except OSError:
        return None
    payload = blob[4:]
    if len(blob) < 6 or zlib.crc32(payload).to_bytes(4, "big") != blob[:4]:
        return None
    size = int.from_bytes(payload[:2], "big")
    body = payload[2 + size :]
    return _LazyFace(payload[2 : 2 + size].decode("utf8"), data, lambda: _face_state(body, path, data))


def _parse_later(file: Path, path: Path, data: bytes) -> TTFontFace:
    """The face of `path` with only its name read (cheap); parsed, and its metrics stored in `file`, when first used.

    Only for fonts known to parse cleanly (the shipped ones): a font that fails
    halfway through its tables would otherwise fail in the middle of the layout.
    """
    head = TTFontFile(io.BytesIO(data), charInfo=0)  # the name and embedding rights, without the glyph tables

    def parse() -> dict:
        face = TTFontFace(str(path))
        _store_metrics(face, file)
        return face.__dict__

    return _LazyFace(head.name.ustr, data, parse)


def _ttfont(name: str, path: Path, cache: HashMemo | None, *, lazy: bool = False) -> TTFont:
    """ReportLab's TTFont for `path`, with its metrics from the cache (beside `cache`'s file) when they are there.

    With `lazy`, a face not in the cache is parsed when it is first drawn with, not now.
    """
    if cache is None:
        return TTFont(name, str(path))
    data = path.read_bytes()
    file = _metrics_file(cache.file.parent, cache.sha256(path))
    face = _restore_metrics(file, path, data)
    if face is None and lazy:
        face = _parse_later(file, path, data)
    elif face is None:
        font = TTFont(name, str(path))
        _store_metrics(font.face, file)
        return font
    # What TTFont.__init__ does around parsing the file (ReportLab 4-5); a test checks the two agree.
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in (rl_config.unShapedFontGlob or ()))
    return font


def _register(name: str, path: Path, cache: HashMemo | None = None, *, lazy: bool = False) -> str:
    # Asking getFont() for an unknown name makes ReportLab scan every AFM file it knows (seconds).
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(_ttfont(name, path, cache, lazy=lazy))
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
    lacking = {ch for ch in set(text).difference(_covered(family.regular)) if not ch.isspace()}
    if not lacking:
        return []
    return [(i, ch) for i, ch in enumerate(text) if ch in lacking]


def typographers_quotes(spec: StorySpec, family: FontFamily) -> bool:
    """Whether the book sets “ ” ‘ ’ for straight quotes (and – — … for -- --- ...): the layout asks for
    it (the default), the book is in English (other languages quote differently: „…“, « … ») and its
    font has all seven characters."""
    return spec.typographers_quotes and not missing_glyphs(family, TYPOGRAPHERS)
