"""Conformance: manuscript.md, preview.html, book.pdf and book.epub print the same blocks of chapter text.

A fixture chapter that uses every construct of the grammar (docs/grammar.md) and both sample
books are built with `chapterbook build`; then each output is read back on its own terms
(the manuscript with a CommonMark parser, the preview and the ebook's chapter pages with an HTML
parser, the PDF through `pdftotext -layout`) and must carry the same blocks, in the same order, with the same words,
captions included. Words are compared after normalising what typesetting changes: curly
quotes, dashes, ellipses, case, and words hyphenated at a line end.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from markdown_it import MarkdownIt

from chapterbook.book import book_view
from chapterbook.cli import main
from chapterbook.spec.load import load_story
from chapterbook.spec.models import Placement
from chapterbook.text import parse_inline

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "grammar-book" / "story.yaml"
BOOKS = {
    "grammar-book": FIXTURE,
    "beach-ride-quest": REPO / "stories" / "beach-ride-quest" / "story.yaml",
    "magnet-mystery": REPO / "stories" / "magnet-mystery" / "story.yaml",
}
BREAK_WORD = "scenebreak"  # what a scene break's ornament line is read as in the PDF
ITEM = "|"  # between the items of a list

Block = tuple[str, tuple[str, ...]]  # (kind, words); kind "fig:<id>" for an illustration, its words the caption's


def words(text: str) -> tuple[str, ...]:
    """The words of a text, normalised: hyphenated line ends joined, inner hyphens dropped, quotes straight, lower case."""
    text = text.replace("\u00ad", "")
    text = re.sub(r"(?<=\w)-\s*\n\s*(?=\w)", "", text)
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return tuple(w.lower() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", text))


def joined(items: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for k, item in enumerate(items):
        out += ([ITEM] if k else []) + list(words(item))
    return tuple(out)


def plain(markdown_inline: str) -> str:
    return "".join(s.text for s in parse_inline(markdown_inline))


# --- what the book view says each chapter holds -------------------------------------------------


def reference(story) -> list[list[Block]]:
    """Per chapter, the blocks every output must print (from the book view all renderers share)."""
    chapters = []
    for ch in book_view(story).chapters:
        out: list[Block] = []
        if ch.opener is not None:
            out.append((f"fig:{ch.opener.id}", words(plain(ch.opener_caption))))
        for item in ch.flow:
            if item.kind == "illustration":
                out.append((f"fig:{item.illustration.id}", words(plain(item.caption))))
            elif item.kind in ("paragraph", "dialogue"):
                out.append(("p", words(item.plain)))
            elif item.kind == "heading":
                out.append(("h", words(item.plain)))
            elif item.kind in ("bullet_list", "numbered_list"):
                out.append(("ul" if item.kind == "bullet_list" else "ol", joined([i.plain for i in item.items])))
            elif item.kind == "quote":
                out.append(("quote", words(" ".join(p.plain for p in item.paragraphs))))
            elif item.kind == "break":
                out.append(("break", ()))
        chapters.append(out)
    return chapters


# --- manuscript.md, read with a CommonMark parser -------------------------------------------------

_FIGURE = re.compile(r"^\*\*\[(?:Opener illustration|Illustration \(\w+\)): (?P<id>[^\]]+)\]\*\*")
_CHAPTER_END = re.compile(r"^(?:### Try it: .*|### Think about it|---)$", re.MULTILINE)


def manuscript_blocks(md_text: str) -> list[list[Block]]:
    md = MarkdownIt("commonmark")
    chapters = []
    for section in re.split(r"^## Chapter \d+: .*$", md_text, flags=re.MULTILINE)[1:]:
        end = _CHAPTER_END.search(section)
        tokens = md.parse(section[: end.start()] if end else section)
        out: list[Block] = []
        i = 0
        while i < len(tokens):
            t = tokens[i]
            close = i if t.nesting != 1 else next(j for j in range(i + 1, len(tokens)) if tokens[j].level == t.level and tokens[j].nesting == -1)
            inlines = [x.content for x in tokens[i:close] if x.type == "inline"]
            if t.type == "paragraph_open":
                text = inlines[0]
                if not (text.startswith("*Science: ") or text == "*(This chapter has no text yet.)*"):
                    out.append(("p", words(text)))
            elif t.type == "heading_open":
                out.append(("h", words(inlines[0])))
            elif t.type in ("bullet_list_open", "ordered_list_open"):
                out.append(("ul" if t.type == "bullet_list_open" else "ol", joined(inlines)))
            elif t.type == "blockquote_open":
                m = _FIGURE.match(inlines[0])
                if m:
                    caption = next((x.removeprefix("*Caption:*") for x in inlines[1:] if x.startswith("*Caption:*")), "")
                    out.append((f"fig:{m['id']}", words(caption)))
                else:
                    out.append(("quote", words(" ".join(inlines))))
            elif t.type == "hr":
                out.append(("break", ()))
            i = close + 1
        chapters.append(out)
    return chapters


# --- preview.html, read with an HTML parser -----------------------------------------------------


class _Html(HTMLParser):
    """The blocks of each chapter (`container` with class "chapter"), up to its activity and questions."""

    KINDS: ClassVar[dict[tuple[str, str], str]] = {("p", "paragraph"): "p", ("p", "dialogue"): "p", ("ul", "text-list"): "ul", ("ol", "text-list"): "ol"}

    def __init__(self, container: str, heading: str):
        super().__init__()
        self.container, self.kinds = container, {**self.KINDS, (heading, "heading"): "h"}
        self.chapters: list[list[Block]] = []
        self.inside = False
        self.block: list | None = None  # [kind, tag, depth, texts]
        self.capture = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == self.container and "chapter" in cls.split():
            self.chapters.append([])
            self.inside = True
            return
        if not self.inside:
            return
        if self.block is not None:
            if tag == self.block[1]:
                self.block[2] += 1
            if tag == "figcaption":
                self.capture = True
            if tag == "li":
                self.block[3].append("")
            return
        if tag == "section":
            self.inside = False
        elif tag == "figure":
            self.block, self.capture = [f"fig:{a['id'].removeprefix('ill-')}", tag, 0, [""]], False
        elif tag in ("p", "hr") and cls == "break":
            self.chapters[-1].append(("break", ()))
        elif tag == "blockquote":
            self.block, self.capture = ["quote", tag, 0, [""]], True
        elif (tag, cls) in self.kinds:
            kind = self.kinds[(tag, cls)]
            self.block, self.capture = [kind, tag, 0, [] if kind in ("ul", "ol") else [""]], True

    def handle_endtag(self, tag):
        if tag == self.container and self.block is None:
            self.inside = False
        if self.block is None:
            return
        if tag == "figcaption":
            self.capture = False
        if tag == self.block[1]:
            if self.block[2]:
                self.block[2] -= 1
                return
            kind, _, _, texts = self.block
            self.chapters[-1].append((kind, joined(texts) if kind in ("ul", "ol") else words(" ".join(texts))))
            self.block, self.capture = None, False

    def handle_data(self, data):
        if self.block is not None and self.capture:
            self.block[3][-1] += data + " "


def preview_blocks(html: str) -> list[list[Block]]:
    parser = _Html("article", "h3")
    parser.feed(html)
    return parser.chapters


def epub_blocks(epub: Path) -> list[list[Block]]:
    parser = _Html("section", "h2")
    with zipfile.ZipFile(epub) as z:
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"EPUB/chapter-\d+\.xhtml", n)):
            parser.feed(z.read(name).decode("utf-8"))
    return parser.chapters


# --- book.pdf, read through pdftotext ------------------------------------------------------------

BACK_SECTIONS = {"Glossary", "Meet the Scientist", "Meet the Scientists", "Try It!", "Think About It", "A Note for Grown-ups"}


def pdf_chapters(pdf: Path, titles: list[str]) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Per chapter: the words of its text pages (running heads, page numbers and its title left out)
    and the words of each page of its own (a full-page illustration)."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    pages = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in text.split("\f")]
    starts = [next(k for k, p in enumerate(pages) if p and p[0] == f"Chapter {n}") for n in range(1, len(titles) + 1)]
    back = next(k for k, p in enumerate(pages) if k > starts[-1] and p and p[0] in BACK_SECTIONS)
    out = []
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else back
        flow: list[str] = []
        art: list[tuple[str, ...]] = []
        for k in range(first, last):
            lines = pages[k]
            if k == first:
                title = words(titles[n])
                lines = lines[1:]  # "Chapter N"
                while title and lines:  # the title, over as many lines as it took
                    title = title[len(words(lines[0])) :]
                    lines = lines[1:]
            elif lines and lines[-1].isdigit():
                lines = lines[1:-1]  # the running head and the page number
            else:
                if lines:
                    art.append(words("\n".join(lines)))
                continue
            flow += [f" {BREAK_WORD} " if re.fullmatch(r"\*\s*\*\s*\*", ln) else ln for ln in lines]
        out.append((words("\n".join(flow)), art))
    return out


def pdf_expected(blocks: list[Block], story, ci: int) -> tuple[list[Block], list[Block]]:
    """The chapter's blocks as the PDF shows them: (in the text, on pages of their own)."""
    full = {ill.id for ill in story.spec.chapters[ci].illustrations if ill.placement == Placement.full}
    flow, pages = [], []
    for kind, ws in blocks:
        if kind == "break":
            ws = (BREAK_WORD,)
        elif kind == "ol":  # numbered items print their numbers
            items, ws, n = " ".join(ws).split(f" {ITEM} "), (), 1
            for item in items:
                ws += (str(n), *item.split())
                n += 1
        elif kind == "ul":
            ws = tuple(w for w in ws if w != ITEM)
        (pages if kind.removeprefix("fig:") in full else flow).append((kind, ws))
    return flow, pages


def _find(stream: list[str], ws: tuple[str, ...], start: int) -> int | None:
    """Where `ws` first occurs in `stream` at or after `start`."""
    return next((k for k in range(start, len(stream) - len(ws) + 1) if tuple(stream[k : k + len(ws)]) == ws), None)


def find_in_order(stream: tuple[str, ...], blocks: list[Block]) -> None:
    """Each text block's words, in order and unbroken, but for pictures; a picture's words (its labels, a
    placeholder's brief, then its caption) either where the text calls it, or later in the chapter
    (a float: render.flowables.Float moves a picture with no room left on its page to the top of the
    next), where they may interrupt the text once, ending with the caption. Never earlier."""
    words = list(stream)
    cursor = 0
    pending: list[tuple[str, ...]] = []  # captions of pictures not found where they were called
    previous = "fig:"  # the chapter opener's picture may come first
    for i, (kind, ws) in enumerate(blocks):
        if kind.startswith("fig:"):
            following = next((w for k, w in blocks[i + 1 :] if not k.startswith("fig:") and w), None)
            at = _find(words, ws, cursor) if ws else None
            whole = _find(words, following, cursor) if following else None  # the text after it, unbroken
            if ws and at is not None and not (following and words[cursor : cursor + 1] == list(following[:1])):
                cursor = at + len(ws)  # in place: its labels, then its caption, before the text after it
            elif not ws and whole is not None and whole > cursor:
                cursor = whole  # in place, no caption: its labels up to the text after it
            else:
                pending.append(ws)  # moved on: it must turn up later in the chapter
            previous = kind
            continue
        j = 0
        while j < len(ws):
            if cursor < len(words) and words[cursor] == ws[j]:
                cursor, j = cursor + 1, j + 1
                continue
            assert pending, f"{kind} block not found right after word {cursor}: {' '.join(ws)[:200]!r}\nthe PDF has: {' '.join(words[cursor : cursor + 40])!r}"
            # A picture that moved on interrupts the text here, or a word or two back where the
            # block's words and its caption's begin alike: its words end with its caption (or, with
            # no caption, run up to where this block's words go on).
            caption = pending.pop(0)
            for back in range(j + 1):
                k, rest = cursor - back, ws[j - back :]
                end = _find(words, caption, k) if caption else _find(words, rest, k)
                if end is None:
                    continue
                trial = words[:k] + words[end + len(caption) :]
                if tuple(trial[k : k + min(3, len(rest))]) == rest[:3]:
                    words, cursor, j = trial, k, j - back
                    break
            else:
                raise AssertionError(f"{kind} block broken at word {cursor} by something that is no picture: {' '.join(words[cursor : cursor + 40])!r}")
        previous = kind
    for caption in pending:  # pictures placed after the chapter's last line
        end = _find(words, caption, cursor) if caption else cursor
        assert end is not None, f"a picture's caption {caption} is not in its chapter after where it is called"
        cursor, previous = end + len(caption), "fig:"
    assert previous.startswith("fig:") or cursor == len(words), f"the PDF has more text at the end: {' '.join(words[cursor:])[:200]!r}"


# --- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("conformance")
    for name, story in BOOKS.items():
        assert main(["build", str(story), "--format", "md,html,pdf,epub", "--output", str(out)]) == 0, name
    return out


FIXTURE_BLOCKS = [
    "fig:opener", "p", "h", "p", "p", "fig:ball-rolls", "p", "ul", "p", "ol", "quote", "break",
    "p", "fig:push-diagram", "p", "fig:big-picture", "p",
]  # fmt: skip


def test_the_fixture_chapter_uses_every_construct_and_every_caption():
    story = load_story(FIXTURE)
    (chapter,) = reference(story)
    assert [kind for kind, _ in chapter] == FIXTURE_BLOCKS
    captions = dict(chapter)
    assert captions["fig:opener"] == ("maya's", "new", "red", "ball")
    assert captions["fig:push-diagram"] == words("A push makes the still cart move.")  # a diagram's caption
    assert captions["fig:big-picture"] == words("The cart rolled all the way to the door.")  # a full-page picture's
    assert captions["ol"] == joined(["Roll the ball fast.", "Watch it go.", "See what stops it."])


@pytest.mark.parametrize("name", list(BOOKS))
def test_manuscript_preview_and_ebook_print_the_same_blocks_as_the_book_view(built, name):
    story = load_story(BOOKS[name])
    expected = reference(story)
    assert any(kind.startswith("fig:") and ws for ch in expected for kind, ws in ch), "every book here has a caption"
    folder = built / name
    assert manuscript_blocks((folder / "manuscript.md").read_text(encoding="utf-8")) == expected
    assert preview_blocks((folder / "preview.html").read_text(encoding="utf-8")) == expected
    assert epub_blocks(folder / "book.epub") == expected


@pytest.mark.parametrize("name", list(BOOKS))
def test_the_pdf_prints_the_same_blocks_in_the_same_order(built, name):
    story = load_story(BOOKS[name])
    expected = reference(story)
    titles = [c.title for c in story.spec.chapters]
    for ci, ((stream, art_pages), blocks) in enumerate(zip(pdf_chapters(built / name / "book.pdf", titles), expected)):
        flow, on_own_pages = pdf_expected(blocks, story, ci)
        find_in_order(stream, flow)
        # A full-page picture (or diagram) is a page of its own, its caption at the foot of it.
        assert len(art_pages) >= len(on_own_pages)
        for kind, caption in on_own_pages:
            assert any(page[len(page) - len(caption) :] == caption for page in art_pages), f"{kind}: caption {caption} on no page of its own"
