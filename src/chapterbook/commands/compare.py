"""chapterbook compare: human and drafted chapters side by side, with metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from chapterbook.cli.options import add_chapters, add_output
from chapterbook.console import out_console
from chapterbook.errors import display_path
from chapterbook.spec.load import load_story

HELP = "compare the human chapters with LLM drafts (a draft run or a pasted file); writes compare/report.html"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="the story.yaml (or its folder)")
    parser.add_argument(
        "--drafts",
        metavar="PATH",
        help="a draft run folder (output/<book>/drafts/<run-id>) or a text file pasted from a chat window; default: the latest draft run",
    )
    add_chapters(parser, help="the chapter a pasted one-chapter file is, e.g. 2", old=("--chapter",))
    add_output(parser)
    parser.add_argument(
        "--judge",
        metavar="MODEL",
        help="also ask this LLM to score each version (accuracy, depth, age fit, engagement); uses OPENAI_API_KEY / "
        "--base-url and the drafting cache, shown apart from the measured metrics",
    )
    parser.add_argument("--base-url", metavar="URL", help="OpenAI-compatible endpoint for --judge (default: OPENAI_BASE_URL or OpenAI)")


def run(args: argparse.Namespace) -> int:
    from chapterbook.compare import compare

    story = load_story(args.story)
    output = args.output or Path("output")
    chapter = args.chapters.single() if args.chapters else None
    if chapter is not None:
        args.chapters.expand(len(story.spec.chapters))  # in the book, or say so
    judge = None
    if args.judge:
        from chapterbook.compare.judge import make_judge
        from chapterbook.draft.run import default_cache_dir

        judge = make_judge(args.judge, base_url=args.base_url, cache_dir=default_cache_dir(story, output))
    result = compare(
        story,
        drafts=Path(args.drafts) if args.drafts else None,
        output_root=output,
        chapter=chapter,
        judge=judge,
    )
    con = out_console()
    for note in result.collected.notes:
        con.print(f"note: {note}", markup=False)
    chapters_json = {c["number"]: c for c in result.data["chapters"]}
    for ch in result.chapters:
        con.print(f"Chapter {ch.index + 1}: {ch.title}", markup=False)
        versions_json = {v["label"]: v for v in chapters_json[ch.index + 1]["versions"]}
        for r in ch.versions:
            worst = [v.text for v in r.verdicts if v.level != "good"][:5]
            sc = r.metrics.science
            facts = f"{sc.facts_stated} of {sc.facts_total} facts"
            con.print(f"  {r.version.label}: {facts}; " + ("; ".join(worst) if worst else "no problems found"), markup=False)
            judged = versions_json.get(r.version.label, {}).get("judge")
            if judged:
                _judge_lines(con, judged)
        for f in ch.failed:
            con.print(f"  {f.label}: no draft ({f.status})", markup=False)
        if result.revision is not None:
            _before_after(con, result.revision.of_chapter(ch.index), result.revision.parent_run)
    con.print(f"wrote {display_path(result.report)} and {display_path(result.metrics)}", markup=False)
    return 0


def _judge_lines(con: Console, judged: dict) -> None:
    """The judge's opinion of one version: score, reason and quoted evidence per rubric line (apart from the metrics)."""
    if judged.get("error"):
        con.print(f"    LLM judge ({judged['model']}, not a metric): no scores: {judged['error']}", markup=False)
        return
    con.print(f"    LLM judge ({judged['model']}, not a metric):", markup=False)
    for name, s in judged["scores"].items():
        quotes = [f"“{e['quote']}”" + ("" if e["in_text"] else " (not in the text)") for e in judged.get("evidence", {}).get(name, [])]
        con.print(f"      {name.replace('_', ' ')} {s['score']}/5: {s['reason']}" + (" " + " ".join(quotes) if quotes else ""), markup=False)


def _before_after(con: Console, pairs: list, parent_run: str) -> None:
    """Each revised draft's metrics as original → revised, and the findings it fixed and left."""
    for p in pairs:
        o = p.outcome
        con.print(
            f"  revision {p.revised.version.label} of {p.original.version.label} (run {parent_run}): "
            f"fixed {len(o.fixed)}, left {len(o.left)}, new {len(o.new)}",
            markup=False,
        )
        width = max(len(r["label"]) for r in p.rows)
        for r in p.rows:
            mark = "  *" if r["changed"] else ""
            con.print(f"    {r['label']:<{width}}  {r['cells'][0]['text']:>8} → {r['cells'][1]['text']}{mark}", markup=False)
        for word, found in (("fixed", o.fixed), ("left", o.left), ("new", o.new)):
            for f in found:
                con.print(f"    {word}: {f.text}", markup=False)
