"""Compare every version of every chapter and write report.html and metrics.json.

The library entry point is :func:`compare`; the command only parses arguments
and prints what this returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from chapterbook import templating
from chapterbook.compare import context, craft, lists, myths, readability, safety, science, similarity, teaching
from chapterbook.compare.metrics import METRICS_SCHEMA, PairSimilarity, Verdict, VersionMetrics
from chapterbook.compare.prose import Prose, parse
from chapterbook.compare.revision import Revision, revision
from chapterbook.compare.verdicts import verdicts
from chapterbook.compare.versions import Collected, FailedDraft, collect, latest_run
from chapterbook.output import atomic_write, book_dir, package_versions, write_json
from chapterbook.spec.load import Story
from chapterbook.spec.models import Concept
from chapterbook.text import ChapterVersion

TEMPLATE = "html/compare.html.j2"


@dataclass
class VersionResult:
    version: ChapterVersion
    prose: Prose
    metrics: VersionMetrics
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class ChapterResult:
    index: int
    title: str
    concepts: list[Concept]
    versions: list[VersionResult]
    failed: list[FailedDraft]
    similarity: list[PairSimilarity]


@dataclass
class CompareResult:
    report: Path
    metrics: Path
    chapters: list[ChapterResult]
    collected: Collected
    data: dict[str, Any]
    revision: Revision | None = None  # a revision run's before/after (draft --revise), else None


def analyse(story: Story, collected: Collected) -> list[ChapterResult]:
    """Every metric for every version, grouped by chapter in spec order."""
    spec = story.spec
    root = story.root
    wl = readability.word_lists(spec, root)
    vocab = science.vocab(root)
    cliches = craft.cliche_patterns(root)
    safety_pats = safety.patterns(root)
    known_myths = myths.load(root)
    goals = readability.targets(spec)
    min_age = spec.book.age_range.min
    adults = context.grown_ups([(c.name, c.role) for c in spec.characters])

    measured: dict[int, list[VersionResult]] = {}
    for i, ch in enumerate(spec.chapters):
        concepts = [c for c in (spec.concept(cid) for cid in ch.concepts) if c is not None]
        for v in (v for v in collected.versions if v.chapter == i):
            prose = parse(v.text)
            sc = science.measure(prose, concepts, vocab)
            sc.myths = myths.find(prose, known_myths)
            m = VersionMetrics(
                readability=readability.measure(prose, spec, wl),
                science=sc,
                craft=craft.measure(prose, cliches, vocab.stopwords),
                safety=safety.measure(prose, safety_pats, min_age, adults),
            )
            measured.setdefault(i, []).append(VersionResult(v, prose, m))
    # Each chapter is judged on the facts it is meant to teach (compare.teaching), which may
    # depend on what the author's own chapters state.
    told = {
        i: {(c.id, k) for c in r.metrics.science.concepts for k, f in enumerate(c.facts) if f.stated}
        for i, rs in measured.items()
        for r in rs
        if r.version.label == "human"
    }
    judged = teaching.facts_taught(spec, told)

    chapters: list[ChapterResult] = []
    for i, ch in enumerate(spec.chapters):
        results = measured.get(i, [])
        failed = [f for f in collected.failed if f.chapter == i]
        if not results and not failed:
            continue
        concepts = [c for c in (spec.concept(cid) for cid in ch.concepts) if c is not None]
        for r in results:
            r.metrics.science = teaching.restrict(r.metrics.science, judged[i])
        labels = [r.version.label for r in results]
        sets = [similarity.shingles(r.prose.lower, normalised=True) for r in results]
        human = next((k for k, r in enumerate(results) if r.version.label == "human"), None)
        for k, r in enumerate(results):
            r.metrics.similarity_to_human = similarity.containment(sets[k], sets[human]) if human is not None and k != human else None
        for r in results:
            status = next((f.status for f in failed if f.label == r.version.label), None)
            r.verdicts = verdicts(r.metrics, goals, status)
        chapters.append(ChapterResult(i, ch.title, concepts, results, [f for f in failed if f.label not in labels], similarity.matrix(labels, sets)))
    return chapters


# --- HTML ------------------------------------------------------------------------------------


def flow(prose: Prose, concepts: list[Concept], fact_sentences: set[int], briefs: dict[str, str]) -> list[dict]:
    """The version as readers meet it: paragraphs (escaped, highlighted) and illustrations in place."""
    paras = highlighted(prose, concepts, fact_sentences)
    out: list[dict] = []
    k = 0
    for b in prose.blocks:
        if b.kind == "illustration":
            out.append({"kind": "illustration", "text": briefs.get(b.ref, b.ref)})
        elif b.kind in ("paragraph", "dialogue") and k < len(paras):
            out.append({"kind": "paragraph", "html": paras[k]})
            k += 1
    return out


def highlighted(prose: Prose, concepts: list[Concept], fact_sentences: set[int]) -> list[Markup]:
    """Each paragraph as escaped HTML: key terms marked, fact sentences and dialogue styled."""
    out = []
    by_para: dict[int, list[tuple[int, int]]] = {}
    for k, s in enumerate(prose.sentences):
        if k in fact_sentences:
            by_para.setdefault(s.paragraph, []).append((s.start, s.start + len(s.text)))
    quotes: dict[int, list[tuple[int, int]]] = {}
    for p, a, b in prose.quotes:
        quotes.setdefault(p, []).append((a, b))
    index = science.term_index(concepts)  # once per version, not per paragraph
    for p, text in enumerate(prose.paragraphs):
        terms = science.term_spans(text, concepts, index)
        facts = by_para.get(p, [])
        qs = quotes.get(p, [])
        cuts = sorted({0, len(text), *(x for t in terms for x in t[:2]), *(x for f in facts for x in f), *(x for q in qs for x in q)})
        parts = []
        for a, b in zip(cuts, cuts[1:]):
            if a >= b:
                continue
            seg = str(escape(text[a:b]))
            term = next((t for t in terms if t[0] <= a and b <= t[1]), None)
            if term:
                seg = f'<mark class="term" title="key term: {escape(term[2])}">{seg}</mark>'
            if any(q[0] <= a and b <= q[1] for q in qs):
                seg = f'<span class="dlg">{seg}</span>'
            if any(f[0] <= a and b <= f[1] for f in facts):
                seg = f'<span class="fact">{seg}</span>'
            parts.append(seg)
        out.append(Markup("".join(parts)))
    return out


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{value * 100:.0f}%"
    if kind == "float":
        return f"{value:.1f}"
    return str(value)


ROWS: list[tuple[str, Callable[[VersionMetrics], Any], str, str | None]] = [
    # (label, getter, format, target key or None)
    ("Words", lambda m: m.readability.words, "int", None),
    ("Sentences", lambda m: m.readability.sentences, "int", None),
    ("Words per sentence", lambda m: m.readability.words_per_sentence, "float", "words_per_sentence"),
    ("Longest sentence (words)", lambda m: m.readability.longest_sentence_words, "int", "longest_sentence_words"),
    ("Sentences per paragraph", lambda m: m.readability.sentences_per_paragraph, "float", "sentences_per_paragraph"),
    ("Spache grade", lambda m: m.readability.spache_grade, "float", "spache_grade"),
    ("Flesch-Kincaid grade", lambda m: m.readability.fk_grade, "float", "fk_grade"),
    ("Hard words (not on easy list)", lambda m: m.readability.hard_word_share, "pct", "hard_word_share"),
    ("Facts stated", lambda m: m.science.facts_stated, "facts", "facts"),
    ("Key terms used", lambda m: m.science.terms_used, "terms", "terms"),
    ("Sentences carrying science", lambda m: m.science.science_share, "pct", None),
    ("Explanations (because, so...)", lambda m: m.science.explanations, "int", None),
    ("Misconceptions repeated", lambda m: len(m.science.misconceptions_repeated), "int", "zero"),
    ("Myths stated as fact", lambda m: sum(not x.corrected for x in m.science.myths), "int", "zero"),
    ("Dialogue share", lambda m: m.craft.dialogue_share, "pct", None),
    ("Questions characters ask", lambda m: m.craft.character_questions, "int", None),
    ("Exclamations", lambda m: m.craft.exclamations, "int", None),
    ("Challenges to the reader", lambda m: len(m.craft.reader_challenges), "int", "some"),
    ("Clichés", lambda m: sum(c.count for c in m.craft.cliches), "int", "zero"),
    ("Safety flags", lambda m: m.safety.flag_count, "int", "zero"),
    ("Events to check for the age", lambda m: len(m.safety.events), "int", "zero"),
    ("Illustration slots", lambda m: m.craft.illustration_slots, "int", None),
    ("3-word runs shared with human", lambda m: m.similarity_to_human, "pct", "similarity"),
]


def metric_rows(results: list[VersionResult], goals: dict) -> list[dict]:
    """The metrics table: one row per metric, one cell per version, coloured in/out of target."""
    rows = []
    for label, get, kind, target in ROWS:
        cells = []
        tgt_text = ""
        for r in results:
            m = r.metrics
            v = get(m)
            cls = ""
            text = _fmt(v, "int" if kind in ("facts", "terms") else kind)
            if kind == "facts":
                total = m.science.facts_total
                text = f"{v} of {total}"
                tgt_text = "all"
                cls = "" if not total else ("in" if v == total else "out")
            elif kind == "terms":
                total = m.science.terms_total
                text = f"{v} of {total}"
                tgt_text = "all"
                cls = "" if not total else ("in" if v == total else "out")
            elif target in goals and v is not None:
                lo, hi = goals[target]
                cls = "in" if lo <= v <= hi else "out"
                tgt_text = f"{_fmt(lo, kind)}–{_fmt(hi, kind)}" if lo else f"≤ {_fmt(hi, kind)}"
            elif target == "zero" and v is not None:
                cls, tgt_text = ("in" if v == 0 else "out"), "0"
            elif target == "some" and v is not None:
                cls, tgt_text = ("in" if v > 0 else "out"), "≥ 1"
            elif target == "similarity" and v is not None:
                cls = "in" if v < similarity.NEAR_COPY else "out"
                tgt_text = f"< {similarity.NEAR_COPY * 100:.0f}%"
            cells.append({"text": text, "cls": cls})
        rows.append({"label": label, "target": tgt_text, "cells": cells})
    return rows


def _version_json(r: VersionResult) -> dict:
    return {
        "label": r.version.label,
        "title": r.version.title,
        "origin": r.version.origin,
        "illustrations": r.version.illustrations,
        "metrics": r.metrics.to_json(),
        "verdicts": [dataclasses.asdict(v) for v in r.verdicts],
    }


def compare(
    story: Story,
    drafts: Path | None = None,
    output_root: Path | None = None,
    chapter: int | None = None,
    judge: Any | None = None,
) -> CompareResult:
    """Compare the versions of every chapter; write compare/report.html and compare/metrics.json.

    `judge`, when given, is called as judge(story, chapters) and returns
    {(chapter index, label): {"model", "scores": {name: {"score", "reason"}}, "error"?}},
    shown apart from the measured metrics (see chapterbook.compare.judge).
    """
    out_dir = book_dir(story, output_root)
    collected = collect(story, drafts, out_dir, chapter)
    chapters = analyse(story, collected)
    goals = readability.targets(story.spec)
    judged: dict[tuple[int, str], dict] = judge(story, chapters) if judge is not None else {}
    run_dir = drafts if drafts is not None and drafts.is_dir() else (latest_run(out_dir / "drafts") if drafts is None else None)
    revised = revision(story, run_dir, chapters, goals, collected.notes)

    data = {
        "schema": METRICS_SCHEMA,
        "book": story.spec.book.title,
        "story": str(story.path),
        "source": collected.source or "human text only",
        "notes": collected.notes,
        "targets": {k: list(v) for k, v in goals.items()},
        "lists_overridden": lists.overrides_used(story.root),
        "versions": {k: v for k, v in package_versions(("chapterbook",)).items()},
        "chapters": [
            {
                "number": c.index + 1,
                "title": c.title,
                "concepts": [x.id for x in c.concepts],
                "versions": [
                    {**_version_json(r), **({"judge": judged[(c.index, r.version.label)]} if (c.index, r.version.label) in judged else {})} for r in c.versions
                ],
                "failed": [{"label": f.label, "status": f.status, "error": f.error} for f in c.failed],
                "similarity": [p.to_json() for p in c.similarity],
                "revisions": [p.to_json() for p in revised.of_chapter(c.index)] if revised else [],
            }
            for c in chapters
        ],
        "revises_run": revised.parent_run if revised else None,
    }

    view_chapters = []
    for c in chapters:
        briefs = {ill.id: ill.brief for ill in story.spec.chapters[c.index].illustrations}
        cols = []
        for r in c.versions:
            facts = {i for f in r.metrics.science.facts for i in f.sentence_index}
            cols.append(
                {
                    "label": r.version.label,
                    "title": r.version.title or "",
                    "origin": r.version.origin,
                    "flow": flow(r.prose, c.concepts, facts, briefs),
                    "illustrations": r.version.illustrations,
                    "verdicts": r.verdicts,
                    "facts": r.metrics.science.facts,
                    "elsewhere": [f for c in r.metrics.science.concepts for f in c.facts_elsewhere],
                    "terms_elsewhere": [t for c in r.metrics.science.concepts for t in c.terms_elsewhere],
                    "hard_words": r.metrics.readability.hard_words[:15],
                    "judge": judged.get((c.index, r.version.label)),
                }
            )
        view_chapters.append(
            {
                "number": c.index + 1,
                "title": c.title,
                "concepts": [{"name": x.name, "terms": [t.term for t in x.key_terms]} for x in c.concepts],
                "columns": cols,
                "failed": c.failed,
                "rows": metric_rows(c.versions, goals),
                "similarity": c.similarity,
                "revisions": revised.of_chapter(c.index) if revised else [],
            }
        )
    ages = story.spec.book.age_range
    context = {
        "book": story.spec.book,
        "ages": f"{ages.min}-{ages.max}",
        "source": data["source"],
        "notes": collected.notes,
        "chapters": view_chapters,
        "overrides": data["lists_overridden"],
        "revises_run": data["revises_run"],
        "has_drafts": any(v.label != "human" for v in collected.versions) or bool(collected.failed),
    }
    html_text = templating.render(TEMPLATE, context, story.root)
    compare_dir = out_dir / "compare"
    report = atomic_write(compare_dir / "report.html", html_text)
    metrics = write_json(compare_dir / "metrics.json", data)
    return CompareResult(report, metrics, chapters, collected, data, revised)
