"""Chapter text: Markdown into blocks, sentences and words, and safe inline markup.

Story text is data. Nothing here ever passes it to a template engine or to
ReportLab as markup without escaping it first.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

# The formulas live in one module; syllables is re-exported for callers that read it from here.
from chapterbook.readability import flesch_kincaid, syllables  # noqa: F401

# --- versions of a chapter ---------------------------------------------------------


@dataclass
class ChapterVersion:
    """One version of one chapter: the human text, an LLM draft or a pasted one.

    `origin` says where it came from (file, model, run id, sample), so every
    stage can show provenance without knowing who produced it.
    """

    chapter: int  # 0-based index into spec.chapters
    label: str  # short, shown in column headings: "human", "gpt-4o-mini #1", "pasted"
    text: str
    origin: dict = field(default_factory=dict)
    title: str | None = None
    illustrations: list[str] = field(default_factory=list)  # briefs the version asks for


# --- blocks ---------------------------------------------------------------------------

BlockKind = Literal["paragraph", "dialogue", "illustration", "break", "heading"]

_ILLUSTRATION = re.compile(r"^\s*\[\s*illustration\s*:\s*(?P<body>.+?)\s*\]\s*$", re.IGNORECASE)
_BREAK = re.compile(r"^\s*(?:\*\s*){3,}$|^\s*(?:-\s*){3,}$|^\s*(?:_\s*){3,}$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<body>.+?)\s*#*\s*$")
_OPEN_QUOTES = "\"“‘'«"


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str  # the Markdown source of the block, lines joined with spaces
    start: int  # character offset of the block in the chapter text
    ref: str = ""  # for illustrations: the slot id or the brief


def blocks(text: str) -> list[Block]:
    """Split chapter Markdown into paragraphs, dialogue, illustration markers and breaks.

    A paragraph is lines separated by a blank line. A line `[illustration: id]`
    stands for an illustration slot (or a brief, in pasted drafts).
    """
    out: list[Block] = []
    buf: list[str] = []
    buf_start = 0
    offset = 0

    def flush() -> None:
        if buf:
            joined = " ".join(s.strip() for s in buf).strip()
            if joined:
                kind: BlockKind = "dialogue" if joined[0] in _OPEN_QUOTES else "paragraph"
                out.append(Block(kind, joined, buf_start))
            buf.clear()

    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        m_ill = _ILLUSTRATION.match(stripped)
        m_head = _HEADING.match(line)
        if not stripped:
            flush()
        elif m_ill:
            flush()
            out.append(Block("illustration", stripped, offset, m_ill.group("body").strip()))
        elif _BREAK.match(stripped):
            flush()
            out.append(Block("break", stripped, offset))
        elif m_head:
            flush()
            out.append(Block("heading", m_head.group("body"), offset))
        else:
            if not buf:
                buf_start = offset + (len(line) - len(line.lstrip()))
            buf.append(line)
        offset += len(line)
    flush()
    return out


def paragraphs(text: str) -> list[Block]:
    """Only the prose blocks (paragraphs and dialogue)."""
    return [b for b in blocks(text) if b.kind in ("paragraph", "dialogue")]


# --- sentences and words --------------------------------------------------------------

_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "vs", "etc", "e.g", "i.e", "mt"}
# End of sentence: . ! ? (or …) possibly followed by closing quotes/brackets,
# then whitespace and something that can start a sentence.
# Emphasis markers (*, _) may close a sentence ("*Click!*") or open the next.
_SENTENCE_END = re.compile(r"([.!?…]+)([\"”’')\]*_]*)(\s+)(?=[\"“‘'(\[*_]*[A-Z0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]+(?:['’][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_MARKUP = re.compile(r"(\*\*|\*|__|_(?=\w)|(?<=\w)_|`)")


# After a closing quote, "Caleb asked." continues the same sentence.
_SPEECH_TAG = re.compile(
    r"(?:[A-Z][\w'’]*\s+){1,2}(?:said|asked|cried|called|shouted|yelled|whispered|replied|answered|laughed|"
    r"giggled|added|says|asks|exclaimed|gasped|squealed|groaned|explained)\b"
)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the text it was split from


def plain(markdown_inline: str) -> str:
    """Inline Markdown without its emphasis markers."""
    # Most text has no marker at all; three substring tests (in C) are much cheaper than
    # the regex, and give the same result: every marker holds one of these characters.
    if "*" not in markdown_inline and "_" not in markdown_inline and "`" not in markdown_inline:
        return markdown_inline
    return _MARKUP.sub("", markdown_inline)


def sentences(text: str, base: int = 0) -> list[Sentence]:
    """Split prose into sentences, keeping each sentence's offset.

    Dialogue such as `"Wow!" said Cassie.` stays one sentence because the word
    after the quote is lower-case.
    """
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start()].rstrip()
        last_word = before.rsplit(None, 1)[-1].lower().strip("\"“‘'(") if before else ""
        if m.group(1) == "." and last_word in _ABBREVIATIONS:
            continue
        if m.group(2) and m.group(2)[-1] in "\"”’'" and _SPEECH_TAG.match(text, m.end()):
            continue
        # "No. 5" is an abbreviation; "No. The wheels are fine." is not.
        if m.group(1) == "." and last_word == "no" and text[m.end() : m.end() + 1].isdigit():
            continue
        end = m.end(2)
        chunk = text[start:end].strip()
        if chunk:
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            out.append(Sentence(chunk, base + start + lead))
        start = m.end()
    tail = text[start:].strip()
    if tail:
        lead = len(text[start:]) - len(text[start:].lstrip())
        out.append(Sentence(tail, base + start + lead))
    return out


def words(text: str) -> list[str]:
    """The words of a text (letters, digits and inner apostrophes)."""
    return _WORD.findall(plain(text))


def flesch_kincaid_grade(text: str) -> float | None:
    """Flesch-Kincaid grade level of prose, or None when there is no prose."""
    sents = [s for b in paragraphs(text) for s in sentences(b.text)]
    ws = [w for s in sents for w in words(s.text)]
    if not sents or not ws:
        return None
    return flesch_kincaid(len(ws), len(sents), sum(syllables(w) for w in ws))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """0-based line and column of a character offset."""
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return line, col


# --- typographer's quotes -----------------------------------------------------------------

# Characters after which a quote mark opens rather than closes (when a word follows it).
_BEFORE_OPENING = frozenset(" \t\n([{\u2018\u201c\u2014\u2013-/\"'")  # quotes too: "'Hi,' she said"
# Markdown emphasis markers are looked through: *"Wow!"* opens and closes like "Wow!".
_MARKERS = "*_"
# Words that start with an apostrophe, not an opening quote: 'em, 'cause, the '90s.
_ELISION = re.compile(r"(?:em|cause|til|bout|round|tis|twas|n)\b|\d0s\b", re.IGNORECASE)
CURLY_QUOTES = "\u2018\u2019\u201c\u201d"  # ‘ ’ “ ”
# What typed dashes and dots become, as Pandoc's and Python-Markdown's "smart" punctuation does.
_DASHES = re.compile(r"---|--|\.\.\.")
_DASH_FOR = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}  # — – …
TYPOGRAPHERS = CURLY_QUOTES + "\u2013\u2014\u2026"  # every character typeset() may put in


def _beside(text: str, i: int, step: int) -> str:
    """The character next to position i, looking through emphasis markers; "" at either end."""
    i += step
    while 0 <= i < len(text) and text[i] in _MARKERS:
        i += step
    return text[i] if 0 <= i < len(text) else ""


def smart_quotes(text: str) -> str:
    """English text with straight quotes and apostrophes made typographer's ones: “ ” ‘ ’.

    Printed books never set straight quotes. A quote opens when it follows a
    space, an opening bracket or a dash and a word follows it; otherwise it
    closes. A straight single quote after a letter or digit is an apostrophe
    (don't, the kids' towels), as is one starting 'em, 'cause or the '90s; the
    apostrophe is the same character as the closing single quote. Only the
    quote characters change: the text keeps its length and everything else.
    """
    if "'" not in text and '"' not in text:
        return text
    out = list(text)
    for i, ch in enumerate(text):
        if ch not in "'\"":
            continue
        before, after = _beside(text, i, -1), _beside(text, i, +1)
        opens = (before == "" or before in _BEFORE_OPENING) and after != "" and not after.isspace()
        if ch == '"':
            out[i] = "\u201c" if opens else "\u201d"
        elif before.isalnum() or (opens and _ELISION.match(text, i + 1)):
            out[i] = "\u2019"
        else:
            out[i] = "\u2018" if opens else "\u2019"
    return "".join(out)


def smart_dashes(text: str) -> str:
    """`---` as an em dash (—), `--` as an en dash (–) and `...` as an ellipsis (…)."""
    if "--" not in text and "..." not in text:
        return text
    return _DASHES.sub(lambda m: _DASH_FOR[m.group()], text)


def typeset(text: str) -> str:
    """Typed punctuation as a printed book sets it: dashes and ellipses, then quotes and apostrophes.

    Dashes first, so a quote after a dash ("Wait--"Stop!") is judged beside the dash it becomes.
    """
    return smart_quotes(smart_dashes(text))


# --- safe inline markup -------------------------------------------------------------------

_EMPH = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(\*|_)(?=\S)(.+?)(?<=\S)\3")


def inline_markup(markdown_inline: str, *, bold: str = "b", italic: str = "i", quotes: bool = False) -> str:
    """Inline Markdown (*italic*, **bold**) as escaped HTML-like markup.

    Everything else in the text is escaped, so `<`, `&` and stray tags in a
    story can never break ReportLab paragraphs or an HTML page. `quotes`: set
    typographer's punctuation first (:func:`typeset`: quotes, dashes, ellipses),
    over the whole text, so a quote beside an emphasis marker is judged by the
    words around it.
    """
    if quotes:
        markdown_inline = typeset(markdown_inline)
    out: list[str] = []
    pos = 0
    for m in _EMPH.finditer(markdown_inline):
        out.append(html.escape(markdown_inline[pos : m.start()], quote=False))
        if m.group(1):
            out.append(f"<{bold}>{inline_markup(m.group(2), bold=bold, italic=italic)}</{bold}>")
        else:
            out.append(f"<{italic}>{inline_markup(m.group(4), bold=bold, italic=italic)}</{italic}>")
        pos = m.end()
    out.append(html.escape(markdown_inline[pos:], quote=False))
    return "".join(out)
