"""chapterbook draft: ask a language model to write chapters from the outline in story.yaml."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chapterbook.cli.options import add_chapters, add_output
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

Drafts go to output/<book>/drafts/<run-id>/ with run.json.
"""
FAILS = "a draft was cut short, refused, unreadable or failed"


def _optional(kind: type) -> Any:
    def parse(text: str) -> Any:
        if text.strip().lower() in ("none", "off", "unset"):
            return None
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {'whole number' if kind is int else 'number'} (or 'none')") from None

    return parse


def _chapters(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                out.extend(range(min(a, b), max(a, b) + 1))
            else:
                out.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a list of chapter numbers like 1,3 or 2-4") from None
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from chapterbook.draft.run import SamplingParams

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("story", help="the story.yaml (or its folder)")
    parser.add_argument("-m", "--model", dest="models", action="append", default=[], metavar="MODEL", help="model name; repeat for several")
    parser.add_argument("-n", "--samples", type=int, default=1, metavar="N", help="drafts per chapter and model (default 1)")
    add_chapters(parser)
    fields = SamplingParams.model_fields
    for name, field in fields.items():
        kind = int if field.annotation in (int, int | None) else float
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=_optional(kind),
            default=field.default,
            metavar="N",
            help=f"{field.description} (default {field.default}; 'none' to not send it)",
        )
    parser.add_argument("--concurrency", type=int, default=4, metavar="N", help="requests at the same time (default 4)")
    parser.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama (default: OpenAI)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS", help="wait this long for each answer (default 120)")
    parser.add_argument("--retries", type=int, default=4, metavar="N", help="retry busy or failing servers this many times (default 4)")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--no-cache", action="store_true", help="ask again even when the same request was answered before")
    cache.add_argument("--replay", action="store_true", help="use cached answers only; fail if any is missing")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="where answers are cached (default output/<book>/.cache/llm)")
    add_output(parser)
    parser.add_argument(
        "--price", action="append", default=[], metavar="MODEL=IN/OUT", help="US dollars per million input/output tokens, e.g. gpt-4o-mini=0.15/0.60"
    )


def run(args: argparse.Namespace) -> int:
    from chapterbook.draft.client import RetryPolicy
    from chapterbook.draft.run import DraftOptions, SamplingParams, parse_price, run_drafts
    from chapterbook.spec.load import load_story
    from pydantic import ValidationError

    if not args.models:
        raise UsageError("no model given", hint="name one with --model, e.g. --model gpt-4o-mini (or --model llama3.2 with --base-url for Ollama)")
    if args.concurrency < 1 or args.samples < 1 or args.retries < 0 or args.timeout <= 0:
        raise UsageError("--concurrency, -n and --timeout must be above 0, --retries 0 or more")
    try:
        params = SamplingParams(**{name: getattr(args, name) for name in SamplingParams.model_fields})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}") from None
    story = load_story(args.story)
    options = DraftOptions(
        models=list(dict.fromkeys(args.models)),
        samples=args.samples,
        chapters=args.chapters.expand(len(story.spec.chapters)) if args.chapters else None,
        params=params,
        concurrency=args.concurrency,
        base_url=args.base_url,
        policy=RetryPolicy(attempts=args.retries + 1, timeout=args.timeout),
        use_cache=not args.no_cache,
        replay=args.replay,
        cache_dir=args.cache_dir,
        output_root=args.output,
        prices=dict(parse_price(p) for p in args.price),
    )
    return _run_with_progress(story, options, run_drafts)


def _run_with_progress(story: Any, options: Any, run_drafts: Any) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = err_console()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)
    state: dict[str, Any] = {}

    def on_start(total: int, folder: Path) -> None:
        state["folder"] = folder
        state["task"] = progress.add_task("drafting", total=total)

    def on_done(job: Any, record: dict) -> None:
        mark = "" if record["status"] == "ok" else f" ({record['status']})"
        progress.update(state["task"], advance=1, description=f"chapter {job.chapter} {job.model} #{job.sample}{mark}")

    try:
        with progress:
            result = run_drafts(story, options, on_start=on_start, on_done=on_done)
    except KeyboardInterrupt:
        if "folder" in state:
            err.print(f"stopped: finished drafts are kept in {display_path(state['folder'])} (see run.json)", markup=False)
        raise
    _summary(result)
    return 1 if result.problems else 0


def _summary(result: Any) -> None:
    from rich.table import Table

    out = out_console()
    table = Table(show_edge=False, pad_edge=False, box=None)
    for name in ("chapter", "model", "sample", "status", "tokens in/out", "seconds", "file or problem"):
        table.add_column(name, justify="right" if name in ("chapter", "sample", "seconds") else "left")
    for d in result.drafts:
        usage = d["usage"]
        tokens = f"{usage['prompt_tokens']}/{usage['completion_tokens']}" if usage["prompt_tokens"] is not None else "-"
        status = d["status"] + (" (cached)" if d["cached"] else "")
        table.add_row(str(d["chapter"]), d["model"], str(d["sample"]), status, tokens, f"{d['seconds']:.1f}", d["file"] or d["error"] or "")
    out.print(table)
    totals = result.record["totals"]
    folder = display_path(result.folder)
    out.print(f"{totals['ok']} of {totals['drafts']} drafts written to {folder}/ (details in run.json)", markup=False)
    out.print(f"{totals['cached']} from the cache, {result.requests_sent} requests sent", markup=False)
    cost = totals["cost_usd"]
    if cost is None:
        out.print("estimated cost: unknown (add --price MODEL=IN/OUT in dollars per million tokens to estimate it)", markup=False)
    else:
        out.print(f"estimated cost of this run: ${cost:.4f}", markup=False)
    if result.problems:
        err = err_console()
        err.print(f"{len(result.problems)} draft(s) need a look:", markup=False)
        for d in result.problems:
            where = f"chapter {d['chapter']}, {d['model']}, sample {d['sample']}"
            kept = f" (the reply is in {d['raw_file']})" if d.get("raw_file") else ""
            err.print(f"  {where}: {d['status']}: {d['error']}{kept}", markup=False)
