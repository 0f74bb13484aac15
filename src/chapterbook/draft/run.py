"""A drafting run: every (chapter, model, sample) asked for, written to output/<book>/drafts/<run-id>/.

Each draft is one Markdown file ``chapter-NN.<model-slug>.sK.md``; ``run.json``
records what produced each one (messages, template hashes, parameters, the
model that answered, tokens, time, estimated cost, finish reason) so a draft
can be told apart from any other and reproduced from the cache.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from chapterbook.draft.prices import OPENAI_PRICES, Price, parse_price, price_for  # noqa: F401  (callers priced drafts from here)
from chapterbook.draft.prompts import ChapterPrompt, PromptMaker
from chapterbook.draft.records import DraftRecord, ParentRun, PromptRecord, RunRecord, TokenUsage, run_json, totals
from chapterbook.draft.reply import TEXT_FORMAT_INSTRUCTIONS, ChapterReply, chapter_from_json, json_schema, read_chapter_text
from chapterbook.errors import ChapterbookError, UsageError
from chapterbook.llm.backend import ChatRequest
from chapterbook.llm.cache import Cache
from chapterbook.llm.client import ChatClient, ChatResult, NotCached
from chapterbook.llm.endpoint import Endpoint, endpoint_from_env, redact_data
from chapterbook.llm.retry import RetryPolicy
from chapterbook.output import atomic_write, book_dir, input_hashes, package_versions, write_json
from chapterbook.spec.load import Story

REPLY_MODES = ("auto", "json", "text")
ChapterRange = tuple[int, int]  # (first, last), 1-based, as --chapters 2-4 gives it


class SamplingParams(BaseModel):
    """Sampling parameters sent with every request. Descriptions double as --help text."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(0.8, ge=0, le=2, description="randomness: 0 = most predictable, 1 = lively, 2 = wild")
    seed: int | None = Field(
        1,
        ge=-(2**63),
        le=2**63 - 1,  # servers take a 64-bit integer
        description="starting seed; sample K uses seed+K-1 so samples differ but reruns repeat (servers honour it on a best-effort basis)",
    )
    max_tokens: int | None = Field(3000, ge=1, le=1_000_000, description="longest reply allowed, in tokens; a chapter of 1,000 words needs about 1,500")
    top_p: float | None = Field(None, gt=0, le=1, description="nucleus sampling (leave unset unless you know you want it)")


# --- a run --------------------------------------------------------------------------------


@dataclass
class DraftOptions:
    """What to draft and how. Chapters are 1-based; None means every chapter."""

    models: list[str]
    samples: int = 1
    chapters: list[int | ChapterRange] | None = None  # numbers or (first, last) ranges, 1-based
    params: SamplingParams = field(default_factory=SamplingParams)
    concurrency: int = 4
    base_url: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    use_cache: bool = True
    replay: bool = False
    cache_dir: Path | None = None
    output_root: Path | None = None
    prices: dict[str, Price] = field(default_factory=dict)
    reply: str = "auto"  # auto: JSON schema, plain chapter text when refused; json: JSON only; text: the chapter as text


@dataclass
class DraftJob:
    """One draft to make: a chapter (1-based), a model and a sample (1-based)."""

    chapter: int
    model: str
    sample: int
    prompt: ChapterPrompt
    request: ChatRequest
    revises: str | None = None  # a revision (--revise): the parent run's draft file it revises

    @property
    def label(self) -> str:
        return f"chapter {self.chapter}, {self.model}, sample {self.sample}"


@dataclass
class DraftRun:
    """A finished (or interrupted) run: where it is and one record per draft, as in run.json."""

    run_id: str
    folder: Path
    drafts: list[DraftRecord]
    record: RunRecord
    interrupted: bool = False
    requests_sent: int = 0
    saved: bool = True  # False when no draft got any answer: then no run folder is left behind

    @property
    def problems(self) -> list[DraftRecord]:
        return [d for d in self.drafts if d.status != "ok"]


def model_slug(model: str) -> str:
    """The model name made safe for a file name: anything but [A-Za-z0-9._-] becomes '-'."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", model)


def draft_filename(chapter: int, model: str, sample: int, suffix: str = ".md") -> str:
    """chapter-NN.<model-slug>.sK.md (chapter and sample 1-based)."""
    return f"chapter-{chapter:02d}.{model_slug(model)}.s{sample}{suffix}"


def new_run_id(now: dt.datetime | None = None) -> str:
    """A run id that sorts by time: 20261126T041900.123Z-<6 hex>.

    Milliseconds matter: two runs in the same second must still sort in the
    order they were made, since "the latest run" is the last name.
    """
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z-" + secrets.token_hex(3)


def default_cache_dir(story: Story, output_root: Path | None) -> Path:
    return book_dir(story, output_root) / ".cache" / "llm"


def select_chapters(story: Story, chapters: list[int | ChapterRange] | None) -> list[int]:
    """The 1-based chapter numbers to draft; raises UsageError for numbers the book does not have.

    Ranges are checked against the book before they are expanded, so
    '--chapters 1-99999999' is a one-line error, not gigabytes of numbers.
    """
    count = len(story.spec.chapters)
    if not chapters:
        return list(range(1, count + 1))
    ranges = [(c, c) if isinstance(c, int) else (min(c), max(c)) for c in chapters]
    wrong = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges if a < 1 or b > count]
    if wrong:
        raise UsageError(
            f"the book has {count} chapter{'s' if count != 1 else ''}; there is no chapter {', '.join(wrong)}",
            hint=f"use --chapters with numbers from 1 to {count}, e.g. --chapters 1,{count} or 1-{count}",
        )
    return sorted({n for a, b in ranges for n in range(a, b + 1)})


def check_reply(options: DraftOptions) -> None:
    """Raises UsageError for a --reply value chapterbook does not know."""
    if options.reply not in REPLY_MODES:
        raise UsageError(f"--reply must be one of {', '.join(REPLY_MODES)}, not '{options.reply}'")


def chapter_request(prompt: ChapterPrompt, model: str, sample: int, options: DraftOptions) -> ChatRequest:
    """The request asking `model` for a chapter with `prompt`'s messages: a draft, or a revision of one."""
    schema = json_schema() if options.reply != "text" else None
    # When the server refuses JSON schema: auto asks for the chapter as text, json for JSON in words.
    fallback = TEXT_FORMAT_INSTRUCTIONS if options.reply == "auto" else "Reply with one JSON object only, matching this JSON schema:\n" + json.dumps(schema)
    params = options.params.model_dump()
    if params.get("seed") is not None:
        params["seed"] = params["seed"] + sample - 1
    return ChatRequest(
        model=model,
        messages=prompt.messages,
        params=params,
        schema=schema,
        schema_name="chapter",
        text_instructions=fallback if schema is not None else None,
        # One reading chain for every mode: a model asked for text may still answer JSON.
        from_json=chapter_from_json,
        from_text=read_chapter_text,
        # Two samples with the same seed (or no seed) must still be two requests.
        cache_extra={"sample": sample},
    )


def plan(story: Story, options: DraftOptions) -> list[DraftJob]:
    """Every request the run will make, with its prompt; in chapter, model, sample order."""
    if not options.models:
        raise UsageError("no model given", hint="name one with --model, e.g. --model gpt-4o-mini (or --model llama3.2 for Ollama)")
    if options.samples < 1:
        raise UsageError("-n must be at least 1")
    blank = [m for m in options.models if not m.strip() or any(c in m for c in "\r\n\t")]
    if blank:
        raise UsageError(
            f"--model {blank[0]!r} is not a model name", hint="give the name the server lists, e.g. --model llama3.2 (chapterbook models lists them)"
        )
    check_reply(options)
    prompts = PromptMaker(story)
    jobs = []
    for number in select_chapters(story, options.chapters):
        prompt = prompts.prompt(number - 1, reply=options.reply)
        for model in options.models:
            for sample in range(1, options.samples + 1):
                jobs.append(DraftJob(number, model, sample, prompt, chapter_request(prompt, model, sample, options)))
    return jobs


def run_drafts(
    story: Story,
    options: DraftOptions,
    *,
    endpoint: Endpoint | None = None,
    on_start: Callable[[int, Path], None] | None = None,
    on_done: Callable[[DraftJob, DraftRecord], None] | None = None,
    jobs: list[DraftJob] | None = None,
    parent: ParentRun | None = None,
) -> DraftRun:
    """Draft the chosen chapters and write them with run.json; returns the run.

    Raises UsageError without a key or base URL, ChapterbookError in replay
    mode when something is not cached. `jobs` replaces the planned drafts and `parent`
    names the run they revise (see chapterbook.draft.revise). On Ctrl-C the drafts already finished
    stay, run.json is written, and KeyboardInterrupt is raised again.
    """
    return asyncio.run(arun_drafts(story, options, endpoint=endpoint, on_start=on_start, on_done=on_done, jobs=jobs, parent=parent))


def _no_file_in_the_way(folder: Path, option: str) -> None:
    """Raises UsageError in plain words when `folder` or one of its parents is a file (nothing is made here)."""
    blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UsageError(
            f"{option}: {blocker} is a file, not a folder",
            hint=f"give {option} a folder (it is made if missing), or move the file away",
        )


async def arun_drafts(
    story: Story,
    options: DraftOptions,
    *,
    endpoint: Endpoint | None = None,
    on_start: Callable[[int, Path], None] | None = None,
    on_done: Callable[[DraftJob, DraftRecord], None] | None = None,
    jobs: list[DraftJob] | None = None,
    parent: ParentRun | None = None,
) -> DraftRun:
    """The async body of :func:`run_drafts`.

    `jobs` (default: :func:`plan`'s) and `parent` let a revision run (draft.revise) reuse it all.
    """
    endpoint = endpoint or endpoint_from_env(options.base_url)
    jobs = plan(story, options) if jobs is None else jobs
    cache_dir = options.cache_dir or default_cache_dir(story, options.output_root)
    drafts_root = book_dir(story, options.output_root) / "drafts"
    # Checked before any request: a file where a folder must go is a usage mistake, found after
    # the requests were sent it would waste them.
    _no_file_in_the_way(drafts_root, "--output")
    _no_file_in_the_way(cache_dir, "--cache-dir")
    client = ChatClient(endpoint, policy=options.policy, cache=Cache(cache_dir), use_cache=options.use_cache, replay=options.replay)
    if options.replay:
        missing = [job for job in jobs if not client.is_cached(job.request)]
        if missing:
            shown = "\n".join(f"  - {job.label}" for job in missing[:20])
            more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
            raise ChapterbookError(
                f"--replay: {len(missing)} of {len(jobs)} drafts are not in the cache ({cache_dir}):\n{shown}{more}",
                hint="run the same command without --replay to make them (the prompt, model and settings must match exactly)",
            )

    run_id = new_run_id()
    folder = drafts_root / run_id  # made when the first reply is saved: drafts never sent leave no folder
    created = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    records: dict[int, DraftRecord] = {}
    semaphore = asyncio.Semaphore(max(1, options.concurrency))
    if on_start:
        on_start(len(jobs), folder)

    async def one(i: int, job: DraftJob) -> None:
        async with semaphore:
            try:
                result = await client.chat(job.request)
            except NotCached:  # the cache changed under us since the check above
                result = ChatResult(status="error", error="not in the cache (--replay)")
        records[i] = _save(folder, job, result, endpoint, options)
        if on_done:
            on_done(job, records[i])

    interrupted = False
    try:
        await asyncio.gather(*(one(i, job) for i, job in enumerate(jobs)))
    except (asyncio.CancelledError, KeyboardInterrupt):
        interrupted = True
        raise
    finally:
        await _close_quietly(client)
        drafts = [records.get(i) or _unfinished(job) for i, job in enumerate(jobs)]
        record = RunRecord(
            run_id=run_id,
            created=created.isoformat(timespec="seconds"),
            story=str(story.path),
            book=story.spec.book.title,
            base_url=endpoint.public_url,
            models=list(options.models),
            samples=options.samples,
            reply=options.reply,
            chapters=sorted({d.chapter for d in drafts}),
            params=options.params.model_dump(),
            concurrency=options.concurrency,
            retry={"attempts": options.policy.attempts, "backoff": options.policy.backoff, "timeout": options.policy.timeout},
            cache={"dir": str(cache_dir), "read": options.use_cache or options.replay, "replay": options.replay},
            prices_usd_per_million_tokens={k: {"input": v.input, "output": v.output} for k, v in sorted(options.prices.items())},
            interrupted=interrupted,
            seconds=round(time.monotonic() - started, 3),
            requests_sent=client.requests_sent,
            totals=totals(drafts),
            inputs=input_hashes(story),
            versions=package_versions(),
            drafts=drafts,
            parent=parent,
        )
        saved = folder.is_dir() or any(d.status != "error" for d in drafts)
        if saved:
            # A last safety net: whatever a server or a prompt put in, no secret reaches the file.
            write_json(folder / "run.json", redact_data(run_json(record), *endpoint.secrets))
    return DraftRun(run_id=run_id, folder=folder, drafts=drafts, record=record, interrupted=interrupted, requests_sent=client.requests_sent, saved=saved)


async def _close_quietly(client: ChatClient) -> None:
    try:
        await client.close()
    except (asyncio.CancelledError, Exception):  # closing sockets must not hide why we stopped
        pass


def _save(folder: Path, job: DraftJob, result: ChatResult, endpoint: Endpoint, options: DraftOptions) -> DraftRecord:
    """Write the draft (or the raw reply of a failed one) and return its record."""
    file_name = raw_name = None
    if result.ok and isinstance(result.parsed, ChapterReply):
        file_name = draft_filename(job.chapter, job.model, job.sample)
        atomic_write(folder / file_name, result.parsed.to_markdown())
    elif result.content:
        # Kept so the author can see what went wrong; not .md, so no stage mistakes it for a draft.
        raw_name = draft_filename(job.chapter, job.model, job.sample, ".failed.txt")
        atomic_write(folder / raw_name, endpoint.redact(result.content))
    price = price_for(job.model, result.returned_model, options.prices, endpoint.base_url)
    return DraftRecord(
        chapter=job.chapter,
        model=job.model,
        sample=job.sample,
        status=result.status,
        error=result.error,
        file=file_name,
        raw_file=raw_name,
        returned_model=result.returned_model,
        finish_reason=result.finish_reason,
        response_id=result.response_id,
        usage=TokenUsage(**result.usage),
        cost_usd=price.cost(result.usage) if price else None,
        seconds=round(result.seconds, 3),
        cached=result.cached,
        attempts=result.attempts,
        mode=result.mode,
        read_as=result.read_as,
        reasoning=result.reasoning,
        title=result.parsed.title if isinstance(result.parsed, ChapterReply) else None,
        prompt=_prompt_record(job, result.messages_sent),
        params=job.request.params,
        cache_key=result.cache_key or None,
        revises=job.revises,
    )


def _prompt_record(job: DraftJob, messages_sent: list[dict[str, str]] | None = None) -> PromptRecord:
    return PromptRecord(
        messages=messages_sent or job.request.messages, template_hashes=job.prompt.template_hashes, template_sources=job.prompt.template_sources
    )


def _unfinished(job: DraftJob) -> DraftRecord:
    return DraftRecord(
        chapter=job.chapter,
        model=job.model,
        sample=job.sample,
        status="error",
        error="stopped before this draft was finished",
        prompt=_prompt_record(job),
        params=job.request.params,
        revises=job.revises,
    )
