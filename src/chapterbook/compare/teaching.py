"""Which facts each chapter is judged on: the ones it is meant to teach, and no others.

A chapter's `teaches:` (spec v2) names them: 'concept.N' is fact N (from 1) of that
concept, 'concept' all of its facts. Without it, a chapter is judged on every fact of
its concepts that no other chapter's `teaches:` claims. When several chapters share a
concept and none of them says `teaches:`, the author's own text decides: each such
fact is judged in the chapters whose human text states it, and in all of them when
no human chapter states it (so chapter 1 is not marked "missing" a fact that the
author tells in chapter 3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from chapterbook.compare.metrics import Science
from chapterbook.compare.words import lemma
from chapterbook.spec.models import StorySpec
from chapterbook.text import words

Judged = dict[str, list[int]]  # concept id -> 0-based fact indices judged in a chapter


def explicit(spec: StorySpec, index: int) -> Judged | None:
    """The chapter's own `teaches:` as concept -> fact indices, or None when it has none."""
    refs = spec.chapters[index].teaches
    if refs is None:
        return None
    out: Judged = {}
    for ref in refs:
        cid, _, n = ref.partition(".")
        concept = spec.concept(cid)
        if concept is None:
            continue  # validate reports the unknown id
        picks = out.setdefault(cid, [])
        for k in [int(n) - 1] if n else range(len(concept.facts)):
            if 0 <= k < len(concept.facts) and k not in picks:
                picks.append(k)
    return out


def facts_taught(spec: StorySpec, stated_by_human: Mapping[int, set[tuple[str, int]]] | None = None) -> list[Judged]:
    """For every chapter, the facts it is judged on (see the module docstring).

    `stated_by_human[i]` holds the (concept, fact index) pairs chapter i's human text states.
    """
    stated_by_human = stated_by_human or {}
    own = [explicit(spec, i) for i in range(len(spec.chapters))]
    claimed = {(cid, k) for j in own if j is not None for cid, ks in j.items() for k in ks}
    out: list[Judged] = []
    for i, ch in enumerate(spec.chapters):
        if own[i] is not None:
            out.append(own[i] or {})
            continue
        judged: Judged = {}
        for cid in ch.concepts:
            concept = spec.concept(cid)
            if concept is None:
                continue
            sharing = [j for j, other in enumerate(spec.chapters) if own[j] is None and cid in other.concepts]
            picks = []
            for k in range(len(concept.facts)):
                if (cid, k) in claimed:
                    continue
                tellers = [j for j in sharing if (cid, k) in stated_by_human.get(j, set())]
                if len(sharing) > 1 and tellers and i not in tellers:
                    continue  # the author tells this fact in another chapter of the concept
                picks.append(k)
            judged[cid] = picks
        out.append(judged)
    return out


def _related(term: str, facts: list[str]) -> set[int]:
    """Indices of the facts whose words (by lemma) hold every word of the key term."""
    want = {lemma(w) for w in words(term)}
    return {k for k, f in enumerate(facts) if want <= {lemma(w) for w in words(f)}}


def restrict(sc: Science, judged: Judged) -> Science:
    """The science measures with only the judged facts counted; the others listed as taught elsewhere.

    A key term that appears only in facts taught elsewhere ("melt" when the chapter teaches
    freezing) is not expected here either; a term no fact uses belongs to every chapter.
    """
    concepts = []
    for c in sc.concepts:
        keep = set(judged.get(c.id, []))
        all_facts = [f.fact for f in c.facts]
        facts = [f for k, f in enumerate(c.facts) if k in keep]
        terms, elsewhere = [], []
        for t in c.key_terms:
            related = _related(t.term, all_facts)
            (elsewhere.append(t.term) if related and not related & keep else terms.append(t))
        concepts.append(
            dataclasses.replace(
                c,
                key_terms=terms,
                terms_used=sum(1 for t in terms if t.count),
                facts=facts,
                facts_stated=sum(f.stated for f in facts),
                facts_elsewhere=[f.fact for k, f in enumerate(c.facts) if k not in keep],
                terms_elsewhere=elsewhere,
            )
        )
    return dataclasses.replace(
        sc,
        concepts=concepts,
        facts_total=sum(len(c.facts) for c in concepts),
        facts_stated=sum(c.facts_stated for c in concepts),
    )
