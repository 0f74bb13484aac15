"""The one type for a chapter's text, whoever wrote it."""

from __future__ import annotations

import msgspec


class ChapterVersion(msgspec.Struct):
    """One version of one chapter: the human text, an LLM draft or a pasted one.

    `origin` says where it came from (file, model, run id, sample), so every
    stage can show provenance without knowing who produced it.
    """

    chapter: int  # 0-based index into spec.chapters
    label: str  # short, shown in column headings: "human", "gpt-4o-mini #1", "pasted"
    text: str
    origin: dict = msgspec.field(default_factory=dict)
    title: str | None = None
    illustrations: list[str] = msgspec.field(default_factory=list)  # briefs the version asks for
