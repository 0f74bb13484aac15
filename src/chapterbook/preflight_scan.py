"""What one page of a PDF holds, for preflight: its fonts, where its images are placed, its text colours, placeholders.

Works on the objects of either reader preflight uses: pypdf's, or the light reader's
(preflight_reader.py), which offers the same few parts of pypdf's interface.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable

from chapterbook.preflight_findings import FontInfo
from chapterbook.print_rules import PLACEHOLDER_LABEL

# ReportLab's font subsets keep ASCII at its own codes, so the label is readable in the raw
# content stream (the "·" separator gets some other code); full text extraction would cost
# seconds per book. Placeholders drawn by other tools are not recognised.
_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_LABEL.encode()) + rb" [^A-Za-z0-9 ]{1,4} ([A-Za-z0-9_-]+)")
_SUBSET = re.compile(r"^[A-Z]{6}\+")
# The XObjects a content stream paints ("/Name Do"): what a page's scan depends on besides its own bytes.
_PAINTS = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


class _PageScan:
    """Walks a page's content (and forms it uses): fonts, image placements, text colour."""

    def __init__(self, page, reader):
        self.page = page
        self.reader = reader
        self.fonts: dict[int | str, FontInfo] = {}
        self.images: list[tuple[str, tuple[int, int, float, float]]] = []
        self.rich_text = False
        self.placeholders: list[str] = []
        self._font_resources: list = []  # the resource dictionaries signature() met, for restore()

    def signature(self) -> str | None:
        """A hash of everything run() reads (the content's bytes, the images' sizes, the forms it paints), or None if unsure."""
        contents = self.page.get_contents()
        if contents is None:
            return None
        resources = self.page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        digest = hashlib.sha256()
        if not self._sign(digest, contents.get_data(), resources, depth=0):
            return None
        return digest.hexdigest()

    def _sign(self, digest, data: bytes, resources, depth: int) -> bool:
        digest.update(len(data).to_bytes(8, "big") + data)
        self._font_resources.append(resources)
        if depth > 8:
            return True
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for raw in sorted(set(_PAINTS.findall(data))):
            if b"#" in raw:  # an escaped name: look it up as pypdf would, or not at all
                return False
            name = "/" + raw.decode("latin-1")
            xobj = xobjects.get(name)
            if xobj is None:
                digest.update(f"{name}|-".encode())
                continue
            xobj = xobj.get_object()
            subtype = xobj.get("/Subtype")
            if subtype == "/Image":
                digest.update(f"{name}|I|{xobj.get('/Width')}|{xobj.get('/Height')}".encode())
            elif subtype == "/Form":
                digest.update(f"{name}|F|{[float(v) for v in xobj.get('/Matrix', [1, 0, 0, 1, 0, 0])]}".encode())
                inner = xobj.get("/Resources")
                inner = inner.get_object() if inner is not None else resources
                if not self._sign(digest, xobj.get_data(), inner, depth + 1):
                    return False
            else:
                digest.update(f"{name}|{subtype}".encode())
        return True

    def found(self) -> dict:
        """What run() found that depends on the content (the fonts are read from the resources each time), as JSON."""
        return {"images": [[name, *size] for name, size in self.images], "rich_text": self.rich_text, "placeholders": self.placeholders}

    def restore(self, found: dict) -> None:
        """Take what an earlier run() over the same signature found; read the fonts of the resources signed."""
        for resources in self._font_resources:
            self._fonts_of(resources)
        self.images = [(name, (int(w), int(h), float(wpt), float(hpt))) for name, w, h, wpt, hpt in found["images"]]
        self.rich_text = bool(found["rich_text"])
        self.placeholders = [str(p) for p in found["placeholders"]]

    def run(self) -> None:
        resources = self.page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        contents = self.page.get_contents()
        if contents is None:
            return
        self._walk(contents, resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], depth=0)

    def _fonts_of(self, resources) -> None:
        fonts = resources.get("/Font")
        if fonts is None:
            return
        for _, ref in fonts.get_object().items():
            key = getattr(ref, "idnum", None) or id(ref)  # an indirect object's number (pypdf's or the light reader's)
            if key in self.fonts:
                continue
            font = ref.get_object()
            self.fonts[key] = _font_info(font)

    def _walk(self, stream, resources, ctm: list[float], depth: int) -> None:
        if depth > 8:
            return
        self._fonts_of(resources)
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        stack: list[tuple[list[float], str]] = []
        fill = "gray"  # the initial fill colour is DeviceGray black
        for operands, op in _operations(self.reader, stream):
            if op == b"q":
                stack.append((ctm[:], fill))
            elif op == b"Q":
                if stack:
                    ctm, fill = stack.pop()
            elif op == b"cm":
                ctm = _multiply([float(v) for v in operands], ctm)
            elif op == b"rg":
                fill = "rgb-black" if all(float(v) < 0.05 for v in operands) else "rgb"
            elif op == b"k":
                c, m, y, k = (float(v) for v in operands)
                fill = "rich-black" if k > 0.9 and (c + m + y) > 0.05 else "cmyk"
            elif op == b"g":
                fill = "gray"
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                if fill in ("rgb-black", "rich-black"):
                    self.rich_text = True
                if operands:
                    label = _PLACEHOLDER.search(_shown(op, operands))
                    if label:
                        self.placeholders.append(label.group(1).decode("ascii"))
            elif op == b"Do" and operands:
                name = str(operands[0])
                xobj = xobjects.get(name)
                if xobj is None:
                    continue
                xobj = xobj.get_object()
                subtype = xobj.get("/Subtype")
                if subtype == "/Image":
                    a, b, c, d = ctm[:4]
                    self.images.append((name.lstrip("/"), (int(xobj["/Width"]), int(xobj["/Height"]), math.hypot(a, b), math.hypot(c, d))))
                elif subtype == "/Form":
                    matrix = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    inner = xobj.get("/Resources")
                    inner = inner.get_object() if inner is not None else resources
                    self._walk(xobj, inner, _multiply(matrix, ctm), depth + 1)


def _operations(reader, stream) -> Iterable[tuple[list, bytes]]:
    """(operands, operator) of a content stream, parsed by the reader that read the file."""
    if hasattr(reader, "operations"):  # the light reader
        return reader.operations(stream)
    from pypdf.generic import ContentStream

    return ContentStream(stream, reader).operations


def _shown(op: bytes, operands) -> bytes:
    """The bytes a text operator shows: ReportLab writes a line as one Tj, Ghostscript (PDF/X) as a
    TJ array of single glyphs and kerning numbers, so the strings of an array are joined."""
    if op == b"TJ":
        return b"".join(_raw(part) for part in operands[0] if not isinstance(part, (int, float)))
    return _raw(operands[-1])


def _raw(obj) -> bytes:
    original = getattr(obj, "original_bytes", None)
    if original is not None:
        return bytes(original)
    if isinstance(obj, bytes):
        return bytes(obj)
    return str(obj).encode("latin-1", "replace")


def _font_info(font) -> FontInfo:
    subtype = str(font.get("/Subtype", ""))
    name = str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/")
    if subtype == "/Type3":
        return FontInfo(name, subtype, True, False)
    descriptor = None
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if descendants:
            descendant = descendants.get_object()[0].get_object()
            descriptor = descendant.get("/FontDescriptor")
    else:
        descriptor = font.get("/FontDescriptor")
    embedded = False
    if descriptor is not None:
        descriptor = descriptor.get_object()
        embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return FontInfo(name, subtype, embedded, bool(_SUBSET.match(name)))


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """m × n for PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]
