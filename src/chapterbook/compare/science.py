"""Does a version teach the chapter's science? Key terms, facts, explanations, misconceptions.

Fact coverage is deterministic word overlap: a fact's content words (stop words
removed, reduced to their lemma, synonyms folded together) are compared with each
sentence, and with each pair of neighbouring sentences, since children's books
often show a fact across two lines of dialogue. A fact counts as stated when
the best window holds at least FACT_THRESHOLD of the fact's content words and at
least two of them (one, for a one-word fact). Limits: it sees words, not
meaning ("heavy things do NOT fall faster" overlaps a fact about falling as
well as the truth does), and a fact shown only through action with entirely
different words is missed. The sentences found are listed so a reader can check.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from chapterbook.compare import context, lists
from chapterbook.compare.metrics import ConceptScience, ExplanationMarker, FactCoverage, KeyTermUse, MisconceptionHit, Science
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import lemma, norm, term_lemma
from chapterbook.spec.models import Concept
from chapterbook.text import words as split_words

FACT_THRESHOLD = 0.5
MISCONCEPTION_THRESHOLD = 0.75  # stricter than facts: a misconception shares most words with its fact
# A sentence carries science when it shares this many content stems with a
# fact, the concept's explanation or a key-term definition (or names a key term).
SCIENCE_MIN_OVERLAP = 2
WINDOW_WORDS = 40  # longest stretch of neighbouring sentences a fact may be spread over

# (name, pattern, needles): a sentence can only match when its lower-cased text holds every
# needle, so ASCII sentences without them skip the regex (most sentences hold no marker).
_EXPLANATION_MARKERS = [
    ("because", re.compile(r"\bbecause\b", re.I), ("because",)),
    ("that is why", re.compile(r"\bthat(?:'|’| i)s why\b|\bthis is why\b|\bthat's why\b", re.I), ("s why",)),
    ("so (as a result)", re.compile(r"(?:^|[,;]\s*|\band\s+)so\b(?!\s+(?:much|many|very|big|fast|happy|hard|far|long|cool|fun)\b)", re.I), ("so",)),
    ("so that", re.compile(r"\bso that\b", re.I), ("so that",)),
    ("this means", re.compile(r"\b(?:this|that|which|it) means\b", re.I), (" means",)),
    ("the reason", re.compile(r"\bthe reason\b", re.I), ("the reason",)),
    ("makes it / made it", re.compile(r"\bmakes? (?:it|them|the \w+)\b|\bmade (?:it|them|the \w+)\b", re.I), ("ma",)),
    ("if ... then", re.compile(r"\bif\b[^.?!]*\bthen\b", re.I), ("if", "then")),
]


@dataclass(frozen=True)
class Vocab:
    stopwords: frozenset[str]
    synonyms: dict[str, str]  # lemma -> group name (lemma of the first word)
    # word -> its content stem (None for a stop word): a chapter repeats its words, and
    # every version of a book shares most of them, so each word is decided once.
    memo: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)


@functools.lru_cache(maxsize=16)
def vocab(story_root: Path | None = None) -> Vocab:
    """Stop words and synonym groups, with the story's additions."""
    stop = frozenset(norm(w) for line in lists.entries("stopwords.txt", story_root) for w in line.split())
    syn: dict[str, str] = {}
    for line in lists.entries("synonyms.txt", story_root):
        group = [w.strip() for w in line.split(",") if w.strip()]
        if not group:
            continue
        head = lemma(group[0])
        for w in group:
            syn.setdefault(lemma(w), head)
    return Vocab(stop, syn)


_MEMO_MAX = 100_000  # words; a long-running process must not grow without bound


def _content_stem(w: str, v: Vocab) -> str | None:
    n = norm(w)
    if n in v.stopwords or len(n) < 2:
        return None
    s = lemma(n)
    return v.synonyms.get(s, s)


def content_stems(text_words: list[str], v: Vocab) -> set[str]:
    """The content words of a text, as lemmas, with synonyms folded together."""
    memo = v.memo
    if len(memo) > _MEMO_MAX:
        memo.clear()
    out = set()
    for w in text_words:
        try:
            s = memo[w]
        except KeyError:
            s = memo[w] = _content_stem(w, v)
        if s is not None:
            out.add(s)
    return out


def _term_pattern(term: str) -> list[str]:
    """A key term as the lemmas of its words: matched whole-word, in any inflection."""
    return [lemma(w) for w in split_words(term)]


def measure(prose: Prose, concepts: list[Concept], v: Vocab) -> Science:
    """Key terms, fact coverage (every fact of the concepts), science share, explanation markers, misconceptions.

    compare.teaching.restrict then keeps the facts the chapter is meant to teach.
    """
    term_words = frozenset(w for c in concepts for kt in c.key_terms for w in _term_pattern(kt.term))
    sent_lemmas = [[term_lemma(w, term_words) for w in s.lower] for s in prose.sentences]
    # " a b c " strings let a key term be counted with str.count (much faster than list slicing).
    sent_joined = [" " + " ".join(ss) + " " for ss in sent_lemmas]
    sent_content = [content_stems(s.lower, v) for s in prose.sentences]
    # Windows of 1 to 3 neighbouring sentences (at most WINDOW_WORDS words): early readers
    # spread one fact over several short sentences and lines of dialogue.
    windows: list[tuple[list[int], set[str]]] = []
    for i in range(len(sent_content)):
        idx: list[int] = []
        stems: set[str] = set()
        n_words = 0
        for j in range(i, min(i + 3, len(sent_content))):
            n_words += len(prose.sentences[j].words)
            if j > i and (n_words > WINDOW_WORDS or prose.sentences[j].paragraph > prose.sentences[j - 1].paragraph + 1):
                break
            idx = idx + [j]
            stems = stems | sent_content[j]
            windows.append((idx, stems))

    out_concepts = []
    science_sentences: set[int] = set()
    n_facts = n_stated = 0
    for concept in concepts:
        terms = []
        for kt in concept.key_terms:
            pat = _term_pattern(kt.term)
            needle = " " + " ".join(pat) + " "
            counts = [j.count(needle) for j in sent_joined] if pat else []
            science_sentences.update(i for i, c in enumerate(counts) if c)
            terms.append(KeyTermUse(kt.term, sum(counts)))

        facts = []
        for k, fact in enumerate(concept.facts):
            fact_stems = content_stems(split_words(fact), v)
            need = 1 if len(fact_stems) <= 1 else 2
            best_ratio, best_idx = 0.0, list[int]()
            for idx, stems in windows:
                shared = len(fact_stems & stems)
                if shared < need or not fact_stems:
                    continue
                ratio = shared / len(fact_stems)
                # Prefer a single sentence over a pair when they score the same.
                if ratio > best_ratio or (ratio == best_ratio and len(idx) < len(best_idx)):
                    best_ratio, best_idx = ratio, idx
            stated = best_ratio >= FACT_THRESHOLD
            n_facts += 1
            n_stated += stated
            facts.append(
                FactCoverage(
                    fact=fact,
                    stated=stated,
                    overlap=round(best_ratio, 2),
                    sentences=[prose.sentences[i].text for i in best_idx] if stated else [],
                    sentence_index=best_idx if stated else [],
                    ref=f"{concept.id}.{k + 1}",
                )
            )

        # Sentences that share enough with any piece of the concept carry science.
        sources = [*concept.facts, concept.explanation, *(kt.definition for kt in concept.key_terms)]
        source_stems = [content_stems(split_words(s), v) for s in sources]
        # A sentence sharing fewer than SCIENCE_MIN_OVERLAP stems with all the sources together
        # shares fewer with each one: one intersection rules most sentences out.
        all_sources = set().union(*source_stems)
        for i, c in enumerate(sent_content):
            if len(c & all_sources) >= SCIENCE_MIN_OVERLAP and any(len(c & ss) >= SCIENCE_MIN_OVERLAP for ss in source_stems):
                science_sentences.add(i)

        misconceptions = []
        fact_words = set().union(*(content_stems(split_words(f), v) for f in concept.facts)) if concept.facts else set()
        for wrong in concept.misconceptions:
            m_stems = content_stems(split_words(wrong), v)
            # A wrong idea shares most words with the right one; require at least one of the
            # words that make it wrong (those in none of the concept's facts), when it has any.
            distinctive = m_stems - fact_words
            for i, c in enumerate(sent_content):
                shared = len(c & m_stems)
                if distinctive and not (c & distinctive):
                    continue
                if m_stems and shared >= min(3, len(m_stems)) and shared / len(m_stems) >= MISCONCEPTION_THRESHOLD:
                    misconceptions.append(_misconception(prose, i, wrong, m_stems, v))
        out_concepts.append(
            ConceptScience(
                id=concept.id,
                name=concept.name,
                key_terms=terms,
                terms_used=sum(1 for t in terms if t.count),
                facts=facts,
                facts_stated=sum(1 for f in facts if f.stated),
                misconceptions=misconceptions,
            )
        )

    markers = []
    # Lower-cased once per sentence for the needle test; only for ASCII text, where lower()
    # agrees exactly with re.I (Unicode case folding has odd pairs such as ſ and s).
    lowered = [s.text.lower() if s.text.isascii() else None for s in prose.sentences]
    for name, pattern, needles in _EXPLANATION_MARKERS:
        if len(needles) == 1:  # all but one marker: a plain `in` test, without a generator per sentence
            needle = needles[0]
            found = [s.text for s, low in zip(prose.sentences, lowered) if (low is None or needle in low) and pattern.search(s.text)]
        else:
            found = [s.text for s, low in zip(prose.sentences, lowered) if (low is None or all(n in low for n in needles)) and pattern.search(s.text)]
        if found:
            markers.append(ExplanationMarker(name, len(found), found[:5]))

    n = len(prose.sentences)
    hits = [m for c in out_concepts for m in c.misconceptions]
    return Science(
        concepts=out_concepts,
        facts_total=n_facts,
        facts_stated=n_stated,
        science_sentences=sorted(science_sentences),
        science_share=round(len(science_sentences) / n, 3) if n else 0.0,
        explanation_markers=markers,
        explanations=sum(m.count for m in markers),
        # Only the narrator stating it unchallenged counts as repeating it; a character voicing it
        # (or asking about it) is listed separately for the author to check it gets corrected.
        misconceptions_repeated=[m for m in hits if not m.corrected and m.voice == "narrator"],
        misconceptions_voiced=[m for m in hits if not m.corrected and m.voice != "narrator"],
        misconceptions_corrected=[m for m in hits if m.corrected],
    )


def _misconception(prose: Prose, i: int, wrong: str, m_stems: set[str], v: Vocab) -> MisconceptionHit:
    """A misconception found in sentence i, read in context: who says it and whether it is corrected."""
    sent = prose.sentences[i]
    fixed = context.correction(prose, i, claim=wrong)
    said = {w.lower() for w in sent.words if _content_stem(w, v) in m_stems}
    who = context.speaker(prose, i, said)
    voice: Literal["narrator", "character", "question", "reported"]
    if sent.text.rstrip("”\"' *_").endswith("?"):
        voice = "question"
    elif who != "narrator":
        voice = "character"  # a character says it: often set up to be shown wrong
    elif context.framed(prose, i):
        voice = "reported"  # the narrator reports a belief ("People say..."), not asserting it
    else:
        voice = "narrator"
    return MisconceptionHit(wrong, sent.text, bool(fixed), voice, who, fixed)


_TOKEN = re.compile(r"[A-Za-zÀ-ÿ0-9]+(?:['’][A-Za-z]+)*")

TermIndex = dict[str, list[tuple[list[str], str]]]


def term_index(concepts: list[Concept]) -> TermIndex:
    """The concepts' key terms as lemma patterns, grouped by their first lemma (in spec order).

    Built once per version, so highlighting looks up each word's lemma instead of
    trying every key term at every word of every paragraph.
    """
    index: TermIndex = {}
    for concept in concepts:
        for kt in concept.key_terms:
            pat = _term_pattern(kt.term)
            if pat:
                index.setdefault(pat[0], []).append((pat, kt.term))
    return index


def term_spans(paragraph: str, concepts: list[Concept], index: TermIndex | None = None) -> list[tuple[int, int, str]]:
    """(start, end, term) of every key term in a paragraph, for highlighting.

    `index` is :func:`term_index` of `concepts`, when the caller has it already.
    """
    if index is None:
        index = term_index(concepts)
    term_words = frozenset(w for entries in index.values() for pat, _ in entries for w in pat)
    stems = [term_lemma(t, term_words) for t in _TOKEN.findall(paragraph)]
    if index.keys().isdisjoint(stems):
        return []  # most paragraphs: no key term starts anywhere, so no offsets are needed
    toks = [m.span() for m in _TOKEN.finditer(paragraph)]  # the same tokens, with their offsets
    spans = []
    # By position, then in spec order: the same order as trying each term in turn,
    # which the stable sort below relies on to break ties.
    for i, first in enumerate(stems):
        for pat, term in index.get(first, ()):
            n = len(pat)
            if stems[i : i + n] == pat:
                spans.append((toks[i][0], toks[i + n - 1][1], term))
    # Longest first so "action and reaction" wins over "action"; drop overlaps.
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, str]] = []
    for s in spans:
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out
