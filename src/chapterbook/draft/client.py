"""Talking to any OpenAI-compatible chat endpoint: retries, timeouts, the cache, structured output.

One door for every request chapterbook sends to a language model (chapter
drafts here, the optional judge in the compare stage):

    from chapterbook.draft.client import ask
    result = ask([{"role": "user", "content": "..."}], model="gpt-4o-mini",
                 schema=MyPydanticModel, cache_dir="output/book/.cache/llm")
    if result.ok:
        result.parsed        # a MyPydanticModel (or a dict for a dict schema, or None without one)

For many requests at once use :class:`ChatClient` inside ``async with`` and
``await client.chat(ChatRequest(...))``.

Retries are ours, not the openai package's (it is built with max_retries=0):
429 and 5xx, timeouts and dropped connections are retried with exponential
backoff that waits at least as long as the server's Retry-After. When a server
rejects ``response_format: json_schema`` the request is sent again as plain text
(with `text_instructions` appended) and parsed by `parse_text`.

The API key is read from OPENAI_API_KEY only. It is never part of a cache key,
never stored, and scrubbed from every error message.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chapterbook.draft.cache import Cache, normalize_endpoint, request_key
from chapterbook.errors import UsageError

if TYPE_CHECKING:  # importing openai costs seconds; only the code that talks to a server pays for it
    import openai

DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_VARIABLE = "OPENAI_API_KEY"
# Local servers (Ollama, llama.cpp, vLLM) ignore the key, but the openai client insists on one.
DUMMY_KEY = "no-key-needed"

STATUSES = ("ok", "length", "refusal", "invalid", "error")


# --- where to send requests -----------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """The server to talk to. The key is kept out of repr() so it cannot leak into logs."""

    base_url: str
    api_key: str = field(repr=False)
    key_from_env: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_endpoint(self.base_url))


def endpoint_from_env(base_url: str | None = None) -> Endpoint:
    """The endpoint for `base_url` (or OpenAI) with the key from OPENAI_API_KEY.

    Raises UsageError (exit 2) when there is neither a key nor a base URL: a
    request to OpenAI without a key cannot succeed.
    """
    key = os.environ.get(KEY_VARIABLE, "").strip()
    url = (base_url or os.environ.get("OPENAI_BASE_URL") or "").strip()
    if not key and not url:
        raise UsageError(
            "no language model is set up: OPENAI_API_KEY is not set and no --base-url was given",
            hint=(
                "to use OpenAI, set your key first:  export OPENAI_API_KEY=sk-...  "
                "or, to use a model on your own computer, point at its server, e.g. for Ollama:  "
                "--base-url http://localhost:11434/v1"
            ),
        )
    return Endpoint(base_url=url or DEFAULT_BASE_URL, api_key=key or DUMMY_KEY, key_from_env=bool(key))


_KEY_LIKE = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{6,}")


def redact(text: str, *secrets: str) -> str:
    """`text` with the API key (and anything shaped like an OpenAI key) replaced by [key hidden]."""
    for secret in (*secrets, os.environ.get(KEY_VARIABLE, "")):
        if secret and len(secret) >= 4 and secret != DUMMY_KEY:
            text = text.replace(secret, "[key hidden]")
    return _KEY_LIKE.sub("[key hidden]", text)


# --- how hard to try ----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try, how long to wait between tries and for each answer."""

    attempts: int = 5  # tries in all, the first included
    backoff: float = 1.0  # seconds before the second try; doubles each time
    max_wait: float = 60.0  # never wait longer than this between tries, whatever Retry-After says
    timeout: float = 120.0  # seconds to wait for one answer

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        backoff = self.backoff * (2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
        if retry_after is not None:
            # The server knows when it will take us again; jitter only upwards so we never come early.
            backoff = max(retry_after, min(backoff, retry_after * 1.5))
        return min(backoff, self.max_wait)


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date), or None."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(float(ms) / 1000.0, 0.0)
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


# --- requests and results ---------------------------------------------------------------


def _json_object(content: str) -> Any:
    """The JSON in a reply, allowing a code fence or chatter around one object."""
    text = content.strip()
    fence = re.match(r"^```(?:json)?\s*\n(.*?)\n\s*```$", text, re.DOTALL | re.IGNORECASE)
    if fence:
        text = fence.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


@dataclass
class ChatRequest:
    """One chat request, and how to read its reply."""

    model: str
    messages: list[dict[str, str]]
    params: dict[str, Any] = field(default_factory=dict)  # temperature, seed, max_tokens, top_p ...
    schema: dict[str, Any] | None = None  # JSON schema for response_format (strict)
    schema_name: str = "reply"
    # Appended as a last user message when the server cannot do JSON schema and we fall back to text.
    text_instructions: str | None = None
    parse_json: Callable[[str], Any] | None = None  # reads a JSON-mode reply; raises ValueError
    parse_text: Callable[[str], Any] | None = None  # reads a plain-text reply; raises ValueError
    cache_extra: dict[str, Any] = field(default_factory=dict)  # more that tells requests apart (e.g. sample number)


@dataclass
class ChatResult:
    """What came back, read and classified: status is one of ok, length, refusal, invalid, error."""

    status: str
    content: str | None = None
    parsed: Any = None
    error: str | None = None  # plain words, for the author; never contains the key
    finish_reason: str | None = None
    refusal: str | None = None
    returned_model: str | None = None
    response_id: str | None = None
    usage: dict[str, int | None] = field(default_factory=lambda: {"prompt_tokens": None, "completion_tokens": None})
    seconds: float = 0.0  # time the request took when it was made (for cached results: the original time)
    cached: bool = False
    attempts: int = 0  # HTTP requests made for this result now (0 when cached)
    mode: str = "text"  # "json_schema" or "text": how the reply was asked for
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
    ):
        self.endpoint = endpoint
        self.policy = policy or RetryPolicy()
        self.cache = cache
        self.use_cache = use_cache  # read the cache (answers are always written to it)
        self.replay = replay  # never send a request
        self._sleep = sleep
        self._openai: openai.AsyncOpenAI | None = None
        self._no_schema: set[str] = set()  # models this server would not give JSON-schema output for
        self._fatal: str | None = None  # a failure every later request would hit too (bad key, no server)
        self.requests_sent = 0

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._openai is not None:
            await self._openai.close()
            self._openai = None

    def _client(self) -> openai.AsyncOpenAI:
        if self._openai is None:
            import openai

            self._openai = openai.AsyncOpenAI(
                base_url=self.endpoint.base_url,
                api_key=self.endpoint.api_key,
                max_retries=0,  # our RetryPolicy decides, so it is what the tests exercise
                timeout=self.policy.timeout,
            )
        return self._openai

    # --- cache ----------------------------------------------------------------------------

    def key(self, request: ChatRequest) -> str:
        """The cache key of a request (never includes the API key)."""
        return request_key(
            endpoint=self.endpoint.base_url,
            model=request.model,
            messages=request.messages,
            params=request.params,
            schema=request.schema,
            extra=request.cache_extra,
        )

    def is_cached(self, request: ChatRequest) -> bool:
        return self.cache is not None and self.cache.has(self.key(request))

    # --- the one public call ---------------------------------------------------------------

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Send (or look up) one request and return its classified result. Never raises for server trouble."""
        key = self.key(request)
        if self.cache is not None and (self.use_cache or self.replay):
            entry = self.cache.get(key)
            if entry is not None:
                result = read_response(entry["response"], request)
                result.cached, result.cache_key = True, key
                return result
        if self.replay:
            raise NotCached(key)
        if self._fatal is not None:
            return ChatResult(status="error", error=self._fatal, cache_key=key)
        raw, error, attempts = await self._send(request)
        if raw is None:
            return ChatResult(status="error", error=error, attempts=attempts, cache_key=key)
        if self.cache is not None:
            self.cache.put(key, self._request_record(request), raw)
        result = read_response(raw, request)
        result.attempts, result.cache_key = attempts, key
        return result

    def _request_record(self, request: ChatRequest) -> dict:
        return {
            "endpoint": self.endpoint.base_url,
            "model": request.model,
            "messages": request.messages,
            "params": request.params,
            "schema": request.schema,
            "extra": request.cache_extra,
        }

    async def _send(self, request: ChatRequest) -> tuple[dict | None, str | None, int]:
        """The raw reply as a dict, or None and the reason in plain words; plus the number of tries."""
        import openai

        client = self._client()
        use_schema = request.schema is not None and request.model not in self._no_schema
        attempt = 0
        last_problem = "no answer"
        while attempt < self.policy.attempts:
            attempt += 1
            messages = request.messages
            kwargs: dict[str, Any] = {k: v for k, v in request.params.items() if v is not None}
            if use_schema:
                kwargs["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
                }
            elif request.schema is not None and request.text_instructions:
                messages = [*messages, {"role": "user", "content": request.text_instructions}]
            started = time.monotonic()
            self.requests_sent += 1
            try:
                # The client's documented low-level call rather than chat.completions.create: same
                # auth, timeout and error classes, but it neither walks the whole JSON schema through
                # its type-driven transform nor builds pydantic objects for the reply, which halved
                # the client's CPU per request (bench/bench_draft.py). We keep plain JSON anyway.
                body = await client.post(
                    "/chat/completions",
                    body={"model": request.model, "messages": messages, **kwargs},
                    cast_to=bytes,  # the body as it came; we read it ourselves
                )
                completion = json.loads(body)
                if not isinstance(completion, dict):
                    raise ValueError("the reply is not a JSON object")
            except openai.BadRequestError as exc:
                if use_schema and _rejects_schema(exc):
                    # Not the server's fault nor ours: it only speaks plain text. Ask again that way,
                    # and remember so the next chapter does not pay for the refusal too.
                    use_schema = False
                    self._no_schema.add(request.model)
                    attempt -= 1
                    continue
                return None, self._say(f"the server refused the request (HTTP 400): {_server_message(exc)}"), attempt
            except openai.AuthenticationError:
                self._fatal = self._say(
                    f"the server at {self.endpoint.base_url} did not accept the API key (HTTP 401)",
                )
                self._fatal += (
                    "; check OPENAI_API_KEY" if self.endpoint.key_from_env else "; set OPENAI_API_KEY if this server needs a key"
                )
                return None, self._fatal, attempt
            except openai.PermissionDeniedError as exc:
                return None, self._say(f"the server says this key may not use model '{request.model}' (HTTP 403): {_server_message(exc)}"), attempt
            except openai.NotFoundError:
                return None, self._say(
                    f"the server at {self.endpoint.base_url} answered 'not found' (HTTP 404) for model '{request.model}': "
                    "check the model name, and that --base-url ends in /v1 (or where your server's API lives)"
                ), attempt
            except openai.RateLimitError as exc:
                last_problem = "the server kept saying 'too many requests' (HTTP 429); wait a while or lower --concurrency"
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.wait(attempt, retry_after_seconds(exc.response.headers)))
                continue
            except openai.APITimeoutError:
                last_problem = f"no answer within {self.policy.timeout:g} s; the server may be busy (raise --timeout for slow local models)"
            except openai.APIConnectionError:
                last_problem = f"could not reach {self.endpoint.base_url}: is the server running, and is the address right?"
            except openai.APIStatusError as exc:
                if exc.status_code < 500 and exc.status_code not in (408, 409):
                    return None, self._say(f"the server refused the request (HTTP {exc.status_code}): {_server_message(exc)}"), attempt
                last_problem = f"the server kept failing (HTTP {exc.status_code})"
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.wait(attempt, retry_after_seconds(exc.response.headers)))
                continue
            except (ValueError, openai.APIResponseValidationError):
                # HTTP 200 with a body that is not JSON: a proxy or a broken server; often passes.
                last_problem = "the server's answer could not be read (it was not valid JSON)"
            else:
                return _raw_response(completion, messages, "json_schema" if use_schema else "text", time.monotonic() - started), None, attempt
            if attempt < self.policy.attempts:
                await self._sleep(self.policy.wait(attempt, None))
        message = self._say(f"{last_problem} (tried {attempt} times)")
        if last_problem.startswith("could not reach"):
            self._fatal = message  # no point in every other chapter trying five times too
        return None, message, attempt

    def _say(self, text: str) -> str:
        return redact(text, self.endpoint.api_key)


def _server_message(exc: Any) -> str:
    """The server's own explanation of an error, without the 'Error code: NNN -' prefix."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body["error"] if isinstance(body.get("error"), dict) else body
        if inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", "") or exc)


def _rejects_schema(exc: Any) -> bool:
    text = (str(exc) + " " + json.dumps(getattr(exc, "body", None), default=str)).lower()
    return "response_format" in text or "json_schema" in text or "json schema" in text or "structured output" in text


def _raw_response(completion: dict, messages_sent: list[dict], mode: str, seconds: float) -> dict:
    """The parts of a completion worth keeping (and caching), as plain JSON-able data."""
    choices = completion.get("choices") or []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    usage = completion.get("usage") if isinstance(completion.get("usage"), dict) else {}
    return {
        "id": completion.get("id"),
        "model": completion.get("model"),
        "content": message.get("content"),
        "refusal": message.get("refusal"),
        "finish_reason": choice.get("finish_reason"),
        "usage": {
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": usage.get("completion_tokens"),
        },
        "mode": mode,
        "messages_sent": messages_sent,
        "seconds": round(seconds, 3),
        "system_fingerprint": completion.get("system_fingerprint"),
    }


def read_response(raw: dict, request: ChatRequest) -> ChatResult:
    """Classify a raw reply: a refusal, a cut-off, unreadable output, or ok with the parsed value."""
    result = ChatResult(
        status="ok",
        content=raw.get("content"),
        finish_reason=raw.get("finish_reason"),
        refusal=raw.get("refusal"),
        returned_model=raw.get("model"),
        response_id=raw.get("id"),
        usage=dict(raw.get("usage") or {"prompt_tokens": None, "completion_tokens": None}),
        seconds=float(raw.get("seconds") or 0.0),
        mode=raw.get("mode", "text"),
        messages_sent=list(raw.get("messages_sent") or request.messages),
    )
    if result.refusal:
        result.status, result.error = "refusal", f"the model refused: {result.refusal.strip()}"
        return result
    if result.finish_reason == "content_filter":
        result.status, result.error = "refusal", "the server's content filter stopped the reply"
        return result
    if result.finish_reason == "length":
        limit = request.params.get("max_tokens")
        result.status = "length"
        result.error = "the reply was cut off at the length limit" + (
            f" (max_tokens {limit}); raise --max-tokens" if limit else "; the model's context may be too small"
        )
        return result
    if not (result.content or "").strip():
        result.status, result.error = "invalid", "the reply was empty"
        return result
    if request.schema is None and request.parse_text is None:
        return result
    if result.mode == "json_schema":
        parse = request.parse_json or _json_object
    else:
        parse = request.parse_text or request.parse_json or _json_object
    try:
        result.parsed = parse(result.content or "")
    except ValueError as exc:
        result.status, result.error = "invalid", str(exc)
    return result


# --- one request, for callers that are not async (the compare stage's judge) -------------------


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
    Raises UsageError when no key and no base URL are configured; server
    trouble comes back as ``result.status == "error"`` with ``result.error``.
    """
    endpoint = endpoint_from_env(base_url)
    request = chat_request(messages, model=model, schema=schema, temperature=temperature, seed=seed, max_tokens=max_tokens)

    async def go() -> ChatResult:
        async with ChatClient(endpoint, policy=policy, cache=Cache(cache_dir) if cache_dir else None, use_cache=use_cache) as client:
            return await client.chat(request)

    return asyncio.run(go())


def chat_request(
    messages: list[dict[str, str]],
    *,
    model: str,
    schema: type | dict[str, Any] | None = None,
    temperature: float | None = None,
    seed: int | None = None,
    max_tokens: int | None = None,
) -> ChatRequest:
    """A ChatRequest for a Pydantic model or JSON-schema dict, parsing replies into that shape."""
    from chapterbook.draft.reply import strict_schema

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
        )
    from pydantic import ValidationError

    def parse(content: str) -> Any:
        data = _json_object(content)
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
        parse_json=parse,
        parse_text=parse,
    )
