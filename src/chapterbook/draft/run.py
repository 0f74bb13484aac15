"""A drafting run: every (chapter, model, sample) asked for, written to output/<book>/drafts/<run-id>/.

Each draft is one Markdown file ``chapter-NN.<model-slug>.sK.md``; ``run.json``
records what produced each one (messages, template hashes, parameters, the
model that answered, tokens, time, estimated cost, finish reason) so a draft
can be told apart from any other and reproduced from the cache.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

from chapterbook.draft.cache import Cache
from chapterbook.draft.client import ChatClient, ChatRequest, ChatResult, Endpoint, NotCached, RetryPolicy, endpoint_from_env
from chapterbook.draft.prompts import ChapterPrompt, PromptMaker
from chapterbook.draft.reply import TEXT_FORMAT_INSTRUCTIONS, ChapterReply, json_schema, parse_json_reply, parse_plain_text
from chapterbook.errors import ChapterbookError, UsageError
from chapterbook.output import atomic_write, book_dir, input_hashes, package_versions, write_json
from chapterbook.spec.load import Story


class SamplingParams(BaseModel):
    """Sampling parameters sent with every request. Descriptions double as --help text."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(0.8, ge=0, le=2, description="randomness: 0 = most predictable, 1 = lively, 2 = wild")
    seed: int | None = Field(
        1, description="starting seed; sample K uses seed+K-1 so samples differ but reruns repeat (servers honour it on a best-effort basis)"
    )
    max_tokens: int | None = Field(3000, ge=1, description="longest reply allowed, in tokens; a chapter of 1,000 words needs about 1,500")
    top_p: float | None = Field(None, gt=0, le=1, description="nucleus sampling (leave unset unless you know you want it)")


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float

    def cost(self, usage: dict[str, int | None]) -> float | None:
        if usage.get("prompt_tokens") is None or usage.get("completion_tokens") is None:
            return None
        return round((usage["prompt_tokens"] * self.input + usage["completion_tokens"] * self.output) / 1_000_000, 6)


# OpenAI's list prices (USD per million tokens) when this was written; override with --price.
# Used only for api.openai.com: a local server's model costs nothing per token.
OPENAI_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
}


def parse_price(text: str) -> tuple[str, Price]:
    """'MODEL=INPUT/OUTPUT' (USD per million tokens) -> (model, Price); raises UsageError in plain words."""
    m = re.fullmatch(r"\s*(?P<model>[^=]+?)\s*=\s*\$?(?P<input>\d+(?:\.\d*)?)\s*/\s*\$?(?P<output>\d+(?:\.\d*)?)\s*", text)
    if not m:
        raise UsageError(
            f"--price '{text}' is not in the form MODEL=INPUT/OUTPUT",
            hint="give dollars per million tokens, e.g. --price gpt-4o-mini=0.15/0.60 (or 0/0 for a free local model)",
        )
    return m.group("model"), Price(float(m.group("input")), float(m.group("output")))


def price_for(model: str, returned_model: str | None, prices: dict[str, Price], base_url: str) -> Price | None:
    """The price of a model: the user's --price first, then OpenAI's list for api.openai.com; None if unknown."""
    for name in (model, returned_model):
        if name and name in prices:
            return prices[name]
    if urlparse(base_url).hostname == "api.openai.com":
        for name in (model, returned_model):
            if name and name in OPENAI_PRICES:
                return OPENAI_PRICES[name]
        if returned_model:  # 'gpt-4o-mini-2024-07-18' is priced as 'gpt-4o-mini'
            matches = [k for k in OPENAI_PRICES if returned_model.startswith(k + "-")]
            if matches:
                return OPENAI_PRICES[max(matches, key=len)]
    return None


# --- a run --------------------------------------------------------------------------------


@dataclass
class DraftOptions:
    """What to draft and how. Chapters are 1-based; None means every chapter."""

    models: list[str]
    samples: int = 1
    chapters: list[int] | None = None
    params: SamplingParams = field(default_factory=SamplingParams)
    concurrency: int = 4
    base_url: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    use_cache: bool = True
    replay: bool = False
    cache_dir: Path | None = None
    output_root: Path | None = None
    prices: dict[str, Price] = field(default_factory=dict)


@dataclass
class DraftJob:
    """One draft to make: a chapter (1-based), a model and a sample (1-based)."""

    chapter: int
    model: str
    sample: int
    prompt: ChapterPrompt
    request: ChatRequest

    @property
    def label(self) -> str:
        return f"chapter {self.chapter}, {self.model}, sample {self.sample}"


@dataclass
class DraftRun:
    """A finished (or interrupted) run: where it is and one record per draft, as in run.json."""

    run_id: str
    folder: Path
    drafts: list[dict[str, Any]]
    record: dict[str, Any]
    interrupted: bool = False
    requests_sent: int = 0

    @property
    def problems(self) -> list[dict[str, Any]]:
        return [d for d in self.drafts if d["status"] != "ok"]


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
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z-" + secrets.token_hex(3)


def default_cache_dir(story: Story, output_root: Path | None) -> Path:
    return book_dir(story, output_root) / ".cache" / "llm"


def select_chapters(story: Story, chapters: list[int] | None) -> list[int]:
    """The 1-based chapter numbers to draft; raises UsageError for numbers the book does not have."""
    count = len(story.spec.chapters)
    if not chapters:
        return list(range(1, count + 1))
    wrong = [n for n in chapters if not 1 <= n <= count]
    if wrong:
        raise UsageError(
            f"the book has {count} chapter{'s' if count != 1 else ''}; there is no chapter {', '.join(map(str, wrong))}",
            hint=f"use --chapters with numbers from 1 to {count}, e.g. --chapters 1,{count}",
        )
    return sorted(set(chapters))


def plan(story: Story, options: DraftOptions) -> list[DraftJob]:
    """Every request the run will make, with its prompt; in chapter, model, sample order."""
    if not options.models:
        raise UsageError("no model given", hint="name one with --model, e.g. --model gpt-4o-mini (or --model llama3.2 for Ollama)")
    if options.samples < 1:
        raise UsageError("-n must be at least 1")
    schema = json_schema()
    prompts = PromptMaker(story)
    jobs = []
    for number in select_chapters(story, options.chapters):
        prompt = prompts.prompt(number - 1)
        for model in options.models:
            for sample in range(1, options.samples + 1):
                params = options.params.model_dump()
                if params.get("seed") is not None:
                    params["seed"] = params["seed"] + sample - 1
                request = ChatRequest(
                    model=model,
                    messages=prompt.messages,
                    params=params,
                    schema=schema,
                    schema_name="chapter",
                    text_instructions=TEXT_FORMAT_INSTRUCTIONS,
                    parse_json=parse_json_reply,
                    parse_text=parse_plain_text,
                    # Two samples with the same seed (or no seed) must still be two requests.
                    cache_extra={"sample": sample},
                )
                jobs.append(DraftJob(number, model, sample, prompt, request))
    return jobs


def run_drafts(
    story: Story,
    options: DraftOptions,
    *,
    endpoint: Endpoint | None = None,
    on_start: Callable[[int, Path], None] | None = None,
    on_done: Callable[[DraftJob, dict[str, Any]], None] | None = None,
) -> DraftRun:
    """Draft the chosen chapters and write them with run.json; returns the run.

    Raises UsageError without a key or base URL, ChapterbookError in replay
    mode when something is not cached. On Ctrl-C the drafts already finished
    stay, run.json is written, and KeyboardInterrupt is raised again.
    """
    return asyncio.run(arun_drafts(story, options, endpoint=endpoint, on_start=on_start, on_done=on_done))


async def arun_drafts(
    story: Story,
    options: DraftOptions,
    *,
    endpoint: Endpoint | None = None,
    on_start: Callable[[int, Path], None] | None = None,
    on_done: Callable[[DraftJob, dict[str, Any]], None] | None = None,
) -> DraftRun:
    """The async body of :func:`run_drafts`."""
    endpoint = endpoint or endpoint_from_env(options.base_url)
    jobs = plan(story, options)
    cache_dir = options.cache_dir or default_cache_dir(story, options.output_root)
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
    folder = book_dir(story, options.output_root) / "drafts" / run_id
    folder.mkdir(parents=True, exist_ok=False)
    created = dt.datetime.now(dt.timezone.utc)
    started = time.monotonic()
    records: dict[int, dict[str, Any]] = {}
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
        drafts = [records.get(i) or _unfinished(job, endpoint) for i, job in enumerate(jobs)]
        record = _run_record(story, options, endpoint, run_id, created, time.monotonic() - started, drafts, interrupted, cache_dir, client.requests_sent)
        write_json(folder / "run.json", record)
    return DraftRun(run_id=run_id, folder=folder, drafts=drafts, record=record, interrupted=interrupted, requests_sent=client.requests_sent)


async def _close_quietly(client: ChatClient) -> None:
    try:
        await client.close()
    except (asyncio.CancelledError, Exception):  # closing sockets must not hide why we stopped
        pass


def _save(folder: Path, job: DraftJob, result: ChatResult, endpoint: Endpoint, options: DraftOptions) -> dict[str, Any]:
    """Write the draft (or the raw reply of a failed one) and return its run.json record."""
    file_name = raw_name = None
    if result.ok and isinstance(result.parsed, ChapterReply):
        file_name = draft_filename(job.chapter, job.model, job.sample)
        atomic_write(folder / file_name, result.parsed.to_markdown())
    elif result.content:
        # Kept so the author can see what went wrong; not .md, so no stage mistakes it for a draft.
        raw_name = draft_filename(job.chapter, job.model, job.sample, ".failed.txt")
        atomic_write(folder / raw_name, result.content)
    price = price_for(job.model, result.returned_model, options.prices, endpoint.base_url)
    return {
        "chapter": job.chapter,
        "model": job.model,
        "returned_model": result.returned_model,
        "sample": job.sample,
        "file": file_name,
        "raw_file": raw_name,
        "status": result.status,
        "error": result.error,
        "finish_reason": result.finish_reason,
        "response_id": result.response_id,
        "usage": {"prompt_tokens": result.usage.get("prompt_tokens"), "completion_tokens": result.usage.get("completion_tokens")},
        "cost_usd": price.cost(result.usage) if price else None,
        "seconds": round(result.seconds, 3),
        "cached": result.cached,
        "attempts": result.attempts,
        "mode": result.mode,
        "title": result.parsed.title if isinstance(result.parsed, ChapterReply) else None,
        "prompt": {
            "messages": result.messages_sent or job.request.messages,
            "template_hashes": job.prompt.template_hashes,
            "template_sources": job.prompt.template_sources,
        },
        "params": job.request.params,
        "cache_key": result.cache_key,
    }


def _unfinished(job: DraftJob, endpoint: Endpoint) -> dict[str, Any]:
    return {
        "chapter": job.chapter,
        "model": job.model,
        "returned_model": None,
        "sample": job.sample,
        "file": None,
        "raw_file": None,
        "status": "error",
        "error": "stopped before this draft was finished",
        "finish_reason": None,
        "response_id": None,
        "usage": {"prompt_tokens": None, "completion_tokens": None},
        "cost_usd": None,
        "seconds": 0.0,
        "cached": False,
        "attempts": 0,
        "mode": None,
        "title": None,
        "prompt": {"messages": job.request.messages, "template_hashes": job.prompt.template_hashes, "template_sources": job.prompt.template_sources},
        "params": job.request.params,
        "cache_key": None,
    }


def _run_record(
    story: Story,
    options: DraftOptions,
    endpoint: Endpoint,
    run_id: str,
    created: dt.datetime,
    seconds: float,
    drafts: list[dict[str, Any]],
    interrupted: bool,
    cache_dir: Path,
    requests_sent: int,
) -> dict[str, Any]:
    spent = [d["cost_usd"] for d in drafts if not d["cached"] and d["cost_usd"] is not None]
    all_costs = [d["cost_usd"] for d in drafts if d["cost_usd"] is not None]

    def tokens(kind: str) -> int:
        return sum(d["usage"][kind] or 0 for d in drafts)

    return {
        "run_id": run_id,
        "created": created.isoformat(timespec="seconds"),
        "story": str(story.path),
        "book": story.spec.book.title,
        "base_url": endpoint.base_url,  # never the key
        "models": list(options.models),
        "samples": options.samples,
        "chapters": sorted({d["chapter"] for d in drafts}),
        "params": options.params.model_dump(),
        "concurrency": options.concurrency,
        "retry": {"attempts": options.policy.attempts, "backoff": options.policy.backoff, "timeout": options.policy.timeout},
        "cache": {"dir": str(cache_dir), "read": options.use_cache or options.replay, "replay": options.replay},
        "prices_usd_per_million_tokens": {k: {"input": v.input, "output": v.output} for k, v in sorted(options.prices.items())},
        "interrupted": interrupted,
        "seconds": round(seconds, 3),
        "requests_sent": requests_sent,
        "totals": {
            "drafts": len(drafts),
            "ok": sum(d["status"] == "ok" for d in drafts),
            "problems": sum(d["status"] != "ok" for d in drafts),
            "cached": sum(bool(d["cached"]) for d in drafts),
            "prompt_tokens": tokens("prompt_tokens"),
            "completion_tokens": tokens("completion_tokens"),
            # What this run cost (cached drafts were paid for by an earlier run), and what all its drafts cost.
            "cost_usd": round(sum(spent), 6) if spent else (0.0 if all(d["cached"] for d in drafts) else None),
            "cost_usd_all_drafts": round(sum(all_costs), 6) if all_costs else None,
        },
        "inputs": input_hashes(story),
        "versions": package_versions(),
        "drafts": drafts,
    }
