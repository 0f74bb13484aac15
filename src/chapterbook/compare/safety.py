"""Safety for the age: scary, violent and unsafe-to-copy words, found from a list."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from chapterbook.compare import lists
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import norm

CATEGORIES = ("scary", "violent", "unsafe")


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


def measure(prose: Prose, pats: dict[str, tuple[tuple[str, re.Pattern[str]], ...]]) -> dict:
    """Words found per category (as they appear in the text) and the sentences they are in."""
    found: dict[str, dict[str, int]] = {c: {} for c in pats}
    sentences: dict[str, list[str]] = {c: [] for c in pats}
    for s in prose.sentences:
        low = norm(s.text)
        for cat, entries in pats.items():
            hit = False
            for _entry, rx in entries:
                for m in rx.finditer(low):
                    found[cat][m.group(0)] = found[cat].get(m.group(0), 0) + 1
                    hit = True
            if hit:
                sentences[cat].append(s.text)
    return {
        "flags": {c: sorted(found[c], key=lambda w: (-found[c][w], w)) for c in found if found[c]},
        "counts": {c: sum(found[c].values()) for c in found if found[c]},
        "sentences": {c: sentences[c][:5] for c in sentences if sentences[c]},
    }
