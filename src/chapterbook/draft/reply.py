"""The chapter a model writes: a Pydantic model, its JSON schema, and the plain-text fallback parser.

The model is asked for JSON matching :class:`ChapterReply` (or, with
``--reply text``, for the chapter as text). Every reply goes through the
reading chain in :mod:`chapterbook.llm.reading`: JSON is checked by
:func:`chapter_from_json`, plain text is read by :func:`parse_plain_text`, the
same chapter grammar pasted drafts are read with. Either way the draft is saved as Markdown by
:meth:`ChapterReply.to_markdown`, the format every other stage reads.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chapterbook.llm.structured import strict_schema
from chapterbook.text import BlockQuote, BulletList, Heading, IllustrationMarker, NumberedList, Paragraph, parse


class IllustrationBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_paragraph: int = Field(description="Put the picture after this paragraph (1 = after the first; 0 = before the first).")
    brief: str = Field(description="What the illustrator should draw, in one or two sentences.")


class ChapterReply(BaseModel):
    """One chapter as the model returns it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="The chapter title, without 'Chapter N'.")
    paragraphs: list[str] = Field(description="The chapter text, one paragraph per item, in reading order.")
    illustrations: list[IllustrationBrief] = Field(description="Where pictures go and what they show.")

    def to_markdown(self) -> str:
        """The chapter as Markdown: '# title', paragraphs, '[illustration: brief]' lines."""
        out = [f"# {_one_line(self.title)}"]
        by_place: dict[int, list[str]] = {}
        for ill in self.illustrations:
            place = min(max(ill.after_paragraph, 0), len(self.paragraphs))
            by_place.setdefault(place, []).append(_one_line(ill.brief))
        for brief in by_place.get(0, []):
            out.append(f"[illustration: {brief}]")
        for i, paragraph in enumerate(self.paragraphs, start=1):
            text = _paragraph(paragraph)
            if text:
                out.append(text)
            for brief in by_place.get(i, []):
                out.append(f"[illustration: {brief}]")
        return "\n\n".join(out) + "\n"


def _one_line(text: str) -> str:
    # A title or brief that spans lines, or holds a ']', would break the one-line Markdown markers.
    return re.sub(r"\s+", " ", text).replace("]", ")").strip()


def _paragraph(text: str) -> str:
    # Keep a paragraph one block: blank lines inside it would split it, and a line
    # that looks like a heading or an illustration marker would change its meaning.
    # A list or a quote (as the grammar reads it) keeps its lines, one item or line each.
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    found = parse("\n".join(lines), tolerant=True).blocks
    if len(found) == 1 and isinstance(found[0], (BulletList, NumberedList, BlockQuote)):
        return "\n".join(lines)
    text = " ".join(lines)
    if text.startswith("#"):
        text = text.lstrip("#").strip()
    return text


def json_schema() -> dict[str, Any]:
    """The JSON schema sent as response_format (strict: every field required, nothing extra)."""
    return strict_schema(ChapterReply.model_json_schema())


# --- reading replies ----------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


def parse_json_reply(content: str) -> ChapterReply:
    """The chapter in a JSON reply; raises ValueError in plain words when it is not one."""
    text = content.strip()
    m = _FENCE.match(text)
    if m:  # some local models wrap JSON in a code fence even when asked not to
        text = m.group("body")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    return chapter_from_json(data)


def chapter_from_json(data: Any) -> ChapterReply:
    """The chapter in decoded JSON; raises ValueError in plain words when it does not have the chapter shape."""
    try:
        reply = ChapterReply.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the reply"
        raise ValueError(f"the reply does not have the chapter shape: {where}: {first['msg']}") from None
    if not reply.title.strip():
        raise ValueError("the reply has no chapter title")
    if not any(p.strip() for p in reply.paragraphs):
        raise ValueError("the reply has no paragraphs")
    return reply


_CHAPTER_HEADING = re.compile(r"^\s*(?:\*\*)?\s*chapter\s+(?:\d+|[a-z]+)\s*[:.\-–—]\s*(?P<title>.+?)\s*(?:\*\*)?\s*$", re.IGNORECASE)
_TITLE_LINE = re.compile(r"^\s*(?:\*\*)?title\s*:\s*(?P<title>.+?)(?:\*\*)?\s*$", re.IGNORECASE)


def _title(line: str) -> str | None:
    """The chapter title a heading's text or a first line gives: '# Title', 'Chapter 2: Title', 'Title: Title'."""
    for pattern in (_CHAPTER_HEADING, _TITLE_LINE):
        m = pattern.match(line)
        if m:
            line = m.group("title")
            break
    inner = _CHAPTER_HEADING.match(line)  # "# Chapter 2: The Ramp"
    return (inner.group("title") if inner else line).strip("*# ").strip() or None


def parse_plain_text(content: str) -> ChapterReply:
    """The chapter in a plain-text reply: a '# Title' or 'Chapter N: Title' heading, paragraphs, '[Illustration: ...]' lines.

    The reply is read by the chapter-text grammar (chapterbook.text.grammar) with the
    marker spellings models write; a list or a quote is kept as one paragraph of its own
    lines, and a later heading or a scene break is not chapter text.
    """
    text = content.strip()
    m = _FENCE.match(text)
    if m:
        text = m.group("body")
    if text.startswith("{"):  # a server that ignored "plain text" and sent JSON anyway
        try:
            return parse_json_reply(text)
        except ValueError:
            pass
    lines = text.replace("\r\n", "\n").split("\n")
    found = list(parse(text, tolerant=True).blocks)
    title: str | None = None
    paragraphs: list[str] = []
    illustrations: list[IllustrationBrief] = []
    first = found[0] if found else None
    if isinstance(first, Heading):
        title = _title(first.text.plain)
        found.pop(0)
    elif isinstance(first, Paragraph) and (_CHAPTER_HEADING.match(lines[first.line]) or _TITLE_LINE.match(lines[first.line])):
        title = _title(lines[first.line].strip())
        rest = [ln.strip() for ln in lines[first.line + 1 : first.end] if ln.strip()]
        found.pop(0)
        if rest:
            paragraphs.append(" ".join(rest))
    for block in found:
        if isinstance(block, Paragraph):
            paragraphs.append(block.text.source)
        elif isinstance(block, IllustrationMarker):
            illustrations.append(IllustrationBrief(after_paragraph=len(paragraphs), brief=block.ref))
        elif isinstance(block, (BulletList, NumberedList, BlockQuote)):
            paragraphs.append("\n".join(ln.strip() for ln in lines[block.line : block.end] if ln.strip()))
    if title is None:
        raise ValueError("the reply has no chapter heading (expected a first line like '# Title' or 'Chapter 1: Title')")
    return chapter_from_json({"title": title, "paragraphs": paragraphs, "illustrations": [i.model_dump() for i in illustrations]})


def read_chapter_text(content: str) -> ChapterReply:
    """The chapter in a plain-text reply, chat before and after it removed by the rule pasted drafts go through."""
    from chapterbook.compare.chatter import strip_chatter

    text, _removed = strip_chatter(content)
    return parse_plain_text(text)


TEXT_FORMAT_INSTRUCTIONS = (
    "Reply in plain text, not JSON. Put the chapter title on the first line as '# Title'. "
    "Then write the paragraphs, separated by blank lines. Where a picture should go, put a line of its own: "
    "[Illustration: what to draw]."
)
