"""The chapter-text grammar: chapter Markdown parsed once into typed blocks.

The subset an author may use (docs/grammar.md): paragraphs, headings, bulleted
and numbered lists, block quotes, *emphasis* and **strong**, scene breaks and
`[illustration: id]` lines. markdown-it-py does the parsing (CommonMark); this
module turns its tokens into the blocks below, each with the line and column it
starts at, and reports as a :class:`Finding` anything outside the subset
(tables, HTML, code, Markdown pictures, links...). Such text is printed as it was
typed, never dropped or silently changed.

Every consumer (book view, manuscript, preview, PDF, lint, draft replies, pasted
drafts, compare) reads these blocks. :func:`parse` is cached, so a chapter is
parsed once per process however many stages read it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec

from chapterbook.text.inline import Inline, Keeps, Span, known_inlines, markdown, spans_of

if TYPE_CHECKING:
    from markdown_it.token import Token

_OPEN_QUOTES = "\"“‘'«"

# --- blocks ------------------------------------------------------------------------------------


class BlockBase(msgspec.Struct, frozen=True, tag=True):
    """Where a block is: 0-based `line`/`col` of its first character, `start` as an offset, `end` the line after it.

    `tag`: stored (see :func:`known_parses`), each block carries its class's name, so a chapter's
    blocks read back as the same classes.
    """

    line: int
    col: int
    start: int
    end: int
    kind: ClassVar[str] = ""


class Paragraph(BlockBase, frozen=True):
    text: Inline

    @property
    def dialogue(self) -> bool:
        """Whether it opens with a quote mark (typeset and styled as dialogue)."""
        plain = self.text.plain
        return bool(plain) and plain[0] in _OPEN_QUOTES

    kind: ClassVar[str] = "paragraph"


class Heading(BlockBase, frozen=True):
    level: int
    text: Inline
    kind: ClassVar[str] = "heading"


class BulletList(BlockBase, frozen=True):
    items: tuple[Inline, ...]
    kind: ClassVar[str] = "bullet_list"


class NumberedList(BlockBase, frozen=True):
    items: tuple[Inline, ...]
    first: int = 1  # the number of the first item, as typed
    kind: ClassVar[str] = "numbered_list"


class BlockQuote(BlockBase, frozen=True):
    paragraphs: tuple[Inline, ...]
    kind: ClassVar[str] = "quote"


class SceneBreak(BlockBase, frozen=True):
    kind: ClassVar[str] = "break"


class IllustrationMarker(BlockBase, frozen=True):
    """`[illustration: id]` on a line of its own; `ref` is the id (or, in a draft, the brief)."""

    ref: str
    source: str  # the line as typed
    variant: bool = False  # written another way than the author spelling ([Picture: x], *[illustration: x]*...)
    kind: ClassVar[str] = "illustration"


TextBlock = Paragraph | Heading | BulletList | NumberedList | BlockQuote | SceneBreak | IllustrationMarker


class Finding(msgspec.Struct, frozen=True):
    """Something in the text outside the grammar (or a marker spelled another way), at 0-based line/col."""

    line: int
    col: int
    construct: str
    message: str
    hint: str
    code: str = "outside-grammar"


class Parsed(msgspec.Struct, frozen=True):
    blocks: tuple[TextBlock, ...]
    findings: tuple[Finding, ...] = msgspec.field(default_factory=tuple)


# --- illustration markers ----------------------------------------------------------------------

# One line: [word: body], the word one of these. `illustration` with a colon, unwrapped, is the
# author spelling; the rest (other words or capitals, dashes, *emphasis* around it) is what models
# and chat windows write.
_MARKER = re.compile(r"\[\s*(?P<word>illustration|picture|image|drawing|figure)\s*(?P<sep>:|-|–|—)\s*(?P<ref>.*?)\s*\]", re.IGNORECASE)


def marker(line: str) -> tuple[str, bool] | None:
    """(ref, variant) when `line` is an illustration marker, else None."""
    typed = line.strip()
    if "[" not in typed:
        return None
    inner = typed.strip("*_").strip()
    m = _MARKER.fullmatch(inner)
    if m is None or not m.group("ref"):
        return None
    variant = inner != typed or m.group("word") != "illustration" or m.group("sep") != ":"
    return m.group("ref"), variant


# --- parsing -----------------------------------------------------------------------------------

OUTSIDE_BLOCKS = {
    "table": ("a table", "chapter text has no tables: write it as sentences or a list, or make it a picture"),
    "html_block": ("HTML", "remove the HTML; chapter text is plain Markdown"),
    "code_block": (
        "an indented code block",
        "lines indented by four spaces or a tab are read as code: remove the indent (paragraphs are separated by blank lines)",
    ),
    "fence": ("a code block", "remove the ``` lines"),
    "reference": ("a link reference definition", "remove the line: a printed book cannot follow links"),
}


_NEWLINE = re.compile("\n")

# The findings a tolerant parse (a draft or a paste) does not report: markers spelled the ways models write them.
TOLERATED = frozenset({"marker-spelling"})


class _Reader:
    """Turns one chapter's markdown-it tokens into typed blocks and findings, keeping every position."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.starts: list[int] = [0, *(m.end() for m in _NEWLINE.finditer(text))]  # offset of each line
        self.blocks: list[TextBlock] = []
        self.findings: list[Finding] = []

    # positions ---------------------------------------------------------------------------------

    def col_of(self, line: int, content: str) -> int:
        """Column where `content` (a line as markdown-it gives it, container markers removed) starts."""
        src = self.lines[line] if line < len(self.lines) else ""
        found = src.find(content.strip()[:20]) if content.strip() else -1
        return found if found >= 0 else len(src) - len(src.lstrip())

    def offset(self, line: int, col: int) -> int:
        """The character offset in the chapter text of a 0-based line and column."""
        return (self.starts[line] if line < len(self.starts) else len(self.text)) + col

    def find(self, line: int, col: int, construct: str, hint: str, message: str = "", code: str = "outside-grammar") -> None:
        message = message or f"{construct} is not part of chapter text; it is printed as typed"
        self.findings.append(Finding(line, col, construct, message, hint, code))

    # inline ------------------------------------------------------------------------------------

    def inline(self, content: str, line: int, children: list[Token] | None = None) -> Inline:
        """Inline text from markdown-it content starting on `line` (children parsed again when not given)."""
        parts = content.split("\n")
        source = " ".join(p.strip() for p in parts)
        col = self.col_of(line, parts[0])
        if children is None:
            tokens = markdown().parseInline(content)
            children = tokens[0].children or [] if tokens else []
        # Offsets in `source` map back to (line, col): each part is one source line.
        bounds, pos = [], 0
        for k, p in enumerate(parts):
            bounds.append((pos, line + k, self.col_of(line + k, p) if k else col))
            pos += len(p.strip()) + 1

        def outside(at: int, construct: str, hint: str) -> None:
            b = max((b for b in bounds if b[0] <= at), default=bounds[0])
            self.find(b[1], b[2] + at - b[0], construct, hint)

        return Inline(spans_of(children, source, outside), source, line, col, self.offset(line, col))

    # blocks ------------------------------------------------------------------------------------

    def add(self, block: TextBlock) -> None:
        self.blocks.append(block)

    def literal(self, kind: str, begin: int, end: int) -> None:
        """Lines outside the grammar: printed as typed (one paragraph, lines joined), with a finding."""
        lines = [ln.strip() for ln in self.lines[begin:end] if ln.strip()]
        if not lines:
            return
        col = self.col_of(begin, lines[0])
        construct, hint = OUTSIDE_BLOCKS[kind]
        self.find(begin, col, construct, hint)
        start = self.offset(begin, col)
        # Printed as one paragraph of its lines; the manuscript keeps the lines as they were.
        self.add(Paragraph(begin, col, start, end, Inline((Span(" ".join(lines)),), "\n".join(lines), begin, col, start, literal=True)))

    def paragraph(self, tok: Token, inline: Token) -> None:
        """A paragraph, or several with the illustration markers on lines of their own between them."""
        begin, end = tok.map or (0, 0)
        parts = inline.content.split("\n")
        marks = [marker(p) for p in parts]
        if not any(marks):
            text = self.inline(inline.content, begin, inline.children)
            self.add(Paragraph(begin, text.col, text.start, end, text))
            return
        # A marker line inside a paragraph stands on its own, as it always has: split around it.
        run: list[str] = []
        run_line = begin

        def flush() -> None:
            if run:
                text = self.inline("\n".join(run), run_line)
                self.add(Paragraph(run_line, text.col, text.start, run_line + len(run), text))
                run.clear()

        for k, (part, mark) in enumerate(zip(parts, marks)):
            if mark is None:
                if not run:
                    run_line = begin + k
                run.append(part)
                continue
            flush()
            line = begin + k
            col = self.col_of(line, part)
            ref, variant = mark
            self.add(IllustrationMarker(line, col, self.offset(line, col), line + 1, ref, part.strip(), variant))
            if variant:  # left out of the tolerant view (TOLERATED)
                self.find(
                    line,
                    col,
                    "an illustration marker",
                    f"write it as [illustration: {ref}]",
                    f"'{part.strip()}' is read as an illustration marker, but chapter text spells them [illustration: id]",
                    "marker-spelling",
                )
        flush()

    def contents(self, tokens: list[Token], what: str, begin: int) -> list[Inline]:
        """The inline texts inside a list or quote, one per paragraph, reporting anything nested."""
        out: list[Inline] = []
        for t in tokens:
            line = (t.map or (begin, begin))[0]
            if t.type == "inline":
                out.append(self.inline(t.content, line, t.children))
            elif t.type in ("html_block", "code_block", "fence"):  # no inline token: printed as typed, reported
                lines = [ln.strip() for ln in t.content.splitlines() if ln.strip()]
                if lines:
                    col = self.col_of(line, lines[0])
                    self.find(line, col, *OUTSIDE_BLOCKS[t.type])
                    out.append(Inline((Span(" ".join(lines)),), "\n".join(lines), line, col, self.offset(line, col), literal=True))
        nested = [t for t in tokens if t.type.endswith("_open") and t.type not in ("paragraph_open", "list_item_open")]
        if what == "list":
            items = sum(1 for t in tokens if t.type == "list_item_open")
            if nested or len(out) != items:
                t = nested[0] if nested else tokens[0]
                line = (t.map or (begin, begin))[0]
                self.find(
                    line,
                    self.col_of(line, self.lines[line] if line < len(self.lines) else ""),
                    "a list inside a list, or an item of several paragraphs",
                    "keep each item to one paragraph and lists one level deep",
                    "a list inside a list, or an item of several paragraphs, is printed as one flat list, one item per paragraph",
                )
        elif nested:
            line = (nested[0].map or (begin, begin))[0]
            self.find(
                line,
                self.col_of(line, self.lines[line]),
                "a list or heading inside a quote",
                "keep quotes to plain paragraphs",
                "a list or heading inside a quote is printed as plain quoted paragraphs",
            )
        return out

    def read(self, tokens: list[Token]) -> None:
        covered: set[int] = set()
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            begin, end = tok.map or (0, 0)
            covered.update(range(begin, end))
            close = i
            if tok.nesting == 1:
                close = next(j for j in range(i + 1, len(tokens)) if tokens[j].level == tok.level and tokens[j].nesting == -1)
            inner = tokens[i + 1 : close]
            kind = tok.type
            if kind == "paragraph_open":
                self.paragraph(tok, inner[0])
            elif kind == "heading_open":
                text = self.inline(inner[0].content, begin, inner[0].children)
                self.add(Heading(begin, text.col, text.start, end, int(tok.tag[1:]), text))
                if tok.markup in ("=", "-"):
                    self.find(
                        begin,
                        text.col,
                        "a heading underlined with === or ---",
                        "for a scene break, leave a blank line before ---; for a heading, write '## ' before it",
                        f"'{text.plain[:40]}' is a heading because of the line of === or --- under it",
                        "setext-heading",
                    )
            elif kind in ("bullet_list_open", "ordered_list_open"):
                items = tuple(self.contents(inner, "list", begin))
                col = self.col_of(begin, self.lines[begin])
                start = self.offset(begin, col)
                if kind == "bullet_list_open":
                    self.add(BulletList(begin, col, start, end, items))
                else:
                    self.add(NumberedList(begin, col, start, end, items, int(tok.attrGet("start") or 1)))
            elif kind == "blockquote_open":
                col = self.col_of(begin, self.lines[begin])
                self.add(BlockQuote(begin, col, self.offset(begin, col), end, tuple(self.contents(inner, "quote", begin))))
            elif kind == "hr":
                col = self.col_of(begin, self.lines[begin])
                self.add(SceneBreak(begin, col, self.offset(begin, col), end))
            elif kind in ("table_open", "html_block", "code_block", "fence"):
                self.literal(kind.removesuffix("_open"), begin, end)
            i = close + 1
        # markdown-it drops link reference definitions ("[x]: http://..."); print those as typed too.
        run: list[int] = []
        for n, ln in enumerate(self.lines + [""]):
            if ln.strip() and n not in covered:
                run.append(n)
            elif run:
                self.literal("reference", run[0], run[-1] + 1)
                run = []
        self.blocks.sort(key=lambda b: (b.line, b.col))


@functools.lru_cache(maxsize=512)
def parse(text: str, tolerant: bool = False) -> Parsed:
    """The typed blocks of chapter Markdown, and what in it is outside the grammar.

    `tolerant`: the text is a draft or a paste, so illustration markers written the
    ways models and chat windows write them ([Picture: x], *[Illustration: x]*) are
    not reported. They are markers either way, so the blocks are the same: the text
    is parsed once (strictly) and the tolerant view leaves those findings out.
    """
    if tolerant:
        strict = parse(text)
        return Parsed(strict.blocks, tuple(f for f in strict.findings if f.code not in TOLERATED))
    if (kept := _kept.pop(text, None)) is not None:  # an earlier run's parse of the same text (known_parses)
        return kept
    reader = _Reader(text)
    reader.read(markdown().parse(text))
    return Parsed(tuple(reader.blocks), tuple(sorted(reader.findings, key=lambda f: (f.line, f.col))))


# --- parses kept between runs ------------------------------------------------------------------

_kept: dict[str, Parsed] = {}  # texts whose parse an earlier run kept, read back by known_parses: parse() takes them


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known_parses(texts: Iterable[str], memo: Keeps) -> int:
    """Let :func:`parse` take each text's blocks from `memo` when an earlier run parsed the same text; returns how many.

    A build parses every chapter (lint reads each one's markers and sentences, the book
    view its blocks), but after an edit only one chapter is new: the others' blocks are
    read back (msgpack, in C) instead of parsed again, and the new one's are kept for next
    time. The memo is dropped whole when chapterbook changes, so a changed grammar never
    reads old blocks. Blocks a helper process parsed meanwhile (:func:`parse_elsewhere`)
    are taken into the memo first.
    """
    _take_from_helper(memo)
    known_inlines(memo)  # the strings' runs too: titles, captions, activities
    # Only this book's texts are held: in a long-running process (watch) a text parse() already has in its
    # own cache never takes its entry, and an edited chapter's old text never comes again.
    _kept.clear()
    found = 0
    for text in texts:
        made: list[bool] = []

        def make(text: str = text, made: list[bool] = made) -> bytes:
            made.append(True)
            return msgspec.msgpack.encode(parse(text))

        blob = memo.cached("parse", _key(text), make)
        if not made:
            _kept[text] = msgspec.msgpack.decode(blob, type=Parsed)
            found += 1
    return found


# --- parsing in a helper process ---------------------------------------------------------------

# The helper parsing now: (its process id, the pipe its blocks come through); None when there is none.
_helper: tuple[int, int] | None = None


def parse_elsewhere(texts: Iterable[str], memo: Keeps) -> bool:
    """Start parsing, in a helper process, the texts no earlier run kept; True when one was started.

    Loading markdown-it is most of what parsing an edited chapter costs (some 50-60 M
    instructions in a build, against a few for the parse), and a build needs its blocks
    only when lint starts. A copy of this process (fork) loads it and parses on the second core
    while this one does other work (the build loads its templates), and
    :func:`known_parses` takes the blocks into the memo. Nothing is started when every
    text is known, when markdown-it is loaded already (watch, after its first build: the
    parse alone is cheap), where fork is not safe (not POSIX, or other threads running,
    whose locks the copy could inherit held), or while another helper runs. Whatever
    the helper does not deliver is parsed here as before: it can only ever save time.
    """
    global _helper
    import os
    import sys
    import threading

    if _helper is not None or "markdown_it" in sys.modules or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    todo = {key: text for text in texts if memo.get("parse", key := _key(text)) is None}
    if not todo:
        return False
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or processes to spare: parse here
        os.close(read_end)
        os.close(write_end)
        return False
    if pid == 0:  # the helper: parse, send, and leave without running anything of the parent's (atexit, buffers)
        code = 1
        try:
            import signal

            os.close(read_end)
            for sig in (signal.SIGINT, signal.SIGTERM):  # a Ctrl-C ends it quietly; the parent says what happened
                signal.signal(sig, signal.SIG_DFL)
            data = memoryview(msgspec.msgpack.encode([(key, msgspec.msgpack.encode(parse(text))) for key, text in todo.items()]))
            while data:
                data = data[os.write(write_end, data) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    _helper = (pid, read_end)
    return True


def parsing_elsewhere() -> bool:
    """Whether a helper started by :func:`parse_elsewhere` has not been heard from yet."""
    return _helper is not None


def _take_from_helper(memo: Keeps | None) -> None:
    """Wait for the helper, if one runs, and keep the blocks it parsed in `memo` (None: only end it)."""
    global _helper
    import os
    import signal

    if _helper is None:
        return
    pid, read_end = _helper
    _helper = None
    chunks = []
    try:
        if memo is None:
            os.kill(pid, signal.SIGKILL)  # not wanted any more (the build stopped): no need to let it finish
        else:
            while chunk := os.read(read_end, 1 << 16):
                chunks.append(chunk)
    except OSError:
        chunks = []
    finally:
        os.close(read_end)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 1
    if memo is None or status != 0:
        return
    try:
        parsed = msgspec.msgpack.decode(b"".join(chunks), type=list[tuple[str, bytes]])
    except msgspec.DecodeError:
        return
    for key, blob in parsed:

        def kept(blob: bytes = blob) -> bytes:
            return blob

        memo.cached("parse", key, kept)


def stop_parsing_elsewhere() -> None:
    """End a helper nobody waited for (a build that stopped before lint): no process is left behind."""
    _take_from_helper(None)


# --- the flat view: one block per run of prose ---------------------------------------------------

BlockKind = Literal["paragraph", "dialogue", "illustration", "break", "heading"]


class FlatBlock(msgspec.Struct, frozen=True):
    """One run of prose (a paragraph, a list item, a quoted paragraph), a heading, a marker or a break.

    `text` is the Markdown as typed, lines joined with spaces; `start` its offset in
    the chapter text. What readability, sentence checks and compare metrics count.
    """

    kind: BlockKind
    text: str
    start: int
    ref: str = ""  # for illustrations: the slot id or the brief


def _prose(text: Inline) -> FlatBlock:
    plain = text.plain
    return FlatBlock("dialogue" if plain and plain[0] in _OPEN_QUOTES else "paragraph", text.source, text.start)


@functools.lru_cache(maxsize=512)
def _flat(text: str) -> tuple[FlatBlock, ...]:
    out: list[FlatBlock] = []
    for b in parse(text, tolerant=True).blocks:
        if isinstance(b, Paragraph):
            out.append(_prose(b.text))
        elif isinstance(b, Heading):
            out.append(FlatBlock("heading", b.text.source, b.text.start))
        elif isinstance(b, (BulletList, NumberedList)):
            out += [_prose(item) for item in b.items]
        elif isinstance(b, BlockQuote):
            out += [_prose(p) for p in b.paragraphs]
        elif isinstance(b, SceneBreak):
            out.append(FlatBlock("break", "\n".join(b_line.strip() for b_line in text.splitlines()[b.line : b.end]), b.start))
        elif isinstance(b, IllustrationMarker):
            out.append(FlatBlock("illustration", b.source, b.start, b.ref))
    return tuple(out)


def blocks(text: str) -> list[FlatBlock]:
    """The chapter as a flat list of prose runs, headings, illustration markers and breaks (from :func:`parse`)."""
    return list(_flat(text))


def paragraphs(text: str) -> list[FlatBlock]:
    """Only the prose runs (paragraphs, list items, quoted paragraphs)."""
    return [b for b in _flat(text) if b.kind in ("paragraph", "dialogue")]
