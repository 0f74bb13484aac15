"""A version's prose, split once: paragraphs, sentences, words, dialogue spans.

Every metric module reads this one structure, so a version's text is parsed
once per report (this is what keeps 8 chapters x 4 versions well under a second).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chapterbook.compare.words import norm
from chapterbook.text import Block, blocks, plain, sentences, words

# A quoted stretch: straight or curly double quotes (single quotes are too often apostrophes).
_QUOTE = re.compile(r"“[^”]*”?|\"[^\"]*\"?")


@dataclass
class ProseSentence:
    text: str  # plain text (no Markdown emphasis)
    paragraph: int  # index into Prose.paragraphs
    start: int  # offset inside the paragraph's plain text
    words: list[str]
    in_quotes: list[str] = field(default_factory=list)  # the quoted parts inside this sentence
    lower: list[str] = field(default_factory=list)  # the words, normalised (computed once: every metric needs them)


@dataclass
class Prose:
    blocks: list[Block]
    paragraphs: list[str]  # plain text of each prose paragraph
    sentences: list[ProseSentence]
    words: list[str]
    lower: list[str]  # all words, normalised
    illustrations: list[str]  # refs/briefs of [illustration: ...] lines, in order
    quotes: list[tuple[int, int, int]]  # (paragraph, start, end) of each quoted stretch

    @property
    def word_count(self) -> int:
        return len(self.words)


def parse(text: str) -> Prose:
    """Split a version's Markdown into the pieces the metrics count."""
    bl = blocks(text)
    paras: list[str] = []
    sents: list[ProseSentence] = []
    quotes: list[tuple[int, int, int]] = []
    ills: list[str] = []
    for b in bl:
        if b.kind == "illustration":
            ills.append(b.ref)
            continue
        if b.kind not in ("paragraph", "dialogue"):
            continue
        p_index = len(paras)
        ptext = plain(b.text)
        paras.append(ptext)
        spans = [(m.start(), m.end()) for m in _QUOTE.finditer(ptext)]
        quotes.extend((p_index, s, e) for s, e in spans)
        for s in sentences(ptext):
            ws = words(s.text)
            if not ws:
                continue
            end = s.start + len(s.text)
            inside = [ptext[max(a, s.start) : min(e, end)] for a, e in spans if a < end and e > s.start]
            sents.append(ProseSentence(s.text, p_index, s.start, ws, inside, list(map(norm, ws))))
    all_words = [w for s in sents for w in s.words]
    return Prose(bl, paras, sents, all_words, [w for s in sents for w in s.lower], ills, quotes)
