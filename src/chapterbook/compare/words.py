"""Word forms: a light stemmer and the base forms a word list may hold.

Deliberately small and predictable (no dictionary): the metrics must give the
same answer on every machine and be explainable in docs/metrics.md.
"""

from __future__ import annotations

import functools
import re

_VOWEL = re.compile(r"[aeiouy]")
_APOS = str.maketrans({"’": "'", "‘": "'"})


@functools.lru_cache(maxsize=65536)
def norm(word: str) -> str:
    """Lower-case with curly apostrophes made straight."""
    return word.translate(_APOS).lower()


def _undouble(stem: str) -> str:
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


@functools.lru_cache(maxsize=65536)
def base_forms(word: str, *, adjective_endings: bool = False) -> tuple[str, ...]:
    """The word and the forms it may be an inflection of, most likely first.

    Handles possessives, plurals, -ed, -ing and (when `adjective_endings`)
    -er, -est and -ly; each with doubled consonants and a dropped e.
    """
    w = norm(word)
    if w.endswith("'s") or w.endswith("s'"):
        w = w[:-2] if w.endswith("'s") else w[:-1]
    forms = [w]

    def add(stem: str) -> None:
        if len(stem) >= 2 and _VOWEL.search(stem):
            for cand in (stem, stem + "e", _undouble(stem)):
                if cand not in forms:
                    forms.append(cand)

    if w.endswith("ies") and len(w) > 4:
        forms.append(w[:-3] + "y")
    if w.endswith("es"):
        add(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        add(w[:-1])
    if w.endswith("ied") and len(w) > 4:
        forms.append(w[:-3] + "y")
    if w.endswith("ed"):
        add(w[:-2])
        if w.endswith("d"):
            add(w[:-1])
    if w.endswith("ing") and len(w) > 4:
        add(w[:-3])
    if adjective_endings:
        if w.endswith("ier") or w.endswith("iest"):
            forms.append(w[: -3 if w.endswith("ier") else -4] + "y")
        if w.endswith("ily"):
            forms.append(w[:-3] + "y")
        for suffix in ("est", "er", "ly"):
            if w.endswith(suffix) and len(w) > len(suffix) + 2:
                add(w[: -len(suffix)])
    return tuple(forms)


_STEP = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("nesses", ""),
    ("ness", ""),
    ("ments", ""),
    ("ment", ""),
    ("ingly", ""),
    ("edly", ""),
    ("ings", ""),
    ("ing", ""),
    ("ied", "y"),
    ("ies", "y"),
    ("iest", "y"),
    ("ier", "y"),
    ("ily", "y"),
    ("ed", ""),
    ("est", ""),
    ("er", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem, the same for 'push', 'pushes', 'pushed' and 'pushing'.

    Not a linguist's stemmer: good enough to say two sentences share a word.
    """
    w = norm(word).replace("'", "")
    w = IRREGULAR.get(w, w)
    if len(w) <= 3:
        return w[:-1] + "i" if len(w) == 3 and w.endswith("y") and _VOWEL.search(w[:-1]) is None else w
    for suffix, repl in _STEP:
        keep = 2 if repl == "y" else 3
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                continue
            if suffix == "ed" and w.endswith("eed"):
                break  # speed, need, seed: not past tenses
            w = w[: -len(suffix)] + repl
            break
    w = _undouble(w)
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    if len(w) >= 3 and w.endswith("y"):
        w = w[:-1] + "i"  # cry/cried, heavy/heavier: the same stem
    return w


# Irregular forms common in early readers, mapped to their base so that
# "the ball fell" matches a fact about things that fall.
IRREGULAR = {
    "fell": "fall",
    "fallen": "fall",
    "threw": "throw",
    "thrown": "throw",
    "went": "go",
    "gone": "go",
    "ran": "run",
    "came": "come",
    "rode": "ride",
    "ridden": "ride",
    "flew": "fly",
    "flown": "fly",
    "hit": "hit",
    "held": "hold",
    "kept": "keep",
    "left": "leave",
    "felt": "feel",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "made": "make",
    "saw": "see",
    "seen": "see",
    "knew": "know",
    "known": "know",
    "thought": "think",
    "brought": "bring",
    "caught": "catch",
    "slid": "slide",
    "spun": "spin",
    "swung": "swing",
    "stood": "stand",
    "sat": "sit",
    "began": "begin",
    "begun": "begin",
    "got": "get",
    "did": "do",
    "done": "do",
    "does": "do",
    "was": "be",
    "were": "be",
    "is": "be",
    "are": "be",
    "been": "be",
    "has": "have",
    "had": "have",
    "bigger": "big",
    "biggest": "big",
    "heavier": "heavy",
    "heaviest": "heavy",
    "faster": "fast",
    "fastest": "fast",
    "slower": "slow",
    "slowest": "slow",
    "lighter": "light",
    "harder": "hard",
    "hardest": "hard",
    "stronger": "strong",
    "farther": "far",
    "further": "far",
    "pushed": "push",
    "children": "child",
    "feet": "foot",
    "mice": "mouse",
    "people": "person",
    "men": "man",
    "women": "woman",
}


@functools.lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of an English word: melted, melts -> melt; froze -> freeze; freezer stays freezer.

    From simplemma's shipped English lexicon (offline, no download); whole words only,
    so a key term never matches inside a longer word the way a substring or a crude
    stem would ("freezer" is not "freeze", "stove" is not "stovepipe").
    """
    import simplemma  # imported on first use: its lexicon takes a moment to load

    w = norm(word)
    return simplemma.lemmatize(w, lang="en").lower()


@functools.lru_cache(maxsize=65536)
def term_lemma(word: str, term_words: frozenset[str]) -> str:
    """The word's lemma, or the key-term word it is a regular inflection of when the lexicon keeps
    the word as its own entry ("freezing" is listed as an adjective; as a verb it is freeze).

    Only -s, -ed and -ing (base_forms without adjective endings), so "freezer" never becomes "freeze".
    """
    lem = lemma(word)
    if lem != norm(word) or not term_words or lem in term_words:
        return lem
    return next((f for f in base_forms(word)[1:] if f in term_words), lem)
