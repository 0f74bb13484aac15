"""Similarity between versions of a chapter: word 3-gram overlap.

containment(a, b) = share of a's 3-grams that also occur in b: 1.0 means every
three-word run in a is in b (a near-copy); two independent texts on the same
topic score well under 0.1. jaccard is the symmetric overlap.
"""

from __future__ import annotations

from chapterbook.compare.metrics import PairSimilarity
from chapterbook.compare.words import norm

N = 3
NEAR_COPY = 0.5


def shingles(words: list[str], n: int = N, *, normalised: bool = False) -> frozenset[tuple[str, ...]]:
    """The set of n-word runs of a text (lower-cased)."""
    ws = words if normalised else [norm(w) for w in words]
    return frozenset(tuple(ws[i : i + n]) for i in range(len(ws) - n + 1))


def containment(a: frozenset, b: frozenset) -> float:
    return round(len(a & b) / len(a), 3) if a else 0.0


def jaccard(a: frozenset, b: frozenset) -> float:
    return round(len(a & b) / len(a | b), 3) if (a or b) else 0.0


def matrix(labels: list[str], sets: list[frozenset]) -> list[PairSimilarity]:
    """Every ordered pair of versions with containment and jaccard.

    The same numbers as :func:`jaccard` and :func:`containment`, from one intersection
    per pair (|a ∪ b| = |a| + |b| − |a ∩ b|) instead of three intersections and a union.
    """
    out = []
    for i, a in enumerate(sets):
        for j in range(i + 1, len(sets)):
            b = sets[j]
            shared = len(a & b)
            out.append(
                PairSimilarity(
                    a=labels[i],
                    b=labels[j],
                    jaccard=round(shared / (len(a) + len(b) - shared), 3) if (a or b) else 0.0,
                    a_in_b=round(shared / len(a), 3) if a else 0.0,
                    b_in_a=round(shared / len(b), 3) if b else 0.0,
                )
            )
    return out
