"""Popular myths about scientists (an apple on Newton's head, Edison alone inventing the light bulb, ...).

The shipped list (data/myths.txt, sources in docs/metrics.md) is keyed by scientist;
a story adds its own in <story folder>/compare/myths.txt. A sentence holds a myth when
the scientist is named in it or in the two sentences before it, and every word group
of the myth is there (by lemma). Read in context: a myth that the text corrects
("People say an apple hit Newton's head. That is just a story.") is handled; one stated
as fact is flagged with its sentence. Limits: the word groups are short, so a sentence
that uses the words for another purpose can match; a myth told without naming the
scientist nearby is missed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from chapterbook.compare import context, lists
from chapterbook.compare.metrics import MythHit
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import lemma, norm

NAME_WINDOW = 2  # the scientist may be named this many sentences before the myth's sentence


@dataclass(frozen=True)
class Myth:
    scientist: str
    names: frozenset[str]
    myth: str
    groups: tuple[frozenset[str], ...]  # each group: lemmas, any one of which must be in the sentence
    truth: str


@functools.lru_cache(maxsize=16)
def load(story_root: Path | None = None) -> tuple[Myth, ...]:
    """The myths: shipped list plus the story's additions."""
    out: list[Myth] = []
    key, names = "", frozenset[str]()
    for line in lists.entries("myths.txt", story_root):
        head = re.fullmatch(r"\[\s*([^:\]]+?)\s*(?::\s*([^\]]*))?\]", line)
        if head:
            key = head.group(1).strip().lower()
            names = frozenset(norm(n.strip()) for n in (head.group(2) or key).split(",") if n.strip())
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or not key:
            continue
        groups = tuple(frozenset(lemma(w.strip()) for w in g.split("/") if w.strip()) for g in parts[1].split(";") if g.strip())
        out.append(Myth(key, names, parts[0], groups, parts[2] if len(parts) > 2 else ""))
    return tuple(out)


def find(prose: Prose, myths: tuple[Myth, ...]) -> list[MythHit]:
    """Every sentence telling a myth, with whether the text corrects it and who says it."""
    if not myths:
        return []
    # Words without a possessive 's, so "Newton's head" names Newton.
    sent_words = [{w[:-2] if w.endswith("'s") else w for w in s.lower} for s in prose.sentences]
    all_names = frozenset().union(*(m.names for m in myths))
    named_here = [words & all_names for words in sent_words]  # most sentences name no scientist: skipped at once
    out: list[MythHit] = []
    for i, words in enumerate(sent_words):
        named = set().union(*named_here[max(0, i - NAME_WINDOW) : i + 1])
        if not named:
            continue
        have = {lemma(w) for w in words} | words
        for m in myths:
            if m.names & named and all(g & have for g in m.groups):
                fixed = context.correction(prose, i, claim=m.myth)
                who = context.speaker(prose, i)
                out.append(MythHit(m.scientist, m.myth, m.truth, prose.sentences[i].text, bool(fixed), who, fixed))
    return out
