"""Plain-words judgements of one version, read from its typed metrics."""

from __future__ import annotations

from chapterbook.compare import similarity
from chapterbook.compare.metrics import Level, Verdict, VersionMetrics

Targets = dict[str, tuple[float, float]]


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _list(items: list[str], n: int = 6) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


_SAFETY_NAMES = {"scary": "scary for the age", "violent": "violent", "unsafe": "unsafe to copy"}


def verdicts(m: VersionMetrics, goals: Targets, status: str | None = None) -> list[Verdict]:
    """Short plain-words judgements of one version, worst first within each topic."""
    out: list[Verdict] = []

    def add(level: Level, text: str) -> None:
        out.append(Verdict(level, text))

    if status and status != "ok":
        add("bad", f"the drafting run marked this draft '{status}'" + (" (cut off at the length limit)" if status == "length" else ""))
    sc, rd, cr, sa = m.science, m.readability, m.craft, m.safety
    if rd.words == 0:
        add("bad", "has no prose to measure")
        return out

    total, stated = sc.facts_total, sc.facts_stated
    if total:
        if stated == 0:
            add("bad", f"teaches no science: 0 of {total} facts stated")
        elif stated < total:
            missing = [f.fact for f in sc.facts if not f.stated]
            add("warn", f"states {stated} of {total} facts; missing: “{_short(missing[0])}”" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
        else:
            add("good", f"states all {total} facts")
    terms = [t for c in sc.concepts for t in c.key_terms]
    if terms:
        unused = [t.term for t in terms if not t.count]
        if len(unused) == len(terms):
            add("bad", f"never names a key term ({_list(unused)})")
        elif unused:
            add("warn", f"does not use the key terms {_list(unused)}")
    if total and sc.science_share < 0.2:
        add("warn", f"mostly setting: {round(sc.science_share * 100)}% of sentences carry the science")
    if total and not sc.explanations:
        add("warn", "explains nothing: no 'because', 'so' or 'that is why'")
    for mis in sc.misconceptions_repeated:
        add("bad", f"repeats a misconception: “{_short(mis.sentence)}”")
    for mis in sc.misconceptions_voiced:
        if mis.voice == "question":
            who = "a question raises"
        elif mis.voice == "reported":
            who = "the narrator reports (\u2018people say\u2019)"
        else:
            who = f"{mis.speaker} voices"
        add("warn", f"{who} a misconception; check the text shows it wrong: “{_short(mis.sentence)}”")
    for mis in sc.misconceptions_corrected:
        add("good", f"sets up a misconception and corrects it: “{_short(mis.correction or mis.sentence)}”")
    for myth in sc.myths:
        if myth.corrected:
            add("good", f"tells the myth that {myth.myth} ({myth.scientist}) and corrects it")
        else:
            add("bad", f"states a myth as fact ({myth.scientist}: {myth.myth}): “{_short(myth.sentence)}”. {myth.truth}")

    lo, hi = goals["words_per_sentence"]
    if rd.words_per_sentence > hi:
        add("bad", f"sentences average {rd.words_per_sentence:.0f} words; target at most {hi:.0f}")
    if rd.long_sentences:
        add("warn", f"{len(rd.long_sentences)} sentence(s) longer than {goals['longest_sentence_words'][1]:.0f} words (longest {rd.longest_sentence_words})")
    sp = rd.spache_grade
    slo, shi = goals["spache_grade"]
    if sp is not None and not slo <= sp <= shi:
        add("warn" if sp < shi + 1 else "bad", f"Spache grade {sp:.1f}; target {slo:.0f}-{shi:.0f}")
    hlo, hhi = goals["hard_word_share"]
    if rd.hard_word_share > hhi:
        add("warn", f"{round(rd.hard_word_share * 100)}% hard words (target at most {round(hhi * 100)}%): {_list(rd.hard_words)}")

    for cat, found in sa.flags.items():
        add("bad", f"{_SAFETY_NAMES.get(cat, cat)}: {_list(found)}")
    if sa.handled:
        add("good", "hazards named inside a warning or a grown-up's job: " + _list(sorted({h.word for h in sa.handled})))
    for ev in sa.events:
        add(ev.level, f"{ev.reason}: “{_short(ev.sentence)}”")

    if not cr.reader_challenges:
        add("warn", "no challenge to the reader (no 'Can you...?' or 'Try...')")
    else:
        add("good", f"{len(cr.reader_challenges)} challenge(s) to the reader")
    if cr.character_questions:
        add("good", f"characters ask {cr.character_questions} question(s)")
    if cr.cliches:
        add("warn", "clichés: " + _list([c.phrase for c in cr.cliches]))
    over = [r for r in cr.repeated_phrases if r.count >= 3]
    if over:
        add("warn", "repeats itself: " + _list([f"“{r.phrase}” ×{r.count}" for r in over], 3))
    sim = m.similarity_to_human
    if sim is not None and sim >= similarity.NEAR_COPY:
        add("bad", f"near copy of the human text: {round(sim * 100)}% of its 3-word runs are in it")
    order = {"bad": 0, "warn": 1, "good": 2}
    return sorted(out, key=lambda v: order[v.level])
