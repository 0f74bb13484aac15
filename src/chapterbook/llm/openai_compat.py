"""The backend for any OpenAI-compatible server: OpenAI, Ollama, llama.cpp's server, vLLM, LM Studio.

Uses the openai package's async client with its own retries off
(``max_retries=0``): :class:`chapterbook.llm.client.ChatClient` decides when to
try again, so one policy covers every backend and the tests exercise it.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chapterbook.llm.backend import ChatRequest, Failure
from chapterbook.llm.endpoint import Endpoint
from chapterbook.llm.retry import retry_after_seconds
from chapterbook.llm.wire import StoredReply, WireError, completion_reply, model_ids

if TYPE_CHECKING:  # importing openai costs seconds; only the code that talks to a server pays for it
    import openai


class OpenAICompatible:
    """One OpenAI-compatible server; see :class:`chapterbook.llm.backend.Backend`."""

    def __init__(self, endpoint: Endpoint, *, timeout: float):
        self.endpoint = endpoint
        self.base_url = endpoint.base_url
        self.timeout = timeout
        self._openai: openai.AsyncOpenAI | None = None
        self._reachable: asyncio.Task[None] | None = None

    async def _check_reachable(self) -> None:
        """Raises a fatal Failure when nothing listens at the server's address; every caller shares one check."""
        if self._reachable is None:
            self._reachable = asyncio.ensure_future(self._connect_once())
        await asyncio.shield(self._reachable)

    async def _connect_once(self) -> None:
        """Raises a fatal Failure when nothing listens at the server's address; checked once.

        One TCP connection, opened and closed, before the openai package is even
        imported (seconds on a slow machine): with no server running the author hears
        so at once. Anything but a refusal or an unknown host (a slow network, a proxy
        in the environment) is left to the real request.
        """
        if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")):
            return
        parts = urlsplit(self.endpoint.server_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), timeout=min(self.timeout, 5.0))
        except (ConnectionRefusedError, socket.gaierror) as exc:
            raise Failure("fatal", self._say(_no_server_message(self.endpoint.public_url, port, exc)), sent=False) from None
        except (TimeoutError, OSError):
            return
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass

    def _client(self) -> openai.AsyncOpenAI:
        if self._openai is None:
            import openai

            self._openai = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.endpoint.api_key, max_retries=0, timeout=self.timeout)
        return self._openai

    async def close(self) -> None:
        if self._reachable is not None and not self._reachable.done():
            self._reachable.cancel()
        if self._openai is not None:
            await self._openai.close()
            self._openai = None

    async def models(self) -> list[str]:
        """The model ids from GET /models; raises Failure."""
        await self._check_reachable()
        try:
            body = await self._client().get("/models", cast_to=bytes)
            return model_ids(json.loads(body))
        except (ValueError, WireError) as exc:
            raise Failure("final", self._say(f"the server's list of models could not be read: {exc}")) from None
        except Exception as exc:  # the openai package's error classes, read by _failure
            raise self._failure(exc, model=None, use_schema=False) from None

    async def execute(self, request: ChatRequest, *, messages: list[dict[str, str]], use_schema: bool) -> StoredReply:
        """Send one request once; the checked reply, or raises Failure."""
        await self._check_reachable()
        kwargs: dict[str, Any] = {k: v for k, v in request.params.items() if v is not None}
        if use_schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
            }
        started = time.monotonic()
        try:
            # The client's documented low-level call rather than chat.completions.create: same
            # auth, timeout and error classes, but it neither walks the whole JSON schema through
            # its type-driven transform nor builds pydantic objects for the reply, which halved
            # the client's CPU per request (bench/bench_draft.py). wire.py checks the reply instead.
            body = await self._client().post(
                "/chat/completions",
                body={"model": request.model, "messages": messages, **kwargs},
                cast_to=bytes,  # the body as it came; we read it ourselves
            )
            completion = json.loads(body)
        except ValueError:
            # HTTP 200 with a body that is not JSON: a proxy or a broken server; often passes.
            raise Failure("retry", "the server's answer could not be read (it was not valid JSON)") from None
        except Exception as exc:
            raise self._failure(exc, model=request.model, use_schema=use_schema) from None
        try:
            return completion_reply(completion, mode="json_schema" if use_schema else "text", messages_sent=messages, seconds=time.monotonic() - started)
        except WireError as exc:
            raise Failure("retry", self._say(str(exc))) from None

    # --- what went wrong, in plain words ------------------------------------------------

    def _failure(self, exc: Exception, *, model: str | None, use_schema: bool) -> Failure:
        import openai

        url = self.endpoint.public_url
        if isinstance(exc, openai.BadRequestError):
            if use_schema and _rejects_schema(exc):
                return Failure("no_schema", "the server does not do JSON-schema output")
            return Failure("final", self._say(f"the server refused the request (HTTP 400): {_server_message(exc)}"))
        if isinstance(exc, openai.AuthenticationError):
            fix = "check OPENAI_API_KEY" if self.endpoint.key_from_env else "set OPENAI_API_KEY if this server needs a key"
            return Failure("fatal", self._say(f"the server at {url} did not accept the API key (HTTP 401); {fix}"))
        if isinstance(exc, openai.PermissionDeniedError):
            return Failure("final", self._say(f"the server says this key may not use model '{model}' (HTTP 403): {_server_message(exc)}"))
        if isinstance(exc, openai.NotFoundError):
            what = f"for model '{model}'" if model else "for its list of models"
            return Failure(
                "final",
                self._say(
                    f"the server at {url} answered 'not found' (HTTP 404) {what}: "
                    "check the model name, and that --base-url ends in /v1 (or where your server's API lives)"
                ),
            )
        if isinstance(exc, openai.RateLimitError):
            return Failure(
                "retry",
                "the server kept saying 'too many requests' (HTTP 429); wait a while or lower --concurrency",
                retry_after_seconds(exc.response.headers),
            )
        if isinstance(exc, openai.APITimeoutError):
            return Failure("retry", f"no answer within {self.timeout:g} s; the server may be busy (raise --timeout for slow local models)")
        if isinstance(exc, openai.APIConnectionError):
            if _cannot_connect(exc):
                return Failure("fatal", self._say(_no_server_message(url, urlsplit(self.endpoint.server_url).port, exc)))
            return Failure("retry", self._say(f"the connection to {url} was dropped before the answer came"))
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code < 500 and exc.status_code not in (408, 409):
                return Failure("final", self._say(f"the server refused the request (HTTP {exc.status_code}): {_server_message(exc)}"))
            return Failure("retry", f"the server kept failing (HTTP {exc.status_code})", retry_after_seconds(exc.response.headers))
        if isinstance(exc, openai.APIResponseValidationError):
            return Failure("retry", "the server's answer could not be read")
        raise exc

    def _say(self, text: str) -> str:
        return self.endpoint.redact(text)


def _cannot_connect(exc: BaseException) -> bool:
    """True when no connection could be made at all (refused, unknown host): trying again will not help."""
    for seen in _chain(exc):
        # By name: the openai package's HTTP layer has been httpx and its successors; each calls it ConnectError.
        if type(seen).__name__ == "ConnectError":
            return True
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
    return False


def _no_server_message(url: str, port: int | None, exc: BaseException) -> str:
    """`url` is the public one (it may read '[key hidden]@host', which is not a URL to parse); `port` the server's."""
    refused = any(isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED for e in _chain(exc))
    if refused:
        where = f"nothing is listening at {url} (connection refused): is the server running?"
    else:
        where = f"could not connect to {url}: is the address right, and is the server running?"
    if port == 11434:
        return where + " For Ollama start it with 'ollama serve'."
    if port == 1234:
        return where + " For LM Studio start its local server (Developer tab)."
    return where + " Start your model server (e.g. 'ollama serve'), or check --base-url."


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 10:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def _server_message(exc: Any) -> str:
    """The server's own explanation of an error, without the 'Error code: NNN -' prefix.

    OpenAI, Ollama, llama.cpp and LM Studio send {"error": {"message": ...}}; vLLM's older
    releases {"object": "error", "message": ...}; some proxies {"error": "text"} or {"detail": ...}.
    """
    body = getattr(exc, "body", None)  # the openai package hands over the "error" member when there is one
    if isinstance(body, str) and body.strip():
        return body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
        if isinstance(body.get("message"), str):
            return body["message"]
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return str(getattr(exc, "message", "") or exc)


def _rejects_schema(exc: Any) -> bool:
    text = (str(exc) + " " + json.dumps(getattr(exc, "body", None), default=str)).lower()
    return "response_format" in text or "json_schema" in text or "json schema" in text or "structured output" in text
