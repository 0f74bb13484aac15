"""Reading a model's reply the way models really answer: one chain, tried in order.

1. ``json``: the reply is exactly the JSON asked for (a server that enforces the schema);
2. ``json-in-chat``: the JSON sits in a fenced block, or has a sentence of chat before or after it;
3. the reply with its reasoning removed (``<think>`` blocks from DeepSeek-R1, Qwen3 ...) is tried
   again by 1 and 2; the reasoning is kept for run.json, never in what is returned;
4. ``text``: plain text, chat around it dropped, read by the caller's text reader (for
   chapters: the same reader as pasted drafts).

Which step read the reply is returned with it, so an author can see whether the
model followed the structure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

READ_WAYS = ("json", "json-in-chat", "text")

_THINK = re.compile(r"<(think|thinking|reasoning)>(?P<body>.*?)</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking|reasoning)>", re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*(?P<lang>[A-Za-z0-9_-]*)[ \t]*\n(?P<body>.*?)\n[ \t]*```", re.DOTALL)
_MAX_JSON_STARTS = 64  # '{' positions tried when looking for JSON inside chat; bounds the work on long replies


@dataclass
class Reading:
    """A reply read: the caller's structure and the way it was read, or why it could not be."""

    parsed: Any = None
    read_as: str | None = None  # one of READ_WAYS, or None when unread
    reasoning: str | None = None  # reasoning taken out of the reply's text
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.read_as is not None


def read_reply(content: str, *, from_json: Callable[[Any], Any] | None, from_text: Callable[[str], Any] | None) -> Reading:
    """The reply read by the first step of the chain that can; `error` says why none could.

    Reasoning is taken out before JSON is looked for inside chat, so an object
    the model sketched while thinking is never mistaken for its answer.
    """
    errors: list[str] = []
    answer, reasoning = split_reasoning(content)
    for text in (content, answer) if reasoning is not None else (content,):
        reading = _read_strict(text, from_json, errors)
        if reading.ok:
            reading.reasoning = reasoning if text is answer else None
            return reading
    reading = _read_inside(answer, from_json, errors)
    if reading.ok:
        reading.reasoning = reasoning
        return reading
    if from_text is not None and answer.strip():
        try:
            return Reading(from_text(without_chatter(answer)), "text", reasoning)
        except ValueError as exc:
            text_error = str(exc)
        looks_like_json = answer.lstrip().startswith(("{", "[", "```json", "```JSON"))
        if not (looks_like_json and errors):
            errors.insert(0, text_error)
    if not answer.strip():
        errors.insert(0, "the reply held only the model's reasoning, no answer" if reasoning else "the reply was empty")
    return Reading(reasoning=reasoning, error=errors[0] if errors else "the reply could not be read")


def _read_strict(text: str, from_json: Callable[[Any], Any] | None, errors: list[str]) -> Reading:
    if from_json is None:
        return Reading()
    try:
        data = json.loads(text.strip())
    except json.JSONDecodeError as exc:
        if not errors:
            errors.append(f"the reply is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
        return Reading()
    try:
        return Reading(from_json(data), "json")
    except ValueError as exc:
        errors.append(str(exc))
        return Reading()


def _read_inside(text: str, from_json: Callable[[Any], Any] | None, errors: list[str]) -> Reading:
    if from_json is None:
        return Reading()
    for data in _json_inside(text.strip()):
        try:
            return Reading(from_json(data), "json-in-chat")
        except ValueError as exc:
            errors.append(str(exc))
    return Reading()


def _json_inside(text: str) -> list[Any]:
    """JSON objects found in fenced blocks, then anywhere in the text (the largest first)."""
    found: list[Any] = []
    for m in _FENCE.finditer(text):
        try:
            found.append(json.loads(m.group("body")))
        except json.JSONDecodeError:
            continue
    decoder = json.JSONDecoder()
    loose: list[tuple[int, Any]] = []
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_JSON_STARTS:
        tries += 1
        try:
            data, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(data, dict):
            loose.append((end - start, data))
        start = text.find("{", end)
    found.extend(data for _, data in sorted(loose, key=lambda pair: -pair[0]))
    return found


def split_reasoning(text: str) -> tuple[str, str | None]:
    """The reply without its reasoning, and the reasoning (None when there was none).

    Handles whole ``<think>...</think>`` blocks, a reply that starts inside the
    block (the opening tag was in the prompt template, as Qwen3's is), and a
    block never closed (the model ran out of tokens while thinking).
    """
    parts = [m.group("body").strip() for m in _THINK.finditer(text)]
    answer = _THINK.sub("", text)
    close = list(_THINK_CLOSE.finditer(answer))
    if close:
        parts.append(answer[: close[-1].start()].strip())
        answer = answer[close[-1].end() :]
    opened = _THINK_OPEN.search(answer)
    if opened:
        parts.append(answer[opened.end() :].strip())
        answer = answer[: opened.start()]
    if not parts:
        return text, None
    return answer.strip(), "\n\n".join(p for p in parts if p)


_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s+\S|(?:\*\*)?\s*chapter\s+(?:\d+|[a-z]+)\b|(?:\*\*)?title\s*:)", re.IGNORECASE)


def without_chatter(text: str) -> str:
    """A plain-text answer from its first heading on, taken out of a fence around it.

    Structural only: the lines before the heading ("Sure! Here is chapter 2:")
    are not the chapter. Chat by its wording (a closing "I hope you enjoy it!")
    is the text reader's business: for chapters, the one chatter rule that
    pasted drafts go through too (chapterbook.compare.chatter).
    """
    fenced = [m.group("body") for m in _FENCE.finditer(text) if m.group("lang").lower() not in ("json",)]
    with_heading = [body for body in fenced if any(_HEADING_LINE.match(line) for line in body.splitlines())]
    if len(with_heading) == 1:
        text = with_heading[0]
    lines = text.strip().splitlines()
    first_heading = next((i for i, line in enumerate(lines) if _HEADING_LINE.match(line)), None)
    if first_heading:
        lines = lines[first_heading:]
    return "\n".join(lines) + "\n"
