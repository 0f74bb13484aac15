"""Readability formulas, written once: the syllable counter, Flesch-Kincaid and Spache.

Pure functions on counts, with no knowledge of Markdown or sentences: the lint
(`chapterbook.text.flesch_kincaid_grade`, through `spec/lint.py`) and compare
(`chapterbook.compare.readability`) split the text their own way and both call
these, so the two can never disagree on a formula.
"""

from __future__ import annotations

import functools
import re


# A book uses a few thousand distinct words many times over: each is counted once (per process).
@functools.lru_cache(maxsize=1 << 16)
def syllables(word: str) -> int:
    """An estimate of a word's syllables (vowel groups, with English corrections).

    Good to about ±10% on early-reader vocabulary, which is what readability
    formulas were calibrated with anyway.
    """
    w = re.sub(r"[^a-z]", "", word.lower().replace("’", "'"))
    if not w:
        return 1 if any(ch.isdigit() for ch in word) else 0
    if len(w) <= 3:
        return 1
    # Silent endings: make(s), roll(ed) (but want-ed and fad-ed keep theirs).
    w = re.sub(r"(?:[^laeiouysxzh]es|[^tdaeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    count = len(re.findall(r"[aeiouy]+", w))
    return max(1, count)


def flesch_kincaid(n_words: int, n_sentences: int, n_syllables: int) -> float | None:
    """Flesch-Kincaid grade level from counts, or None when there is no prose.

    0.39 × words/sentence + 11.8 × syllables/word − 15.59 (Kincaid et al., 1975).
    """
    if not n_words or not n_sentences:
        return None
    return round(0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59, 2)


def spache_grade(words_per_sentence: float, percent_unfamiliar: float) -> float:
    """Spache revised (1978) grade level: 0.121 × words/sentence + 0.082 × % unfamiliar words + 0.659."""
    return round(0.121 * words_per_sentence + 0.082 * percent_unfamiliar + 0.659, 2)
