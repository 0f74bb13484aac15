"""Everything that reaches inside ReportLab: its settings, private attributes and parsers' results.

This is the only module that changes ``rl_config`` or touches a ReportLab name
starting with an underscore (or an object's ``__dict__``), with :mod:`rl_pages`
(a page's content and the fonts' subset state, for the page cache); the rest of the
renderer uses ReportLab's public API and calls the functions here. Each does
something ReportLab has no public way to do, for speed or for byte-identical
output, and says so.

Checked against ReportLab 5.1.0 (the version installed and tested; pyproject
bounds it to 5.x), read against its source: ``Canvas.drawImage`` and
``_setXObjects`` (draw_image_file), ``Frame._y``/``_y2``/``_topPadding``,
``BaseDocTemplate._endBuild``/``_doSave``, ``ParaFrag``, ``TTFont.__init__`` and
``TTFontFace``'s attributes. tests/test_render_caches.py compares a restored font
with a parsed one attribute by attribute and tests/test_render_paragraphs.py the
fast paragraphs with the parser's, so a ReportLab that changes them fails there,
not in a book. Upgrading ReportLab's major version means reading this module
against its source again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import marshal
import sys
import zlib
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    TTEncoding,
    TTFNameBytes,
    TTFont,
    TTFontFace,
    TTFontFile,
)
from reportlab.platypus import BaseDocTemplate, Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaFrag

from chapterbook.output import HashMemo, atomic_path

# --- settings ---------------------------------------------------------------------------------


def configure() -> None:
    """Set ReportLab up as chapterbook's PDFs need it; called before each render (cheap, idempotent).

    Binary image and page streams: ReportLab's default ASCII85 text encoding makes the
    file 25% larger and, without its C accelerator, costs most of the render time.
    ReportLab reads the setting when it writes each stream, so setting it here, not at
    import, is enough.
    """
    rl_config.useA85 = 0


# --- drawing ----------------------------------------------------------------------------------


def draw_image_file(canv, name: str, file: Path | Callable[[], Path], x: float, y: float, w: float, h: float) -> None:
    """Draw the JPEG `file` as the image XObject `name` into (x, y, w, h), embedding it once per PDF.

    ReportLab's drawImage names a file image after its path, which would make two builds
    with different output folders differ byte for byte; this registers the XObject under
    `name` instead, as drawImage does internally. `file` may be a function giving the
    JPEG, called when the PDF is written (see :class:`_JpegWhenWritten`).
    """
    if not callable(file) and file.suffix == ".png":
        # A screen picture that kept its transparency (images.plan), under a diagram's names for the ebook or
        # the preview: ReportLab's own drawImage gives it its alpha as a soft mask (the JPEG path below has no alpha).
        canv.drawImage(str(file), x, y, w, h, mask="auto")
        return
    reg = register_image_file(canv, name, file)
    canv._currentPageHasImages = 1
    canv.saveState()
    canv.translate(x, y)
    canv.scale(w, h)
    canv._code.append(f"/{reg} Do")
    canv.restoreState()
    canv._formsinuse.append(name)


def register_image_file(canv, name: str, file: Path | Callable[[], Path]) -> str:
    """The PDF name of the image XObject `name`, registering the JPEG `file` under it unless the PDF has it already.

    Registering numbers the picture's PDF object, so it is done when the picture is
    first drawn (and by rl_pages.put_page, for a page put back, in the same order).
    """
    reg = canv._doc.getXObjectName(name)
    if not canv._doc.idToObject.get(reg):
        xobj = _JpegWhenWritten(name, file) if callable(file) else pdfdoc.PDFImageXObject(name, str(file), mask=None)
        xobj.name = name
        canv._setXObjects(xobj)
        canv._doc.Reference(xobj, reg)
        canv._doc.addForm(name, xobj)
    return reg


class _JpegWhenWritten(pdfdoc.PDFImageXObject):
    """The image XObject of a JPEG that may still be being resampled: its file is read when the PDF is written.

    A page only names its pictures; their bytes are needed when ReportLab writes the
    objects out, at the end of the document. So a layout goes on past a picture's page
    instead of waiting there for the picture (a first build's layout waited 0.3-0.8 s
    in all for them), and only the save waits for what is still being made. What is
    written is what PDFImageXObject(name, file) gives: it is made here, then, and its
    attributes taken over; the object was numbered when first drawn, as before.
    """

    def __init__(self, name: str, file: Callable[[], Path]):
        super().__init__(name)  # ReportLab's placeholder image until read(); nothing is read now
        self._file: Callable[[], Path] | None = file

    def read(self) -> None:
        """Wait for the JPEG and read it (once); raises what the function giving it raises."""
        if self._file is not None:
            made = pdfdoc.PDFImageXObject(self.name, str(self._file()), mask=None)
            self._file = None
            self.__dict__.update(made.__dict__)

    def format(self, document):
        self.read()
        return super().format(document)


def read_pictures(canv) -> None:
    """Wait for and read every picture the canvas's PDF names but has not read yet (see :class:`_JpegWhenWritten`).

    Called before saving: ReportLab opens the output file before it writes the objects, and
    a picture that failed would otherwise raise with that file left open.
    """
    for obj in list(canv._doc.idToObject.values()):
        if isinstance(obj, _JpegWhenWritten):
            obj.read()


class CompressedStreams:
    """The Flate-compressed bytes of a book's PDF streams, kept by the SHA-256 of what was compressed.

    ReportLab compresses every page's content, font subset and form when it writes the
    PDF: 0.3 MB at 126 pages, 15-35 ms of zlib (font files compress slowly), and after an
    edit all but a few pages are the bytes of the last build. Used around one save
    (``with``), ReportLab's one Flate filter looks each stream up here first; zlib is
    deterministic, so the bytes are those it would make, provided the same zlib makes them:
    its version is part of the file. The file keeps this save's streams only, checksummed;
    anything unreadable is an empty memo.
    """

    FORMAT = b"zmemo1|" + zlib.ZLIB_RUNTIME_VERSION.encode()

    def __init__(self, file: Path):
        self.file = file
        self.known: dict[bytes, bytes] = {}
        self.used: dict[bytes, bytes] = {}
        try:
            blob = file.read_bytes()
            head, body = blob[: len(self.FORMAT) + 4], blob[len(self.FORMAT) + 4 :]
            if head[:-4] == self.FORMAT and zlib.crc32(body).to_bytes(4, "big") == head[-4:]:
                known = marshal.loads(body)
                if isinstance(known, dict):
                    self.known = known
        except (OSError, EOFError, ValueError, TypeError):
            pass
        self._saved = False

    def encode(self, text) -> bytes:
        """What ReportLab's Flate filter returns for `text` (str as UTF-8, as it does)."""
        if isinstance(text, str):
            text = text.encode("utf8")
        key = hashlib.sha256(text).digest()
        done = self.known.get(key)
        if done is None:
            done = zlib.compress(text)
        self.used[key] = done
        return done

    def __enter__(self) -> CompressedStreams:
        pdfdoc.PDFZCompress.encode = self.encode  # the instance every stream's filter list holds
        return self

    def __exit__(self, *exc) -> None:
        vars(pdfdoc.PDFZCompress).pop("encode", None)  # back to the class's own method
        if exc[0] is None and self.used != self.known:
            body = marshal.dumps(self.used)
            with contextlib.suppress(OSError):
                self.file.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(self.file) as tmp:
                    tmp.write_bytes(self.FORMAT + zlib.crc32(body).to_bytes(4, "big") + body)


def set_past_checks(widget, **values: float) -> None:
    """Set attributes of a ReportLab widget without its attribute checks.

    The EAN barcode widgets declare their quiet zones (lquiet, rquiet) as booleans
    though their code reads them as lengths, so setting a length the ordinary way
    raises; render/barcode.py needs lengths for the printers' quiet zones.
    """
    widget.__dict__.update(values)


def frame_height_used(frame) -> float:
    """How far down `frame` the flowables placed in it so far reach, in points."""
    return frame._y2 - frame._topPadding - frame._y


def frame_room(frame) -> tuple[float, float | None]:
    """(the height left in `frame` below what is placed in it, the space after the last flowable placed,
    which the next one's space before overlaps: None while nothing is placed, where space before is dropped).

    ReportLab's Frame.split asks a flowable for its space before before it sets itself as
    the flowable's _frame, so a flowable whose space before depends on the frame reads
    the room here instead of trusting the height split() is given.
    """
    if frame._atTop:
        return frame._y - frame._y1p, None
    return frame._y - frame._y1p, frame._prevASpace if frame._oASpace else 0.0


class DeferredSaveDocTemplate(BaseDocTemplate):
    """A BaseDocTemplate that, when the flowables run out, calls `finish()` before (instead of) saving.

    ReportLab saves the canvas at the end of `build`; a book still has pages to add
    then (padding, pending art) and forms to fill (the contents' page numbers).
    `finish` does that and saves the canvas itself, or not at all.
    """

    def _endBuild(self) -> None:
        self._doSave = 0
        super()._endBuild()
        self.finish()

    def finish(self) -> None:
        self.canv.save()


# --- paragraphs without the markup parser -------------------------------------------------------

# One fragment per style, as ReportLab's parser makes it for markup-free text (see `plain_frags`).
_PLAIN_FRAGS: WeakKeyDictionary[ParagraphStyle, ParaFrag] = WeakKeyDictionary()


def plain_frags(markup: str, style: ParagraphStyle) -> tuple[str, list[ParaFrag]] | None:
    """(text, fragments) of a paragraph of markup-free text, as ReportLab's parser would make them;
    None when `markup` has a tag or an entity and must go through the parser.

    ReportLab runs Python's html.parser over every paragraph, about half the cost
    of building one. Most paragraphs of a story are plain text (inline_markup
    escapes `<` and `&`, so any tag or entity shows as one of them), and the parser
    turns plain text into a single fragment carrying the style's settings. That
    fragment is made once per style by the parser itself and copied with each
    paragraph's text (styles are not changed after they are made, so it stays
    right); tests/test_render_paragraphs.py compares the result with the parser's,
    fragment by fragment and line break by line break.
    """
    text = cleanBlockQuotedText(markup)
    if "<" in markup or "&" in markup or not text:
        return None
    template = _PLAIN_FRAGS.get(style)
    if template is None:
        (template,) = Paragraph("x", style).frags
        _PLAIN_FRAGS[style] = template
    # A fresh copy of each list (links, underlines) per paragraph, as the parser would make.
    frag = ParaFrag(**{k: list(v) if isinstance(v, list) else v for k, v in template.__dict__.items()})
    frag.text = text
    frags = [frag]
    textTransformFrags(frags, style)
    return text, frags


# --- font metrics: parsed once, then restored ---------------------------------------------------
#
# ReportLab reads a font's metrics (character map, widths, glyph offsets) in pure
# Python, about 75 million instructions per Andika face: for a warm rebuild of a
# short book the four faces cost more than laying out every page. So the metrics
# it extracts are kept in a small cache file per font file, keyed by the font's
# content and the ReportLab and Python versions, and a rebuild restores them
# instead of parsing again. Either way a face is only loaded when the book first
# draws with it: registering needs just its name.

# The characters each face has, as a set of str: checking a paragraph is then one set difference in C.
_COVERED: WeakKeyDictionary[TTFontFace, frozenset[str]] = WeakKeyDictionary()


def covered_chars(name: str) -> frozenset[str]:
    """The characters the registered font `name` has a glyph for."""
    face = pdfmetrics.getFont(name).face
    chars = _COVERED.get(face)
    if chars is None:
        chars = _COVERED[face] = frozenset(map(chr, face.charToGlyph))
    return chars


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
    _store_state(face.__dict__, file)


def _store_state(attributes: dict, file: Path) -> None:
    """:func:`_store_metrics` for a face's attributes (its __dict__ once parsed or restored)."""
    state = {}
    for key, value in attributes.items():
        if key in _NOT_STORED or key == "_load":
            continue
        state[key] = (_NAME, value.ustr) if isinstance(value, TTFNameBytes) else value
    try:
        body = marshal.dumps(state)
    except ValueError:  # a value marshal cannot hold (a newer ReportLab): parse every time instead
        return
    name = attributes["name"].ustr.encode("utf8")
    payload = len(name).to_bytes(2, "big") + name + body
    with atomic_path(file) as tmp:
        tmp.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)


class LazyFace(TTFontFace):
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
        return dict(_parsed(path).__dict__)
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
    return LazyFace(payload[2 : 2 + size].decode("utf8"), data, lambda: _face_state(body, path, data))


def _parsed(path: Path) -> TTFontFace:
    """The face parsed once per process (fonts.parsed_face: validate's glyph check may have parsed it already)."""
    from chapterbook.render.fonts import parsed_face  # fonts imports this module where it registers a face

    return parsed_face(path)


def _parse_later(file: Path | None, path: Path, data: bytes) -> TTFontFace:
    """The face of `path` with only its name read (cheap); parsed, and its metrics stored in `file`, when first used.

    Only for fonts known to parse cleanly (the shipped ones): a font that fails
    halfway through its tables would otherwise fail in the middle of the layout.
    Without a `file` the metrics are not stored.
    """
    head = TTFontFile(io.BytesIO(data), charInfo=0)  # the name and embedding rights, without the glyph tables

    def parse() -> dict:
        face = _parsed(path)
        if file is not None:
            _store_metrics(face, file)
        return dict(face.__dict__)

    return LazyFace(head.name.ustr, data, parse)


def ttfont(name: str, path: Path, cache: HashMemo | None, *, lazy: bool = False) -> TTFont:
    """ReportLab's TTFont for `path`, with its metrics from the cache (beside `cache`'s file) when they are there.

    With `lazy`, a face not in the cache is parsed when it is first drawn with, not now.
    Raises ReportLab's TTFError for a font it cannot use.
    """
    if cache is None:
        # Without a cache (validate measuring a diagram's words on a first build), still parsed once per
        # process and, when lazy, only if drawn with: the renderer then draws with these same faces.
        face = _parse_later(None, path, path.read_bytes()) if lazy else _parsed(path)
        return _font(name, face)
    data = path.read_bytes()
    file = _metrics_file(cache.file.parent, cache.sha256(path))
    face = _restore_metrics(file, path, data)
    if face is None and lazy:
        face = _parse_later(file, path, data)
    elif face is None:
        face = _parsed(path)
        _store_metrics(face, file)
    return _font(name, face)


def keep_metrics(font: TTFont, path: Path, cache: HashMemo) -> None:
    """Store the metrics of `font` (registered from `path` without a cache) beside `cache`, now or when first loaded.

    On a first build validate registers the book's fonts to measure a diagram's words before
    the renderer's cache folder exists; the renderer then draws with those same faces, and
    without this their metrics were never stored, so the next build parsed them again.
    """
    file = _metrics_file(cache.file.parent, cache.sha256(path))
    if file.exists():
        return
    face = font.face
    load = face.__dict__.get("_load")
    if load is None:  # parsed or restored already
        _store_state(face.__dict__, file)
        return

    def load_and_store() -> dict:
        state = load()
        _store_state(state, file)
        return state

    face.__dict__["_load"] = load_and_store


def _font(name: str, face: TTFontFace) -> TTFont:
    """ReportLab's TTFont named `name` drawing with `face`, as TTFont(name, file) would make it after parsing the file."""
    # What TTFont.__init__ does around parsing the file (ReportLab 5.1); a test checks the two agree.
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in (rl_config.unShapedFontGlob or ()))
    return font
