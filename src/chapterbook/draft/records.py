"""The typed records of a drafting run: one :class:`DraftRecord` per draft, and run.json built from them.

run.json is written from these models only (``model_dump``), so its shape is
defined here once; docs/drafting.md describes every field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RUN_FORMAT = 2  # 2: drafts carry read_as and reasoning; base_url never holds credentials


class TokenUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class PromptRecord(BaseModel):
    """What was asked: the messages as sent and the templates that made them."""

    model_config = ConfigDict(extra="forbid")

    messages: list[dict[str, str]]
    template_hashes: dict[str, str]  # template name -> sha256 of its source
    template_sources: dict[str, str]  # template name -> "story" or "chapterbook"


class DraftRecord(BaseModel):
    """One draft of a run, as run.json lists it."""

    model_config = ConfigDict(extra="forbid")

    chapter: int  # 1-based
    model: str  # the model asked for
    sample: int  # 1-based
    status: str  # ok | length | refusal | invalid | error
    error: str | None = None  # plain words; never a secret
    file: str | None = None  # the draft's Markdown file in the run folder
    raw_file: str | None = None  # the reply of a draft that did not come out right (.failed.txt)
    returned_model: str | None = None  # the model the server says answered
    finish_reason: str | None = None
    response_id: str | None = None
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None
    seconds: float = 0.0  # spent on it in this run (for a cached draft: what the original request took)
    cached: bool = False
    attempts: int = 0  # HTTP requests made for it in this run
    mode: str | None = None  # json_schema | text: how the reply was asked for (None: never asked)
    read_as: str | None = None  # json | json-in-chat | text: how the reply was read (None: it was not)
    reasoning: str | None = None  # the model's thinking, kept for the curious; never in the draft
    title: str | None = None
    prompt: PromptRecord
    params: dict[str, Any]
    cache_key: str | None = None
    revises: str | None = None  # in a revision run: the file of the parent run's draft it revises

    @property
    def label(self) -> str:
        return f"chapter {self.chapter}, {self.model}, sample {self.sample}"


class RunTotals(BaseModel):
    drafts: int
    ok: int
    problems: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # what this run cost (cached drafts were paid for by an earlier run)
    cost_usd_all_drafts: float | None  # what all its drafts cost


class ParentRun(BaseModel):
    """The run a revision run (draft --revise) revised."""

    model_config = ConfigDict(extra="forbid")

    run_id: str  # its folder name, a sibling of the revision run's folder
    folder: str  # where it was when revised, as the command was given it


class RunRecord(BaseModel):
    """run.json: the whole run."""

    model_config = ConfigDict(extra="forbid")

    format: int = RUN_FORMAT
    run_id: str
    created: str  # ISO time, UTC
    story: str
    book: str
    base_url: str  # credentials hidden; the key is never here
    models: list[str]
    samples: int
    reply: str  # auto | json | text (--reply)
    chapters: list[int]
    params: dict[str, Any]
    concurrency: int
    retry: dict[str, float]
    cache: dict[str, Any]
    prices_usd_per_million_tokens: dict[str, dict[str, float]]
    interrupted: bool
    seconds: float
    requests_sent: int
    totals: RunTotals
    inputs: dict[str, str]
    versions: dict[str, str]
    drafts: list[DraftRecord]
    parent: ParentRun | None = None  # set by draft --revise: the run whose drafts these revise


def totals(drafts: list[DraftRecord]) -> RunTotals:
    """The counts, tokens and costs of a list of drafts."""
    spent = [d.cost_usd for d in drafts if not d.cached and d.cost_usd is not None]
    all_costs = [d.cost_usd for d in drafts if d.cost_usd is not None]
    return RunTotals(
        drafts=len(drafts),
        ok=sum(d.status == "ok" for d in drafts),
        problems=sum(d.status != "ok" for d in drafts),
        cached=sum(d.cached for d in drafts),
        prompt_tokens=sum(d.usage.prompt_tokens or 0 for d in drafts),
        completion_tokens=sum(d.usage.completion_tokens or 0 for d in drafts),
        cost_usd=round(sum(spent), 6) if spent else (0.0 if all(d.cached for d in drafts) else None),
        cost_usd_all_drafts=round(sum(all_costs), 6) if all_costs else None,
    )


def run_json(record: RunRecord) -> dict[str, Any]:
    """run.json's content: the record as plain JSON data."""
    return record.model_dump(mode="json")


def read_run(path: Path) -> RunRecord:
    """A run.json read back (raises pydantic.ValidationError for one of another shape)."""
    return RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
