"""ChatClient: one backend, one retry policy, one cache, one reading chain, for every LLM use.

Drafting and compare's judge both go through it:

    async with ChatClient(endpoint_from_env(url), cache=Cache(folder)) as client:
        results = await asyncio.gather(*(client.chat(r) for r in requests))

or, outside async code, :func:`ask_many` / :func:`ask`. A reply is checked
(:mod:`.wire`) and its secrets hidden (:mod:`.endpoint`) before it is cached or
read; a failed request is never cached.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from chapterbook.llm.backend import Backend, ChatRequest, Failure
from chapterbook.llm.cache import Cache, request_key
from chapterbook.llm.endpoint import Endpoint, endpoint_from_env, redact_data
from chapterbook.llm.reading import read_reply
from chapterbook.llm.retry import RetryPolicy
from chapterbook.llm.wire import StoredReply, WireError, stored_reply

STATUSES = ("ok", "length", "refusal", "invalid", "error")


@dataclass
class ChatResult:
    """What came back, read and classified: status is one of ok, length, refusal, invalid, error."""

    status: str
    content: str | None = None
    parsed: Any = None
    error: str | None = None  # plain words, for the author; never contains a secret
    finish_reason: str | None = None
    refusal: str | None = None
    returned_model: str | None = None
    response_id: str | None = None
    usage: dict[str, int | None] = field(default_factory=lambda: {"prompt_tokens": None, "completion_tokens": None})
    seconds: float = 0.0  # time spent on it now; for cached results the time the original request took
    cached: bool = False
    attempts: int = 0  # HTTP requests made for this result now (0 when cached or never sent)
    mode: str | None = None  # "json_schema" or "text": how the reply was asked for (None: never asked)
    read_as: str | None = None  # "json", "json-in-chat" or "text": how the reply was read (None: it was not)
    reasoning: str | None = None  # the model's thinking, from a reasoning field or <think> blocks
    messages_sent: list[dict[str, str]] = field(default_factory=list)
    cache_key: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class NotCached(Exception):
    """Raised in replay mode when a request has no cached reply."""


class ChatClient:
    """An async, retrying, caching client for one endpoint. Use with ``async with``."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        policy: RetryPolicy | None = None,
        cache: Cache | None = None,
        use_cache: bool = True,
        replay: bool = False,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        backend: Backend | None = None,
    ):
        from chapterbook.llm.openai_compat import OpenAICompatible

        self.endpoint = endpoint
        self.policy = policy or RetryPolicy()
        self.cache = cache
        self.use_cache = use_cache  # read the cache (answers are always written to it)
        self.replay = replay  # never send a request
        self._sleep = sleep
        self.backend: Backend = backend or OpenAICompatible(endpoint, timeout=self.policy.timeout)
        self._no_schema: set[str] = set()  # models this server would not give JSON-schema output for
        self._fatal: str | None = None  # a failure every later request would hit too (bad key, no server)
        self.requests_sent = 0

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self.backend.close()

    @property
    def stopped(self) -> str | None:
        """Why every further request would fail (a bad key, no server), or None."""
        return self._fatal

    def key(self, request: ChatRequest) -> str:
        """The cache key of a request (never includes the API key or URL credentials)."""
        return request_key(
            endpoint=self.endpoint.server_url,  # two people with different keys or URL credentials share answers
            model=request.model,
            messages=request.messages,
            params=request.params,
            schema=request.schema,
            extra=request.cache_extra,
        )

    def cached_reply(self, request: ChatRequest) -> StoredReply | None:
        """The cached reply to `request`, or None (an entry that does not fit the reply shape counts as missing)."""
        if self.cache is None:
            return None
        entry = self.cache.get(self.key(request))
        if entry is None:
            return None
        try:
            return stored_reply(entry["response"])
        except WireError:
            return None  # e.g. written by an older chapterbook that cached bad replies; asked again

    def is_cached(self, request: ChatRequest) -> bool:
        return self.cached_reply(request) is not None

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Send (or look up) one request and return its classified result. Never raises for server trouble."""
        key = self.key(request)
        if self.use_cache or self.replay:
            reply = self.cached_reply(request)
            if reply is not None:
                result = read_response(reply, request)
                result.cached, result.cache_key = True, key
                return result
        if self.replay:
            raise NotCached(key)
        if self._fatal is not None:
            return ChatResult(status="error", error=f"not sent: {self._fatal}", cache_key=key)
        started = time.monotonic()
        reply, error, attempts = await self._send(request)
        if reply is None:
            return ChatResult(status="error", error=error, attempts=attempts, seconds=round(time.monotonic() - started, 3), cache_key=key)
        if self.cache is not None:
            self.cache.put(key, self._request_record(request), reply.model_dump(mode="json"))
        result = read_response(reply, request)
        result.attempts, result.cache_key = attempts, key
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def _request_record(self, request: ChatRequest) -> dict:
        return self.endpoint_redacted(
            {
                "endpoint": self.endpoint.public_url,
                "model": request.model,
                "messages": request.messages,
                "params": request.params,
                "schema": request.schema,
                "extra": request.cache_extra,
            }
        )

    def endpoint_redacted(self, data: Any) -> Any:
        """`data` with this endpoint's secrets hidden in every string."""
        return redact_data(data, *self.endpoint.secrets)

    async def _send(self, request: ChatRequest) -> tuple[StoredReply | None, str | None, int]:
        """The checked, secret-free reply, or None and the reason in plain words; plus the HTTP requests made."""
        use_schema = request.schema is not None and request.model not in self._no_schema
        attempt = 0  # tries that count against the policy (a refused schema does not)
        sent = 0
        last_problem = "no answer"
        while attempt < self.policy.attempts:
            attempt += 1
            messages = request.messages
            if not use_schema and request.schema is not None and request.text_instructions:
                messages = [*messages, {"role": "user", "content": request.text_instructions}]
            self.requests_sent += 1
            sent += 1
            try:
                reply = await self.backend.execute(request, messages=messages, use_schema=use_schema)
            except Failure as failure:
                if not failure.sent:
                    self.requests_sent -= 1
                    sent -= 1
                if failure.kind == "no_schema":
                    # Not the server's fault nor ours: it only speaks plain text. Ask again that way,
                    # and remember so the next chapter does not pay for the refusal too.
                    use_schema = False
                    self._no_schema.add(request.model)
                    attempt -= 1
                    continue
                if failure.kind == "fatal":
                    if self._fatal is not None and not failure.sent:
                        return None, f"not sent: {self._fatal}", sent  # another request found this out first
                    self._fatal = failure.message  # no point in every other request trying too
                    return None, failure.message, sent
                if failure.kind == "final":
                    return None, failure.message, sent
                last_problem = failure.message
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.wait(attempt, failure.retry_after))
                continue
            data = self.endpoint_redacted(reply.model_dump(mode="json"))  # a server that echoes the key must not store it
            return StoredReply.model_validate(data), None, sent
        tries = "once" if attempt == 1 else f"{attempt} times"
        return None, self.endpoint.redact(f"{last_problem} (tried {tries})"), sent

    async def models(self) -> list[str]:
        """The server's model names; raises Failure."""
        return await self.backend.models()


def read_response(reply: StoredReply, request: ChatRequest) -> ChatResult:
    """Classify a reply: a refusal, a cut-off, unreadable output, or ok with the parsed value and how it was read."""
    result = ChatResult(
        status="ok",
        content=reply.content,
        finish_reason=reply.finish_reason,
        refusal=reply.refusal,
        returned_model=reply.model,
        response_id=reply.id,
        usage={"prompt_tokens": reply.usage.prompt_tokens, "completion_tokens": reply.usage.completion_tokens},
        seconds=reply.seconds,
        mode=reply.mode,
        reasoning=reply.reasoning,
        messages_sent=list(reply.messages_sent or request.messages),
    )
    if result.refusal:
        result.status, result.error = "refusal", f"the model refused: {result.refusal.strip()}"
        return result
    if result.finish_reason == "content_filter":
        result.status, result.error = "refusal", "the server's content filter stopped the reply"
        return result
    # Thinking models (served by Ollama, llama.cpp, vLLM) can spend every token on reasoning and answer nothing.
    only_thinking = bool(result.reasoning) and not (result.content or "").strip()
    if result.finish_reason == "length":
        limit = request.params.get("max_tokens")
        result.status = "length"
        result.error = (
            "the reply was cut off at the length limit"
            + (" while the model was still thinking" if only_thinking else "")
            + (f" (max_tokens {limit}); raise --max-tokens" if limit else "; the model's context may be too small")
        )
        return result
    if not (result.content or "").strip():
        result.status = "invalid"
        result.error = "the model gave its reasoning but no answer" if only_thinking else "the reply was empty"
        return result
    if request.from_json is None and request.from_text is None:
        return result
    reading = read_reply(result.content or "", from_json=request.from_json, from_text=request.from_text)
    if reading.reasoning:
        result.reasoning = "\n\n".join(r for r in (result.reasoning, reading.reasoning) if r)
    if reading.ok:
        result.parsed, result.read_as = reading.parsed, reading.read_as
    else:
        result.status, result.error = "invalid", reading.error
    return result


# --- for callers that are not async (compare's judge) -------------------------------------------


def ask_many(
    requests: list[ChatRequest],
    *,
    base_url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    policy: RetryPolicy | None = None,
    concurrency: int = 4,
) -> list[ChatResult]:
    """Send every request through one client in one event loop, `concurrency` at a time; results in order.

    Raises UsageError when no key and no base URL are configured; server
    trouble comes back as ``result.status == "error"`` with ``result.error``.
    """
    endpoint = endpoint_from_env(base_url)

    async def go() -> list[ChatResult]:
        gate = asyncio.Semaphore(max(1, concurrency))
        async with ChatClient(endpoint, policy=policy, cache=Cache(cache_dir) if cache_dir else None, use_cache=use_cache) as client:

            async def one(request: ChatRequest) -> ChatResult:
                async with gate:
                    return await client.chat(request)

            return list(await asyncio.gather(*(one(r) for r in requests)))

    return asyncio.run(go())


def ask(
    messages: list[dict[str, str]],
    *,
    model: str,
    schema: type | dict[str, Any] | None = None,
    base_url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    temperature: float | None = 0.0,
    seed: int | None = None,
    max_tokens: int | None = None,
    policy: RetryPolicy | None = None,
) -> ChatResult:
    """Send one chat request through the retrying client and the cache; returns the classified result.

    `schema` may be a Pydantic model class (``result.parsed`` is then an
    instance) or a JSON-schema dict (``result.parsed`` is the decoded JSON).
    """
    request = chat_request(messages, model=model, schema=schema, temperature=temperature, seed=seed, max_tokens=max_tokens)
    (result,) = ask_many([request], base_url=base_url, cache_dir=cache_dir, use_cache=use_cache, policy=policy)
    return result


def chat_request(
    messages: list[dict[str, str]],
    *,
    model: str,
    schema: type | dict[str, Any] | None = None,
    temperature: float | None = None,
    seed: int | None = None,
    max_tokens: int | None = None,
) -> ChatRequest:
    """A ChatRequest for a Pydantic model or JSON-schema dict, reading replies into that shape."""
    from chapterbook.llm.structured import strict_schema

    params = {"temperature": temperature, "seed": seed, "max_tokens": max_tokens}
    if schema is None:
        return ChatRequest(model=model, messages=messages, params=params)
    if isinstance(schema, dict):
        return ChatRequest(
            model=model,
            messages=messages,
            params=params,
            schema=schema,
            text_instructions="Reply with one JSON object only, matching this JSON schema:\n" + json.dumps(schema),
            from_json=_any_object,
        )
    from pydantic import ValidationError

    def validate(data: Any) -> Any:
        try:
            return schema.model_validate(data)  # type: ignore[attr-defined]
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(f"the reply does not have the expected shape: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None

    json_schema = strict_schema(schema.model_json_schema())  # type: ignore[attr-defined]
    return ChatRequest(
        model=model,
        messages=messages,
        params=params,
        schema=json_schema,
        schema_name=getattr(schema, "__name__", "reply"),
        text_instructions="Reply with one JSON object only, matching this JSON schema:\n" + json.dumps(json_schema),
        from_json=validate,
    )


def _any_object(data: Any) -> Any:
    if not isinstance(data, dict):
        raise ValueError("the reply is not a JSON object")
    return data
