"""The typed shape of a chat-completion reply, checked before any field is read, stored or cached.

Servers get this wrong in the field: ``message.content`` as an object or a
number, token counts as strings, no ``choices`` at all. Every reply passes
through :func:`completion_reply` first; a reply that does not fit is a plain
error (and is never cached), so nothing later can crash on it or keep
crashing on it from the cache. :class:`StoredReply` is the part worth keeping,
and what a cache entry must hold to be used.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, StrictStr, ValidationError


class WireError(ValueError):
    """A reply (or a cache entry) that does not have the shape of a chat completion."""


class _Loose(BaseModel):
    # Servers add fields of their own (llama.cpp's timings, LM Studio's stats, vLLM's
    # prompt_logprobs); those are ignored. Only the fields we read are checked.
    model_config = ConfigDict(extra="ignore")


class Message(_Loose):
    content: StrictStr | None = None
    refusal: StrictStr | None = None
    # Reasoning models' thinking, as llama.cpp and vLLM (reasoning_content) or Ollama, LM Studio and newer vLLM (reasoning) send it.
    reasoning_content: StrictStr | None = None
    reasoning: StrictStr | None = None


class Choice(_Loose):
    message: Message | None = None
    finish_reason: StrictStr | None = None


class Usage(_Loose):
    # Strict: "120" is a server bug, and arithmetic on it (cost estimates) must not be attempted.
    prompt_tokens: Annotated[NonNegativeInt | None, Field(strict=True)] = None
    completion_tokens: Annotated[NonNegativeInt | None, Field(strict=True)] = None


class Completion(_Loose):
    id: StrictStr | None = None
    model: StrictStr | None = None
    system_fingerprint: StrictStr | None = None
    choices: list[Choice] = Field(min_length=1)
    usage: Usage | None = None


class StoredReply(BaseModel):
    """One reply as chapterbook keeps it (in the cache, and behind every result)."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | None = None
    model: StrictStr | None = None
    content: StrictStr | None = None
    refusal: StrictStr | None = None
    reasoning: StrictStr | None = None  # the model's thinking, from either field; kept, never in a draft
    finish_reason: StrictStr | None = None
    usage: Usage = Field(default_factory=lambda: Usage())
    mode: StrictStr = "text"  # "json_schema" or "text": how the reply was asked for
    messages_sent: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float = Field(0.0, ge=0, allow_inf_nan=False)
    system_fingerprint: StrictStr | None = None


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the reply"
    # The type, never the value: a cut-off value could hold part of a secret that redaction would not recognise.
    kind = {str: "text", int: "a number", float: "a number", bool: "true/false", dict: "an object", list: "a list"}.get(
        type(first.get("input")), type(first.get("input")).__name__
    )
    return f"{where}: {first['msg'].lower()} (got {kind})"


def completion_reply(body: Any, *, mode: str, messages_sent: list[dict[str, Any]], seconds: float) -> StoredReply:
    """The reply to keep from a decoded completion body; raises WireError in plain words when it has the wrong shape."""
    if not isinstance(body, dict):
        raise WireError("the server's answer is not a JSON object")
    try:
        completion = Completion.model_validate(body)
    except ValidationError as exc:
        raise WireError(f"the server's answer has the wrong shape: {_first_problem(exc)}") from None
    choice = completion.choices[0]
    message = choice.message or Message()
    usage = completion.usage or Usage()
    return StoredReply(
        id=completion.id,
        model=completion.model,
        content=message.content,
        refusal=message.refusal,
        reasoning=message.reasoning_content or message.reasoning,
        finish_reason=choice.finish_reason,
        usage=usage,
        mode=mode,
        messages_sent=messages_sent,
        seconds=round(max(seconds, 0.0), 3),
        system_fingerprint=completion.system_fingerprint,
    )


def stored_reply(data: Any) -> StoredReply:
    """A cached reply read back; raises WireError when the entry does not fit (it is then fetched again)."""
    try:
        return StoredReply.model_validate(data)
    except ValidationError as exc:
        raise WireError(f"the cached reply has the wrong shape: {_first_problem(exc)}") from None


class ModelList(_Loose):
    """GET /v1/models: {"object": "list", "data": [{"id": ...}, ...]} on every server we know."""

    class Entry(_Loose):
        id: StrictStr

    data: list[Entry]


def model_ids(body: Any) -> list[str]:
    """The model names in a /v1/models answer; raises WireError when it has another shape."""
    try:
        return [m.id for m in ModelList.model_validate(body).data]
    except ValidationError as exc:
        raise WireError(f"the server's list of models has the wrong shape: {_first_problem(exc)}") from None
