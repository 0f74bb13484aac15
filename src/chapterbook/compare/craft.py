"""Craft of one version: dialogue, questions, exclamations, reader challenges, clichés, repeats."""

from __future__ import annotations

import functools
import re
from collections import Counter
from operator import itemgetter
from pathlib import Path

from chapterbook.compare import lists
from chapterbook.compare.metrics import Craft, PhraseCount
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import norm
from chapterbook.text import words as split_words

REPEAT_N = 4  # a phrase of this many words used twice or more is a repeat
# Sentences (outside dialogue) that speak to the reader and ask them to do or think something.
_CHALLENGE = re.compile(
    r"^\s*(?:can you|could you|try\b|have you ever|what do you think|do you think|what would you|"
    r"guess\b|imagine\b|look at\b|find\b|see if you|next time you|why do you think|how many|what if you)",
    re.I,
)
_QUESTION_IN_QUOTE = re.compile(r"[?]+")
_EXCLAIM = re.compile(r"!+")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_YOU = re.compile(r"\byou\b", re.I)


@functools.lru_cache(maxsize=16)
def cliche_patterns(story_root: Path | None = None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compiled cliché phrases (shipped list plus the story's additions)."""
    out = []
    for phrase in lists.entries("cliches.txt", story_root):
        p = norm(phrase)
        body = r"\s+".join(re.escape(w) for w in p.split())
        out.append((phrase, re.compile(r"(?<![\w'])" + body + r"(?![\w'])")))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _cliche_checks(cliches: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[tuple[str, str, tuple[str, ...], re.Pattern[str]], ...]:
    """(phrase, first word, every word, pattern) per cliché, split once rather than per version."""
    out = []
    for phrase, pattern in cliches:
        ws = norm(phrase).split()
        out.append((phrase, ws[0].strip(",.!?"), tuple(ws), pattern))
    return tuple(out)


def _outside_quotes(text: str) -> str:
    return _QUOTED.sub(" ", text)


def measure(prose: Prose, cliches: tuple[tuple[str, re.Pattern[str]], ...], stopwords: frozenset[str]) -> Craft:
    """Dialogue share, character questions, exclamations, challenges, clichés, repeats, illustrations."""
    quoted_words = 0
    char_questions: list[str] = []
    for p, a, b in prose.quotes:
        chunk = prose.paragraphs[p][a:b]
        quoted_words += len(split_words(chunk))
        n_q = len(_QUESTION_IN_QUOTE.findall(chunk))
        char_questions.extend([chunk.strip('“”" ')] * n_q)
    # Counted by question marks, not sentences: '"Why?" asked Caleb.' is one sentence holding one question.
    all_questions = sum(len(_QUESTION_IN_QUOTE.findall(p)) for p in prose.paragraphs)
    exclamations = sum(len(_EXCLAIM.findall(p)) for p in prose.paragraphs)

    challenges = []
    for s in prose.sentences:
        outside = _outside_quotes(s.text).strip()
        if not outside or s.in_quotes and len(split_words(outside)) < 3:
            continue
        if _CHALLENGE.search(outside) or (_YOU.search(outside) and outside.rstrip().endswith("?")):
            challenges.append(s.text)

    flat = " ".join(norm(p) for p in prose.paragraphs)
    present = set(prose.lower)
    found_cliches = []
    for phrase, first, phrase_words, pattern in _cliche_checks(cliches):
        if first not in present:
            continue  # cheap pre-check: the phrase's first word is not in the text at all
        # The pattern matches each word literally, so a match needs every word somewhere in
        # the text: a substring test (fast, in C) rules most phrases out before the regex.
        if not all(w in flat for w in phrase_words):
            continue
        n = len(pattern.findall(flat))
        if n:
            found_cliches.append(PhraseCount(phrase, n))

    # zip builds the 4-word runs in C; Counter keeps first-seen order, which ties below rely on.
    grams: Counter[tuple[str, ...]] = Counter()
    for s in prose.sentences:
        ws = s.lower
        grams.update(zip(*(ws[k:] for k in range(REPEAT_N))))
    # Phrases seen twice or more, most frequent first (a stable sort, as most_common does).
    repeated = sorted(((g, c) for g, c in grams.items() if c >= 2), key=itemgetter(1), reverse=True)
    repeated = [(g, c) for g, c in repeated if any(w not in stopwords for w in g)]
    repeats = _merge_overlaps([PhraseCount(" ".join(g), c) for g, c in repeated])

    n_words = len(prose.lower)
    return Craft(
        dialogue_share=round(quoted_words / n_words, 3) if n_words else 0.0,
        character_questions=len(char_questions),
        character_question_texts=char_questions[:10],
        questions=all_questions,
        exclamations=exclamations,
        reader_challenges=challenges,
        cliches=found_cliches,
        repeated_phrases=repeats,
        illustration_slots=len(prose.illustrations),
        illustrations=list(prose.illustrations),
    )


def _merge_overlaps(repeats: list[PhraseCount], limit: int = 10) -> list[PhraseCount]:
    """Up to `limit` phrases, one per run of overlapping 4-word phrases (the most frequent)."""
    out: list[PhraseCount] = []
    for r in repeats:
        words = r.phrase.split()
        if any(" ".join(words[:-1]) in o.phrase or " ".join(words[1:]) in o.phrase for o in out):
            continue
        out.append(r)
        if len(out) >= limit:
            break
    return out
