"""Safety for the age: scary, violent and unsafe-to-copy words from a list, read in context.

A word matches an entry when the word or its lemma is the entry ("stoves" -> stove,
"died" -> die); an entry ending in * matches any ending. An unsafe-to-copy hazard
inside a warning or a grown-up's instruction ("Stay back. Hot pots are for
grown-ups.") is recorded as handled, not flagged. Events (threats, attacks, ...) that
no single word gives away are found by compare.events.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from chapterbook.compare import context, events, lists
from chapterbook.compare.metrics import HandledHazard, Safety
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import lemma, norm

CATEGORIES = ("scary", "violent", "unsafe")
# Categories whose words inside a warning or a grown-up's instruction count as handled safely.
WARNABLE = frozenset({"unsafe"})


@functools.lru_cache(maxsize=16)
def patterns(story_root: Path | None = None) -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    """Compiled entries per category: a trailing * matches any word ending."""
    out: dict[str, list[tuple[str, re.Pattern[str]]]] = {c: [] for c in CATEGORIES}
    current = "scary"
    for line in lists.entries("safety.txt", story_root):
        m = re.fullmatch(r"\[\s*([a-z_-]+)\s*\]", line.lower())
        if m:
            current = m.group(1)
            out.setdefault(current, [])
            continue
        entry = norm(line)
        parts = []
        for w in entry.split():
            star = w.endswith("*")
            w = w.rstrip("*")
            parts.append(re.escape(w) + (r"[\w']*" if star else ""))
        out[current].append((entry, re.compile(r"(?<![\w'])" + r"\s+".join(parts) + r"(?![\w'])")))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class _Index:
    """A category's entries split for speed: whole words, word prefixes, and phrases."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[str, bool, re.Pattern[str]], ...]  # (first word or prefix, is a prefix, pattern)


@functools.lru_cache(maxsize=16)
def _index(pats: tuple) -> dict[str, _Index]:
    out = {}
    for cat, entries in pats:
        words, prefixes, phrases = set(), [], []
        for entry, rx in entries:
            parts = entry.split()
            if len(parts) == 1:
                (prefixes.append(parts[0][:-1]) if parts[0].endswith("*") else words.add(parts[0]))
            else:
                phrases.append((parts[0].rstrip("*"), parts[0].endswith("*"), rx))
        out[cat] = _Index(frozenset(words), tuple(prefixes), tuple(phrases))
    return out


def measure(
    prose: Prose,
    pats: dict[str, tuple[tuple[str, re.Pattern[str]], ...]],
    min_age: int = 6,
    adults: frozenset[str] = context.GROWN_UPS,
) -> Safety:
    """Words found per category (as they appear in the text), their sentences, and age-fit events.

    `min_age` is the youngest reader's age: it sets how strongly each event is flagged.
    `adults`: lower-case names of the grown-ups, whose lines count as their instructions.
    """
    found: dict[str, dict[str, int]] = {c: {} for c in pats}
    sentences: dict[str, list[str]] = {c: [] for c in pats}
    handled: list[HandledHazard] = []
    index = _index(tuple(pats.items()))
    vocab = set(prose.lower)
    warnings: dict[int, bool] = {}  # sentence index -> is a warning, worked out only where a hazard is
    for cat, ix in index.items():
        # Decide each distinct word once, and keep only the phrases whose first word occurs at all.
        flagged = {w for w in vocab if w in ix.words or lemma(w) in ix.words or (ix.prefixes and w.startswith(ix.prefixes))}
        phrases = [rx for first, star, rx in ix.phrases if first in vocab or (star and any(w.startswith(first) for w in vocab))]
        for k, s in enumerate(prose.sentences):
            hits = [w for w in s.lower if w in flagged]
            if phrases:
                low = norm(s.text)
                for rx in phrases:
                    hits.extend(m.group(0) for m in rx.finditer(low))
            if hits and cat in WARNABLE:
                if k not in warnings:
                    warnings[k] = context.is_warning(prose, k, adults)
                if warnings[k]:
                    handled.extend(HandledHazard(cat, h, s.text) for h in hits)
                    continue
            for h in hits:
                found[cat][h] = found[cat].get(h, 0) + 1
            if hits:
                sentences[cat].append(s.text)
    return Safety(
        flags={c: sorted(found[c], key=lambda w: (-found[c][w], w)) for c in found if found[c]},
        counts={c: sum(found[c].values()) for c in found if found[c]},
        sentences={c: sentences[c][:5] for c in sentences if sentences[c]},
        handled=handled,
        events=events.find(prose, min_age),
    )
