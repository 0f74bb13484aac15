"""Inline text: runs of words with emphasis and strong, parsed by markdown-it, and their safe markup.

Every piece of story text that prints (a paragraph, a list item, a title, a
caption, a glossary definition) goes through here, so `*this*` means the same
thing everywhere. Story text is data: each run is escaped before it becomes
HTML or ReportLab markup, so `<`, `&` and stray tags can never break a page.
"""

from __future__ import annotations

import functools
import hashlib
import html
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from chapterbook.text.typography import smart_dashes, smart_quotes

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@functools.cache
def markdown() -> MarkdownIt:
    """The one markdown-it parser of story text, made on first use.

    CommonMark, plus GFM tables so that a table can be recognised (and warned about) rather
    than read as a paragraph of pipes. Raw HTML is recognised for the same reason. Loaded
    only when a text is really parsed: a build whose chapters' parses were all kept
    (text.grammar.known_parses) and whose strings were seen before never imports markdown-it,
    a tenth of a warm ebook build.
    """
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


class Span(msgspec.Struct, frozen=True):
    """A run of text with one style."""

    text: str
    emphasis: bool = False
    strong: bool = False


class Inline(msgspec.Struct, frozen=True):
    """Text with emphasis: the words of a paragraph, heading, list item or quote.

    `source` is the Markdown as typed (lines joined with spaces), what the manuscript
    prints and what sentence offsets count in; `line`/`col` (0-based) and `start` (a
    character offset) say where it begins in the chapter text.
    """

    spans: tuple[Span, ...]
    source: str
    line: int = 0
    col: int = 0
    start: int = 0
    literal: bool = False  # text outside the grammar, printed as typed: no typographer's punctuation either

    @property
    def plain(self) -> str:
        """The words without any markup."""
        return "".join(s.text for s in self.spans)


# What the grammar does not have, seen inline: (construct, hint). Printed as typed.
INLINE_OUTSIDE = {
    "image": (
        "a Markdown picture ![...](...)",
        "put the picture in story.yaml under the chapter's illustrations (image: ...) and mark its place with [illustration: id]",
    ),
    "link": ("a link [...](...)", "a printed book cannot follow a link: write the words only"),
    "code_inline": ("`code`", "remove the backticks"),
    "html_inline": ("HTML", "remove the tag; use *emphasis* or **strong** for emphasis"),
}

# Called with (offset in the inline source, construct, hint) for each construct outside the grammar.
OnOutside = Callable[[int, str, str], None]


def spans_of(children: Iterable[Token], source: str = "", on_outside: OnOutside | None = None) -> tuple[Span, ...]:
    """The runs of markdown-it inline tokens; anything outside the grammar is kept as typed and reported."""
    out: list[Span] = []
    em = strong = 0
    cursor = 0  # where in `source` to look for the next outside construct, to point at it
    link_href: list[str] = []

    def add(text: str) -> None:
        if not text:
            return
        if out and out[-1].emphasis == bool(em) and out[-1].strong == bool(strong):
            out[-1] = Span(out[-1].text + text, bool(em), bool(strong))
        else:
            out.append(Span(text, bool(em), bool(strong)))

    def outside(kind: str, needle: str) -> None:
        nonlocal cursor
        found = source.find(needle, cursor) if needle else -1
        at = found if found >= 0 else cursor
        cursor = at + max(1, len(needle))
        if on_outside is not None:
            on_outside(at, *INLINE_OUTSIDE[kind])

    for tok in children:
        kind = tok.type
        if kind == "text":
            add(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            add(" ")  # a line break inside a paragraph is a space (see docs/grammar.md)
        elif kind == "em_open":
            em += 1
        elif kind == "em_close":
            em -= 1
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "code_inline":
            outside("code_inline", tok.markup)
            add(tok.markup + tok.content + tok.markup)
        elif kind == "html_inline":
            outside("html_inline", tok.content)
            add(tok.content)
        elif kind == "image":
            outside("image", "![")
            add(f"![{tok.content}]({tok.attrGet('src') or ''})")
        elif kind == "link_open":
            outside("link", "[")
            link_href.append(str(tok.attrGet("href") or ""))
            add("[")
        elif kind == "link_close":
            add(f"]({link_href.pop() if link_href else ''})")
        else:  # anything a later markdown-it adds: its text as typed
            add(tok.content)
    return tuple(out)


class Keeps(Protocol):
    """What the text modules need of the book's memo (chapterbook.spec.memo.Memo)."""

    def get(self, kind: str, key: str) -> Any: ...

    def cached(self, kind: str, key: str, make: Callable[[], Any]) -> Any: ...


# The book's memo, where strings' runs are kept between runs (known_inlines); None: parsed in every run.
_memo: Keeps | None = None


def known_inlines(memo: Keeps | None) -> None:
    """Keep the runs of the strings parse_inline reads in `memo` from now on (the book being built), and read them back.

    Titles, captions, activities and glossary entries are parsed by markdown-it as they are
    printed; kept by their text in the book's memo, a build in which no string changed never
    loads markdown-it for them (see markdown()). text.grammar.known_parses sets it, as lint
    starts, with the chapters' parses.
    """
    global _memo
    _memo = memo


@functools.lru_cache(maxsize=4096)
def parse_inline(text: str) -> tuple[Span, ...]:
    """The runs of a one-paragraph Markdown string (a title, a brief, a definition)."""
    if not text:
        return ()
    memo = _memo
    if memo is None:
        return _parse_inline(text)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    blob = memo.cached("inline", key, lambda: msgspec.msgpack.encode(_parse_inline(text)))
    return msgspec.msgpack.decode(blob, type=tuple[Span, ...])


def _parse_inline(text: str) -> tuple[Span, ...]:
    tokens = markdown().parseInline(text)
    return spans_of(tokens[0].children or [] if tokens else [], text)


@functools.lru_cache(maxsize=8192)
def typeset_spans(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """The runs with typographer's punctuation, judged over the whole text at once.

    Dashes and ellipses are set run by run; quotes over the joined text (quotes keep
    its length), so a quote beside an emphasised word opens or closes by the words
    around it, not by the run it happens to sit in.
    """
    dashed = [smart_dashes(s.text) for s in spans]
    quoted = smart_quotes("".join(dashed))
    out, pos = [], 0
    for s, text in zip(spans, dashed):
        out.append(Span(quoted[pos : pos + len(text)], s.emphasis, s.strong))
        pos += len(text)
    return tuple(out)


def spans_markup(spans: Iterable[Span], *, bold: str = "b", italic: str = "i") -> str:
    """Runs as escaped HTML-like markup: <b>/<i> for ReportLab, <strong>/<em> for HTML."""
    out = []
    for s in spans:
        text = html.escape(s.text, quote=False)
        if s.emphasis:
            text = f"<{italic}>{text}</{italic}>"
        if s.strong:
            text = f"<{bold}>{text}</{bold}>"
        out.append(text)
    return "".join(out)


def markup(value: Inline | str, *, bold: str = "b", italic: str = "i", quotes: bool = False) -> str:
    """Inline text (parsed, or a Markdown string to parse) as escaped markup, typeset when `quotes`."""
    spans = value.spans if isinstance(value, Inline) else parse_inline(value)
    if quotes and not (isinstance(value, Inline) and value.literal):
        spans = typeset_spans(spans)
    return spans_markup(spans, bold=bold, italic=italic)


def inline_markup(markdown_inline: str, *, bold: str = "b", italic: str = "i", quotes: bool = False) -> str:
    """Inline Markdown (*italic*, **bold**) as escaped HTML-like markup.

    Everything else in the text is escaped, so `<`, `&` and stray tags in a
    story can never break ReportLab paragraphs or an HTML page. `quotes`: set
    typographer's punctuation (quotes, dashes, ellipses) over the whole text.
    """
    return markup(markdown_inline, bold=bold, italic=italic, quotes=quotes)
