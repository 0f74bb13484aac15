"""Size, rhythm and readability of one version: Spache, Flesch-Kincaid, easy-word share.

The formulas themselves (and the syllable counter) are chapterbook.readability's, the
one place they are written; this module counts what they need from a version's prose.
Spache (revised 1978) is the formula made for grades 1-3:
    grade = 0.121 * (words / sentences) + 0.082 * (percent unfamiliar words) + 0.659
where a word is unfamiliar when it is not on the Spache revised list. As Spache
specified, regular inflections (-s, -es, -ed, -ing, possessives) of listed words
are familiar, -er/-est/-ly forms are not, names are familiar, and each
unfamiliar word counts once however often it appears.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook import readability as formulas
from chapterbook.compare import lists
from chapterbook.compare.metrics import Readability
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import base_forms, norm
from chapterbook.spec.models import StorySpec
from chapterbook.text import words as split_words


@dataclass(frozen=True)
class WordLists:
    spache: frozenset[str]
    easy: frozenset[str]  # Dale-Chall easy words plus the Spache list
    names: frozenset[str]  # lower-case names from the spec (characters, scientists)
    taught: frozenset[str] = frozenset()  # words of the key terms: the book teaches them on purpose
    # Per-word answers (names, unfamiliar for Spache, hard), kept with the lists they come
    # from: every version of a book reuses most words, so each is decided once per process.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)


@functools.lru_cache(maxsize=16)
def _lists(story_root: Path | None, names: tuple[str, ...], taught: tuple[str, ...]) -> WordLists:
    spache = frozenset(norm(w) for w in lists.entries("spache_revised.txt", story_root))
    easy = frozenset(norm(w) for w in lists.entries("easy_words.txt", story_root)) | spache
    return WordLists(spache, easy, frozenset(names), frozenset(taught))


def word_lists(spec: StorySpec | None = None, story_root: Path | None = None) -> WordLists:
    """The word lists for a story: shipped lists, the story's additions, its names."""
    names: set[str] = set()
    if spec is not None:
        people: list[tuple[str, str]] = [(p.name, p.id) for p in spec.characters] + [(p.name, p.id) for p in spec.scientists]
        for name, pid in people:
            for part in name.replace("-", " ").split():
                names.add(norm(part.strip(".,")))
            names.add(norm(pid))
    taught = {norm(w) for c in (spec.concepts if spec else []) for kt in c.key_terms for w in split_words(kt.term)}
    return _lists(story_root, tuple(sorted(names)), tuple(sorted(taught)))


def _listed(word: str, wordset: frozenset[str], *, adjective_endings: bool) -> bool:
    if word.isdigit():
        return True
    return any(f in wordset for f in base_forms(word, adjective_endings=adjective_endings))


def _is_name(word: str, first_in_sentence: bool, wl: WordLists) -> bool:
    """Names count as familiar: the spec's names, and capitalised words inside a sentence."""
    w = norm(word)
    if w.endswith("'s"):
        w = w[:-2]
    if w in wl.names:
        return True
    return (not first_in_sentence) and word[:1].isupper() and w != "i" and not word.isupper()


_MEMO_MAX = 100_000  # entries; a long-running process must not grow without bound


def _spache_and_hard(prose: Prose, wl: WordLists) -> tuple[Counter[str], Counter[str]]:
    """The unfamiliar words for Spache and the hard words, with their counts, in one pass.

    Spache: not on the Spache list (regular inflections only). Hard: not on the easy list
    (adjective endings too) and not a key-term word. Names count as neither. Every
    answer is remembered per word (names also per first-in-sentence) in `wl.memo`.
    """
    memo = wl.memo
    if sum(map(len, memo.values())) > _MEMO_MAX:
        memo.clear()
    names_first = memo.setdefault("name@first", {})
    names_inner = memo.setdefault("name@inner", {})
    verdict = memo.setdefault("unfamiliar,hard", {})
    spache: Counter[str] = Counter()
    hard: Counter[str] = Counter()
    for s in prose.sentences:
        first = True
        for word, low in zip(s.words, s.lower):
            names = names_first if first else names_inner
            is_name = names.get(word)
            if is_name is None:
                is_name = names[word] = _is_name(word, first, wl)
            first = False
            if is_name:
                continue
            v = verdict.get(low)
            if v is None:
                v = verdict[low] = (
                    not _listed(low, wl.spache, adjective_endings=False),
                    not (wl.taught and _listed(low, wl.taught, adjective_endings=True)) and not _listed(low, wl.easy, adjective_endings=True),
                )
            if v[0]:
                spache[low] += 1
            if v[1]:
                hard[low] += 1
    return spache, hard


_syllables = functools.lru_cache(maxsize=65536)(formulas.syllables)
spache_grade = formulas.spache_grade  # the formula is written once, in chapterbook.readability


def fk_grade(prose: Prose) -> float | None:
    """Flesch-Kincaid grade from the same sentences and words the other metrics use.

    The formula and syllable counter are chapterbook.readability's, as the lint's are.
    """
    syl = sum(_syllables(w) for w in prose.words)
    return formulas.flesch_kincaid(len(prose.words), len(prose.sentences), syl)


def measure(prose: Prose, spec: StorySpec, wl: WordLists) -> Readability:
    """Size, rhythm, rule breaks and readability of one version."""
    rules = spec.reading_level
    n_words = prose.word_count
    n_sents = len(prose.sentences)
    lengths = [len(s.words) for s in prose.sentences]
    per_para: Counter[int] = Counter(s.paragraph for s in prose.sentences)
    wps = round(n_words / n_sents, 2) if n_sents else 0.0
    longest = max(prose.sentences, key=lambda s: len(s.words), default=None)

    # Spache counts key terms like any word (the formula's definition); the
    # hard-word list leaves them out because the book teaches them on purpose.
    spache_unf, hard = _spache_and_hard(prose, wl)
    pct_unfamiliar = 100.0 * len(spache_unf) / n_words if n_words else 0.0
    hard_share = sum(hard.values()) / n_words if n_words else 0.0

    long_sentences = [s.text for s in prose.sentences if len(s.words) > rules.max_words_per_sentence]
    long_paragraphs = [i for i, c in sorted(per_para.items()) if c > rules.max_sentences_per_paragraph]
    return Readability(
        words=n_words,
        sentences=n_sents,
        paragraphs=len(prose.paragraphs),
        words_per_sentence=wps,
        longest_sentence_words=max(lengths, default=0),
        longest_sentence=longest.text if longest else "",
        sentences_per_paragraph=round(n_sents / len(prose.paragraphs), 2) if prose.paragraphs else 0.0,
        long_sentences=long_sentences,
        long_paragraphs=[i + 1 for i in long_paragraphs],
        spache_grade=spache_grade(wps, pct_unfamiliar) if n_sents else None,
        spache_unfamiliar_percent=round(pct_unfamiliar, 2),
        spache_unfamiliar=sorted(spache_unf),
        fk_grade=fk_grade(prose),
        hard_word_share=round(hard_share, 4),
        hard_words=[w for w, _ in sorted(hard.items(), key=lambda kv: (-kv[1], kv[0]))],
    )


def targets(spec: StorySpec) -> dict:
    """The target ranges for the book's readers, from the spec's reading rules and age range.

    Spache grade: school grade = age - 5 (6-year-olds in grade 1), so ages 6-8 -> 1.0-3.0.
    Average sentence length: 70% of the spec's per-sentence maximum (14 -> 10).
    Hard-word share: at most 10% for readers up to 8, 15% above.
    """
    ages = spec.book.age_range
    rl = spec.reading_level
    return {
        "spache_grade": (max(0.0, ages.min - 5.0), max(1.0, ages.max - 5.0)),
        "fk_grade": (rl.readability.min, rl.readability.max),
        "words_per_sentence": (0.0, float(round(rl.max_words_per_sentence * 0.7))),
        "longest_sentence_words": (0.0, float(rl.max_words_per_sentence)),
        "sentences_per_paragraph": (0.0, float(rl.max_sentences_per_paragraph)),
        "hard_word_share": (0.0, 0.10 if ages.max <= 8 else 0.15),
    }
