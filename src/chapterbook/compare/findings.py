"""Findings: the concrete problems of one version, one per thing to fix, each with a stable key.

Read from the same typed metrics and targets as the verdicts (compare.verdicts,
compare.readability.targets). A verdict sums a topic up for the report; a finding
names one thing a writer can fix ("the fact X is not stated"), so that a revision
prompt can list them (draft --revise) and compare can say which the revision fixed
and which it left: a finding of the original whose key is gone from the revision
was fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from chapterbook.compare import similarity
from chapterbook.compare.metrics import Level, VersionMetrics
from chapterbook.compare.verdicts import Targets


@dataclass(frozen=True)
class Finding:
    key: str  # stable across versions of the same chapter, e.g. "fact:Ice melts when..." or "long-sentences"
    level: Level  # "bad" or "warn"
    text: str  # plain words, addressed to whoever revises the text


def _quote(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def findings(m: VersionMetrics, goals: Targets) -> list[Finding]:
    """The problems of one version, worst first: each a thing the writer can fix."""
    out: list[Finding] = []
    sc, rd, cr, sa = m.science, m.readability, m.craft, m.safety
    if rd.words == 0:
        return [Finding("no-prose", "bad", "There is no story text.")]
    for f in sc.facts:
        if not f.stated:
            out.append(Finding(f"fact:{f.fact}", "bad", f"This fact is missing; state it plainly: “{f.fact}”"))
    for c in sc.concepts:
        for t in c.key_terms:
            if not t.count:
                out.append(Finding(f"term:{t.term}", "warn", f"The key term “{t.term}” is never used; use it and explain it in simple words."))
    for mis in sc.misconceptions_repeated:
        out.append(
            Finding(
                f"misconception:{mis.misconception}", "bad",
                f"The text repeats the misconception “{mis.misconception}” as if it were true; say what is true instead, or have a character say it and be corrected. The sentence: “{_quote(mis.sentence)}”",
            )
        )  # fmt: skip
    for myth in sc.myths:
        if not myth.corrected:
            out.append(
                Finding(
                    f"myth:{myth.scientist}:{myth.myth}", "bad",
                    f"The text tells a myth about {myth.scientist} as if it were true ({myth.myth}). {myth.truth} The sentence: “{_quote(myth.sentence)}”",
                )
            )  # fmt: skip
    for category, words in sa.flags.items():
        for word in words:
            what = {"unsafe": "something a child could copy and get hurt", "violent": "violence", "scary": "something too scary for the age"}.get(
                category, category
            )
            sentence = next((s for s in sa.sentences.get(category, []) if word.lower() in s.lower()), "")
            where = f" The sentence: “{_quote(sentence)}”" if sentence else ""
            out.append(
                Finding(f"safety:{category}:{word.lower()}", "bad", f"“{word}” is {what}: take it out, or make it a grown-up's job or a clear warning.{where}")
            )
    for ev in sa.events:
        out.append(
            Finding(
                f"event:{ev.kind}", ev.level, f"{ev.reason[:1].upper()}{ev.reason[1:]}: leave it out or make it gentle. The sentence: “{_quote(ev.sentence)}”"
            )
        )
    hi = goals["words_per_sentence"][1]
    if rd.words_per_sentence > hi:
        out.append(Finding("words-per-sentence", "bad", f"Sentences average {rd.words_per_sentence:.0f} words; keep the average at {hi:.0f} or fewer."))
    longest = goals["longest_sentence_words"][1]
    for s in rd.long_sentences[:5]:
        out.append(Finding("long-sentences", "warn", f"This sentence is longer than {longest:.0f} words; split it: “{_quote(s)}”"))
    slo, shi = goals["spache_grade"]
    if rd.spache_grade is not None and rd.spache_grade > shi:
        out.append(
            Finding(
                "spache-grade",
                "warn",
                f"The reading level (Spache grade {rd.spache_grade:.1f}) is above the band {slo:.0f}-{shi:.0f}: use shorter sentences and more everyday words.",
            )
        )
    flo, fhi = goals["fk_grade"]
    if rd.fk_grade is not None and rd.fk_grade > fhi:
        out.append(
            Finding(
                "fk-grade",
                "warn",
                f"The reading level (Flesch-Kincaid grade {rd.fk_grade:.1f}) is above the band {flo:g}-{fhi:g}: use shorter sentences and shorter words.",
            )
        )
    hhi = goals["hard_word_share"][1]
    if rd.hard_word_share > hhi:
        hard = ", ".join(rd.hard_words[:8])
        out.append(
            Finding(
                "hard-words",
                "warn",
                f"{round(rd.hard_word_share * 100)}% of the words are hard for the age (at most {round(hhi * 100)}%); swap some for easier ones: {hard}.",
            )
        )
    if sc.facts_total and not sc.explanations:
        out.append(Finding("no-explanation", "warn", "Nothing is explained: say why things happen (with “because”, “so”, “that is why”)."))
    if not cr.reader_challenges:
        out.append(Finding("no-challenge", "warn", "There is no challenge to the reader: add a “Can you…?” or “Try…” the child can do (safely)."))
    for cliche in cr.cliches:
        out.append(Finding(f"cliche:{cliche.phrase.lower()}", "warn", f"“{cliche.phrase}” is a cliché; say it in a fresh way."))
    sim = m.similarity_to_human
    if sim is not None and sim >= similarity.NEAR_COPY:
        out.append(Finding("near-copy", "bad", f"{round(sim * 100)}% of its 3-word runs are copied from the author's own text: tell it in your own words."))
    order = {"bad": 0, "warn": 1, "good": 2}
    return sorted(out, key=lambda f: order[f.level])


@dataclass
class Outcome:
    """What a revision did to its original's findings."""

    fixed: list[Finding]  # the original's findings the revision no longer has
    left: list[Finding]  # the original's findings the revision still has
    new: list[Finding]  # findings only the revision has


def outcome(original: list[Finding], revised: list[Finding]) -> Outcome:
    """Which of the original's findings the revision fixed, which it left, and which it brought in."""
    before = {f.key for f in original}
    after = {f.key for f in revised}

    def first(fs: list[Finding]) -> list[Finding]:  # one finding per key, the first of each, in order
        return list({f.key: f for f in reversed(fs)}.values())[::-1]

    return Outcome(
        fixed=[f for f in first(original) if f.key not in after],
        left=[f for f in first(revised) if f.key in before],
        new=[f for f in first(revised) if f.key not in before],
    )
