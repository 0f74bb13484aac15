"""A light reader for the plain PDFs chapterbook writes, so preflighting a fresh build does not load pypdf.

Preflight reads any PDF with pypdf, which takes about a tenth of a second to import and reads
each page object through a general parser (0.14 s at 126 pages, 0.67 s at 450), even on a
rebuild where every page but the edited chapter's is known by its signature. The PDFs a build
has just written come from ReportLab, always in one plain shape: a classic cross-reference
table, every object written directly ("n 0 obj ... endobj"), page objects that carry their own
boxes and resources, one content stream per page compressed with FlateDecode alone, no object
streams, no encryption. This module reads that shape and nothing else, from the file's bytes
(it trusts nothing the renderer knows): objects are parsed when preflight asks for them, with
the few parts of pypdf's interface preflight uses (``get_object``, ``get``, ``get_data``,
``mediabox``, ``idnum``, the operations of a content stream).

Anything outside that shape raises :class:`Unsupported`: a cross-reference stream or an
incremental update, encryption, a filter other than Flate or with parameters, an inline image,
a string escape or token it does not know, an offset that does not lead to its object. The
caller then reads the file with pypdf, so a PDF this cannot read is checked as before, never
less. tests/test_preflight_reader.py compares the two readers' reports.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path

_WS = b"\x00\t\n\x0c\r "
# One token, after any whitespace and comments: a name, a number, a delimiter or hex string, a literal
# string's opening, or a keyword. No match: only whitespace is left, or a byte no token starts with.
_TOKEN = re.compile(
    rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*"
    rb"(?:(/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"  # 1: name
    rb"|([+-]?(?:\d+\.?\d*|\.\d+))(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"  # 2: number (a whole token)
    rb"|(<<|>>|\[|\]|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"  # 3: dictionary and array brackets, hex string
    rb"|(\()"  # 4: a literal string begins
    rb"|([^\x00\t\n\x0c\r ()<>\[\]{}/%]+))"  # 5: keyword (operator, true, false, null, R, obj, stream ...)
)
# Every token of a stretch at once (findall), a byte that starts none in the last group: for the objects
# without strings or streams (page objects, most of a book), a third of the work of matching one by one.
_TOKENS = re.compile(_TOKEN.pattern[: -len(b")")] + rb"|([^\x00\t\n\x0c\r ]))")
_BLANK = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*\Z")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PARENS = re.compile(rb"[()\\]")
# Escapes in a literal string, as pypdf reads them (pypdf.generic._utils.read_string_from_stream).
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPES.update({c: c for c in (b"(", b")", b"/", b"\\", b" ", b"%", b"<", b">", b"[", b"]", b"#", b"_", b"&", b"$")})
_STRING_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\r\n][\r\n]?|.)", re.S)
_OBJ = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_XREF_SECTION = re.compile(rb"\s*(\d+)\s+(\d+)[ \t]*\r?\n?")
_TRAILER = re.compile(rb"\s*trailer\s*")
_ENDSTREAM = re.compile(rb"\s*endstream\s+endobj")
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class Unsupported(Exception):
    """The file is not in the plain shape this reader knows; read it with pypdf instead."""


class Name(str):
    """A PDF name, with its slash ("/Font"), as pypdf's NameObject."""


class PdfString(bytes):
    """A PDF string's bytes, escapes resolved; ``original_bytes`` as on pypdf's string objects."""

    @property
    def original_bytes(self) -> bytes:
        return bytes(self)


class Ref:
    """An indirect reference ("n 0 R")."""

    __slots__ = ("idnum", "reader")

    def __init__(self, idnum: int, reader: LightReader):
        self.idnum, self.reader = idnum, reader

    def get_object(self):
        return self.reader.object(self.idnum)


class PdfList(list):
    def get_object(self):
        return self


class PdfDict(dict):
    def get_object(self):
        return self


class Stream(PdfDict):
    """A stream object: its dictionary, and its bytes as stored."""

    raw = b""

    def get_data(self) -> bytes:
        """The stream's bytes decoded (FlateDecode, or none)."""
        filters = self.get("/Filter")
        filters = filters.get_object() if filters is not None else None
        if isinstance(filters, list):
            filters = [f.get_object() if isinstance(f, Ref) else f for f in filters]
        else:
            filters = [] if filters is None else [filters]
        if self.get("/DecodeParms") is not None:
            raise Unsupported("stream with decode parameters")
        if not filters:
            return self.raw
        if filters != ["/FlateDecode"]:
            raise Unsupported(f"stream filter {filters}")
        try:
            return zlib.decompress(self.raw)
        except zlib.error as exc:
            raise Unsupported(f"stream does not inflate: {exc}") from None


class Page(PdfDict):
    """A page object, with the inherited attributes copied in (as pypdf's page list has them)."""

    reader: LightReader

    @property
    def mediabox(self) -> list:
        box = self.get("/MediaBox")
        box = box.get_object() if box is not None else None
        if not isinstance(box, list) or len(box) != 4:
            raise Unsupported("page without a MediaBox of four numbers")
        return box

    def get_contents(self) -> Stream | None:
        contents = self.get("/Contents")
        if contents is None:
            return None
        contents = contents.get_object()
        if not isinstance(contents, Stream):
            raise Unsupported("page contents that are not one stream")
        return contents


class LightReader:
    """The objects of one plain PDF (see the module's docstring), read from its bytes when asked for."""

    def __init__(self, data: bytes):
        if not data.startswith(b"%PDF-1."):
            raise Unsupported("no PDF header at the start")
        self.data = data
        self._objects: dict[int, object] = {}
        self._offsets: dict[int, int] = {}
        found = _STARTXREF.match(data, max(0, data.rfind(b"startxref")))
        if found is None:
            raise Unsupported("no startxref at the end")
        self.trailer = self._read_xref(int(found.group(1)))
        if "/Encrypt" in self.trailer or "/Prev" in self.trailer or "/XRefStm" in self.trailer:
            raise Unsupported("encrypted, or updated incrementally")
        self.is_encrypted = False
        self.pages = self._flatten()

    # cross references and objects -----------------------------------------------------------

    def _read_xref(self, at: int) -> PdfDict:
        data = self.data
        if data[at : at + 4] != b"xref":
            raise Unsupported("no classic cross-reference table at startxref")
        pos = at + 4
        while True:
            m = _XREF_SECTION.match(data, pos)
            if m is None:
                break
            first, count = int(m.group(1)), int(m.group(2))
            pos = m.end()
            for i in range(count):
                entry = data[pos : pos + 20]
                if len(entry) != 20 or entry[17:18] not in (b"n", b"f"):
                    raise Unsupported("a cross-reference entry that is not 20 bytes")
                if entry[17:18] == b"n" and int(entry[11:16]) == 0:
                    self._offsets[first + i] = int(entry[:10])
                pos += 20
        m = _TRAILER.match(data, pos)
        if m is None:
            raise Unsupported("no trailer after the cross-reference table")
        trailer, _ = self._value(m.end())
        if not isinstance(trailer, PdfDict):
            raise Unsupported("a trailer that is not a dictionary")
        return trailer

    def object(self, num: int):
        """Object `num`, parsed on first use."""
        if num in self._objects:
            return self._objects[num]
        at = self._offsets.get(num)
        if at is None:
            raise Unsupported(f"object {num} is not in the cross-reference table")
        m = _OBJ.match(self.data, at)
        if m is None or int(m.group(1)) != num or int(m.group(2)) != 0:
            raise Unsupported(f"object {num}'s offset does not lead to it")
        end = self.data.find(b"endobj", m.end())
        if end > 0 and self.data.find(b"(", m.end(), end) < 0 and self.data.find(b"stream", m.end(), end) < 0:
            value = self._tokens_value(_TOKENS.findall(self.data, m.end(), end))
            self._objects[num] = value
            return value
        value, pos = self._value(m.end())
        kw = _TOKEN.match(self.data, pos)
        if kw is not None and kw.group(5) == b"stream" and isinstance(value, PdfDict):
            value = self._stream(value, kw.end())
        elif kw is None or kw.group(5) != b"endobj":
            raise Unsupported(f"object {num} does not end with endobj")
        self._objects[num] = value
        return value

    def _stream(self, head: PdfDict, pos: int) -> Stream:
        data = self.data
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] == b"\n":
            pos += 1
        else:
            raise Unsupported("stream keyword not followed by an end of line")
        length = head.get("/Length")
        length = length.get_object() if isinstance(length, Ref) else length
        if not isinstance(length, int) or length < 0:
            raise Unsupported("stream without a length")
        end = pos + length
        if not _ENDSTREAM.match(data, end):
            raise Unsupported("stream length does not lead to endstream")
        stream = Stream(head)
        stream.raw = data[pos:end]
        return stream

    # values ----------------------------------------------------------------------------------

    def _value(self, pos: int):
        """The value starting at `pos` (after whitespace), and where it ends."""
        stack: list[list] = []  # open arrays and dictionaries, as lists of their items
        kinds: list[bytes] = []
        data = self.data
        while True:
            m = _TOKEN.match(data, pos)
            if m is None:
                raise Unsupported(f"unreadable token at byte {pos}")
            pos = m.end()
            group = m.lastindex or 0  # every alternative is a group: never 0 after a match
            tok = m.group(group)
            if group == 1:
                value: object = _name(tok)
            elif group == 2:
                value = _number(tok)
            elif group == 3:
                if tok in (b"<<", b"["):
                    stack.append([])
                    kinds.append(tok)
                    continue
                if tok in (b">>", b"]"):
                    value = _closed(stack, kinds, tok)
                else:
                    value = _hex(tok)
            elif group == 4:
                value, pos = _literal(data, pos)
            else:
                if tok == b"R" and stack and len(stack[-1]) >= 2 and all(type(x) is int for x in stack[-1][-2:]):
                    stack[-1].pop()  # the generation (always 0 in the files this reads)
                    value = Ref(stack[-1].pop(), self)
                elif tok == b"true" or tok == b"false":
                    value = tok == b"true"
                elif tok == b"null":
                    value = None
                else:
                    raise Unsupported(f"unexpected keyword {tok!r} in an object")
            if not stack:
                return value, pos
            stack[-1].append(value)

    def _tokens_value(self, tokens: list[tuple[bytes, ...]]):
        """The one value the tokens (of :data:`_TOKENS`, no literal strings among them) make."""
        stack: list[list] = []  # open arrays and dictionaries, as lists of their items
        kinds: list[bytes] = []
        top: list = []
        names = _NAMES
        for name, number, delim, _paren, keyword, other in tokens:
            if name:
                value: object = names.get(name) or _name(name)
            elif number:
                value = float(number) if b"." in number else int(number)
            elif delim:
                if delim == b"<<" or delim == b"[":
                    stack.append([])
                    kinds.append(delim)
                    continue
                if delim == b">>" or delim == b"]":
                    value = _closed(stack, kinds, delim)
                else:
                    value = _hex(delim)
            elif keyword:
                open_ = stack[-1] if stack else top
                if keyword == b"R" and len(open_) >= 2 and type(open_[-1]) is int and type(open_[-2]) is int:
                    open_.pop()  # the generation (always 0 in the files this reads)
                    value = Ref(open_.pop(), self)
                elif keyword == b"true" or keyword == b"false":
                    value = keyword == b"true"
                elif keyword == b"null":
                    value = None
                else:
                    raise Unsupported(f"unexpected keyword {keyword!r} in an object")
            else:
                raise Unsupported(f"unexpected byte {other!r} in an object")
            (stack[-1] if stack else top).append(value)
        if stack or len(top) != 1:
            raise Unsupported("an object that is not one value")
        return top[0]

    def _flatten(self) -> list[Page]:
        root = self.trailer.get("/Root")
        root = root.get_object() if isinstance(root, Ref) else None
        if not isinstance(root, PdfDict) or not isinstance(root.get("/Pages"), Ref):
            raise Unsupported("no page tree")
        pages: list[Page] = []
        seen: set[int] = set()

        def walk(ref: Ref, inherited: dict) -> None:
            if ref.idnum in seen or len(seen) > 100_000:
                raise Unsupported("a page tree that loops")
            seen.add(ref.idnum)
            node = ref.get_object()
            if not isinstance(node, PdfDict):
                raise Unsupported("a page tree node that is not a dictionary")
            kind = node.get("/Type")
            if kind == "/Pages":
                here = {**inherited, **{k: node[k] for k in _INHERITED if k in node}}
                kids = node.get("/Kids")
                kids = kids.get_object() if isinstance(kids, Ref) else kids
                if not isinstance(kids, list) or not all(isinstance(k, Ref) for k in kids):
                    raise Unsupported("page tree kids that are not references")
                for kid in kids:
                    walk(kid, here)
            elif kind == "/Page":
                page = Page({**{k: v for k, v in inherited.items() if k not in node}, **node})
                page.reader = self
                pages.append(page)
            else:
                raise Unsupported(f"a page tree node of type {kind}")

        walk(root["/Pages"], {})
        return pages

    # content streams -------------------------------------------------------------------------

    def operations(self, stream: Stream) -> Iterator[tuple[list, bytes]]:
        """(operands, operator) of a content stream, as pypdf's ContentStream.operations gives them."""
        data = stream.get_data()
        operands: list = []
        stack: list[list] = []
        kinds: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end:
            m = _TOKEN.match(data, pos)
            if m is None:
                if _BLANK.match(data, pos):
                    break
                raise Unsupported(f"unreadable content at byte {pos}")
            pos = m.end()
            group = m.lastindex or 0  # every alternative is a group: never 0 after a match
            tok = m.group(group)
            if group == 1:
                value: object = _name(tok)
            elif group == 2:
                value = _number(tok)
            elif group == 3:
                if tok in (b"<<", b"["):
                    stack.append([])
                    kinds.append(tok)
                    continue
                if tok in (b">>", b"]"):
                    value = _closed(stack, kinds, tok)
                else:
                    value = _hex(tok)
            elif group == 4:
                value, pos = _literal(data, pos)
            elif stack:
                if tok in (b"true", b"false", b"null"):
                    value = None if tok == b"null" else tok == b"true"
                else:
                    raise Unsupported(f"operator {tok!r} inside brackets")
            elif tok in (b"true", b"false", b"null"):
                value = None if tok == b"null" else tok == b"true"
            else:
                if tok in (b"BI", b"ID", b"EI"):
                    raise Unsupported("an inline image")
                yield operands, tok
                operands = []
                continue
            if stack:
                stack[-1].append(value)
            else:
                operands.append(value)
        if stack:
            raise Unsupported("a content stream ending inside brackets")


def _closed(stack: list[list], kinds: list[bytes], tok: bytes) -> PdfList | PdfDict:
    """The array or dictionary that `tok` (``]`` or ``>>``) closes, popped off the open ones.

    One rule for every reader loop (objects, token lists, content streams): anything pypdf
    would read otherwise (unbalanced brackets, an odd dictionary, a key that is not a name)
    is Unsupported, so the file goes to pypdf instead.
    """
    if not stack or kinds[-1] != (b"<<" if tok == b">>" else b"["):
        raise Unsupported(f"unbalanced {tok!r}")
    items, kind = stack.pop(), kinds.pop()
    if kind == b"[":
        return PdfList(items)
    if len(items) % 2:
        raise Unsupported("a dictionary with an odd number of items")
    value = PdfDict(zip(items[::2], items[1::2]))
    if not all(isinstance(k, Name) for k in value):
        raise Unsupported("a dictionary key that is not a name")
    return value


def read(pdf: Path | bytes) -> LightReader:
    """The light reader over `pdf` (a path or its bytes); raises Unsupported for any other shape of file."""
    return LightReader(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes())


_NAMES: dict[bytes, Name] = {}


def _name(tok: bytes) -> Name:
    known = _NAMES.get(tok)
    if known is not None:
        return known
    if len(_NAMES) > 4096:
        _NAMES.clear()
    name = _NAMES[tok] = _decode_name(tok)
    return name


def _decode_name(tok: bytes) -> Name:
    if b"#" in tok:
        tok = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), tok)
    if not tok.isascii():
        raise Unsupported(f"a name that is not ASCII: {tok!r}")
    return Name(tok.decode("ascii"))


def _number(tok: bytes) -> int | float:
    if b"." in tok:
        return float(tok)
    return int(tok)


def _hex(tok: bytes) -> PdfString:
    digits = bytes(c for c in tok[1:-1] if c not in _WS)
    if len(digits) % 2:
        digits += b"0"
    return PdfString(bytes.fromhex(digits.decode("ascii")))


def _literal(data: bytes, pos: int) -> tuple[PdfString, int]:
    """The literal string whose "(" ends at `pos`: its bytes with escapes resolved, and where it ends."""
    depth, start, escaped = 1, pos, False
    while True:
        m = _PARENS.search(data, pos)
        if m is None:
            raise Unsupported("a string that does not end")
        c = m.group()
        if c == b"\\":
            escaped = True
            pos = m.end() + 1  # the escaped byte is never a delimiter
            continue
        pos = m.end()
        depth += 1 if c == b"(" else -1
        if depth == 0:
            break
    body = data[start : pos - 1]
    return PdfString(_STRING_ESCAPE.sub(_unescape, body) if escaped else body), pos


def _unescape(m: re.Match) -> bytes:
    tok = m.group(1)
    if tok[:1] in b"\r\n":
        return b""  # an escaped line break continues the string
    if tok[:1].isdigit():
        value = int(tok, 8)
        if value > 255:
            raise Unsupported("an octal escape out of range")
        return bytes([value])
    if tok in _ESCAPES:
        return _ESCAPES[tok]
    raise Unsupported(f"a string escape pypdf reads otherwise: \\{tok!r}")
