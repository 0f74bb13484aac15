"""Prose as readers and readability formulas count it: sentences, words, syllables, grade.

These operate on the text of one block (a paragraph, a list item) as the grammar
(:mod:`chapterbook.text.grammar`) gives it; nothing here reads Markdown structure.
"""

from __future__ import annotations

import re

import msgspec

# The formulas live in one module; syllables is re-exported for callers that read it from here.
from chapterbook.readability import flesch_kincaid, syllables
from chapterbook.text.grammar import paragraphs

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


class Sentence(msgspec.Struct, frozen=True):
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
