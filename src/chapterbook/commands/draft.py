"""chapterbook draft: ask a language model to write chapters from the outline in story.yaml."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chapterbook.cli.options import add_chapters, add_output, number
from chapterbook.console import err_console, out_console
from chapterbook.errors import UsageError, display_path

HELP = "draft chapters with a language model (OpenAI or a local server such as Ollama), cached and recorded"

EPILOG = """\
examples:
  export OPENAI_API_KEY=sk-...
  chapterbook draft stories/my-book/story.yaml --model gpt-4o-mini -n 2
  chapterbook draft stories/my-book/story.yaml --chapters 1,3 --model a --model b --temperature 0.9
  chapterbook draft stories/my-book/story.yaml --model llama3.2 --base-url http://localhost:11434/v1
  chapterbook draft stories/my-book/story.yaml --model gpt-4o-mini --replay   # from the cache only
  chapterbook draft stories/my-book/story.yaml --model qwen3 --base-url http://localhost:8080/v1 --reply text
  chapterbook models --base-url http://localhost:11434/v1     # what a server can do, before drafting
  chapterbook draft stories/my-book/story.yaml --revise output/my-book/drafts/<run-id>   # revise each draft
                                                 # against its own compare findings (a new run)

Drafts go to output/<book>/drafts/<run-id>/ with run.json.
"""
FAILS = "a draft was cut short, refused, unreadable or failed"


seconds_option = number(float, above=0, high=86400)  # --timeout: a number of seconds, above 0, at most a day


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from chapterbook.draft.run import SamplingParams

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("story", help="the story.yaml (or its folder)")
    parser.add_argument("-m", "--model", dest="models", action="append", default=[], metavar="MODEL", help="model name; repeat for several")
    parser.add_argument("-n", "--samples", type=number(int, low=1, high=100), default=1, metavar="N", help="drafts per chapter and model, 1 to 100 (default 1)")
    add_chapters(parser)
    fields = SamplingParams.model_fields
    for name, field in fields.items():
        kind = int if field.annotation in (int, int | None) else float
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=number(kind, none_words=True),  # bounds are SamplingParams' own, checked in run()
            default=field.default,
            metavar="N",
            help=f"{field.description} (default {field.default}; 'none' to not send it)",
        )
    parser.add_argument("--concurrency", type=number(int, low=1, high=64), default=4, metavar="N", help="requests at the same time, 1 to 64 (default 4)")
    parser.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama (default: OpenAI)")
    parser.add_argument("--timeout", type=seconds_option, default=120.0, metavar="SECONDS", help="wait this long for each answer, above 0 (default 120)")
    parser.add_argument(
        "--retries", type=number(int, low=0, high=10), default=4, metavar="N", help="retry busy or failing servers this many times, 0 to 10 (default 4)"
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--no-cache", action="store_true", help="ask again even when the same request was answered before")
    cache.add_argument("--replay", action="store_true", help="use cached answers only; fail if any is missing")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="where answers are cached (default output/<book>/.cache/llm)")
    add_output(parser)
    parser.add_argument(
        "--reply",
        choices=("auto", "json", "text"),
        default="auto",
        help="how to ask for the chapter: json (structured output), text (the chapter as Markdown; suits small local models), "
        "auto (json, and text when the server cannot do it; default). Every reply is read the same way.",
    )
    parser.add_argument(
        "--revise",
        type=Path,
        metavar="RUN",
        help="revise every draft of an earlier run (output/<book>/drafts/<run-id>) against what compare finds wrong with it; "
        "makes a new run that names RUN as its parent. Each draft is revised by the model that wrote it unless --model says otherwise",
    )
    parser.add_argument(
        "--price", action="append", default=[], metavar="MODEL=IN/OUT", help="US dollars per million input/output tokens, e.g. gpt-4o-mini=0.15/0.60"
    )


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from chapterbook.draft.run import DraftOptions, SamplingParams, parse_price, run_drafts
    from chapterbook.llm.retry import RetryPolicy
    from chapterbook.spec.load import load_story

    if not args.models and args.revise is None:
        raise UsageError("no model given", hint="name one with --model, e.g. --model gpt-4o-mini (or --model llama3.2 with --base-url for Ollama)")
    try:
        params = SamplingParams(**{name: getattr(args, name) for name in SamplingParams.model_fields})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}") from None
    story = load_story(args.story)
    options = DraftOptions(
        models=list(dict.fromkeys(args.models)),
        samples=args.samples,
        chapters=list(args.chapters.ranges) if args.chapters else None,  # checked against the book by select_chapters
        params=params,
        concurrency=args.concurrency,
        base_url=args.base_url,
        policy=RetryPolicy(attempts=args.retries + 1, timeout=args.timeout),
        use_cache=not args.no_cache,
        replay=args.replay,
        cache_dir=args.cache_dir,
        output_root=args.output,
        prices=dict(parse_price(p) for p in args.price),
        reply=args.reply,
    )
    if args.revise is not None:
        return _revise(story, options, args.revise, run_drafts)
    return _run_with_progress(story, options, run_drafts)


def _revise(story: Any, options: Any, folder: Path, run_drafts: Any) -> int:
    """Revise the drafts of the run at `folder` (draft --revise); returns the exit code."""
    from chapterbook.draft.revise import plan_revisions

    plan = plan_revisions(story, folder, options)
    err = err_console()
    for line in plan.skipped:
        err.print(f"not revised: {line}", markup=False)
    if not plan.jobs:
        out_console().print(f"nothing to revise in {display_path(folder)}: no draft there has anything compare would fix", markup=False)
        return 0
    options.models = list(dict.fromkeys(job.model for job in plan.jobs))
    out_console().print(f"revising {len(plan.jobs)} draft(s) of run {plan.parent.run_id} against their compare findings", markup=False)

    def revise_run(story: Any, options: Any, **hooks: Any) -> Any:
        return run_drafts(story, options, jobs=plan.jobs, parent=plan.parent, **hooks)

    return _run_with_progress(story, options, revise_run)


def _run_with_progress(story: Any, options: Any, run_drafts: Any) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = err_console()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)
    state: dict[str, Any] = {}

    def on_start(total: int, folder: Path) -> None:
        state["folder"] = folder
        state["task"] = progress.add_task("drafting", total=total)

    def on_done(job: Any, record: Any) -> None:
        mark = "" if record.status == "ok" else f" ({record.status})"
        progress.update(state["task"], advance=1, description=f"chapter {job.chapter} {job.model} #{job.sample}{mark}")

    try:
        with progress:
            result = run_drafts(story, options, on_start=on_start, on_done=on_done)
    except KeyboardInterrupt:
        if "folder" in state and state["folder"].is_dir():
            err.print(f"stopped: finished drafts are kept in {display_path(state['folder'])} (see run.json)", markup=False)
        raise
    _summary(result)
    return 1 if result.problems else 0


def _summary(result: Any) -> None:
    from rich.table import Table

    out = out_console()
    table = Table(show_edge=False, pad_edge=False, box=None)
    for name in ("chapter", "model", "sample", "status", "read as", "tokens in/out", "seconds", "file or problem"):
        table.add_column(name, justify="right" if name in ("chapter", "sample", "seconds") else "left")
    for d in result.drafts:
        usage = d.usage
        tokens = f"{usage.prompt_tokens}/{usage.completion_tokens}" if usage.prompt_tokens is not None else "-"
        status = d.status + (" (cached)" if d.cached else "")
        seconds = f"{d.seconds:.1f}" if d.attempts or d.cached else "-"
        # Problems are listed in full below the table; in a narrow column they would only wrap.
        table.add_row(str(d.chapter), d.model, str(d.sample), status, d.read_as or "-", tokens, seconds, d.file or "see below")
    out.print(table)
    totals = result.record.totals
    if result.saved:
        out.print(f"{totals.ok} of {totals.drafts} drafts written to {display_path(result.folder)}/ (details in run.json)", markup=False)
    else:
        out.print(f"0 of {totals.drafts} drafts written: no draft got an answer, so no run folder was made", markup=False)
    took = f"{result.record.seconds:.1f} s" if result.record.seconds >= 0.05 else "under 0.1 s"
    out.print(f"{totals.cached} from the cache, {result.requests_sent} requests sent in {took}", markup=False)
    cost = totals.cost_usd
    if cost is None:
        out.print("estimated cost: unknown (add --price MODEL=IN/OUT in dollars per million tokens to estimate it)", markup=False)
    else:
        out.print(f"estimated cost of this run: ${cost:.4f}", markup=False)
    if result.problems:
        _problems(result.problems)


def _problems(problems: list[Any]) -> None:
    err = err_console()
    err.print(f"{len(problems)} draft(s) need a look:", markup=False)
    not_sent = [d for d in problems if d.attempts == 0 and not d.cached and (d.error or "").startswith("not sent: ")]
    for d in problems:
        if d in not_sent:
            continue
        kept = f" (the reply is in {d.raw_file})" if d.raw_file else ""
        err.print(f"  {d.label}: {d.status}: {d.error}{kept}", markup=False)
    if not_sent:
        reason = (not_sent[0].error or "")[len("not sent: ") :]
        err.print(f"  {len(not_sent)} more draft(s) were not sent, for the same reason: {reason}", markup=False)
