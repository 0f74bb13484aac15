"""The backend protocol: one HTTP exchange with a model server, and the request every caller builds.

Modelled on simonw/llm's ``Model.execute``: a backend knows how to send one
request to one kind of server and turn the answer into a :class:`StoredReply`,
or say in a :class:`Failure` what went wrong and whether trying again can help.
Everything around it (retries, the cache, reading the reply) lives in
:class:`chapterbook.llm.client.ChatClient` and is the same for every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from chapterbook.llm.wire import StoredReply

# retry: try again after a wait (429, 5xx, timeout, an unreadable answer)
# final: give up on this request (400, 403, 404 ...)
# fatal: give up on this and every later request (a bad key, no server listening)
# no_schema: the server cannot do JSON-schema output; send it again as plain text
FailureKind = Literal["retry", "final", "fatal", "no_schema"]


@dataclass
class Failure(Exception):
    """Why one exchange failed, in plain words (never holding a secret), and what to do next."""

    kind: FailureKind
    message: str
    retry_after: float | None = None  # seconds the server asked us to wait
    sent: bool = True  # False when it failed before any request went out (nothing listening)

    def __str__(self) -> str:
        return self.message


@dataclass
class ChatRequest:
    """One chat request, and how to read its reply."""

    model: str
    messages: list[dict[str, str]]
    params: dict[str, Any] = field(default_factory=dict)  # temperature, seed, max_tokens, top_p ...
    schema: dict[str, Any] | None = None  # JSON schema for response_format (strict); None: plain text
    schema_name: str = "reply"
    # Appended as a last user message when the server cannot do JSON schema and we fall back to text.
    text_instructions: str | None = None
    from_json: Callable[[Any], Any] | None = None  # decoded JSON -> the caller's structure; raises ValueError
    from_text: Callable[[str], Any] | None = None  # a plain-text reply -> the caller's structure; raises ValueError
    cache_extra: dict[str, Any] = field(default_factory=dict)  # more that tells requests apart (e.g. sample number)


class Backend(Protocol):
    """A kind of model server. ChatClient drives it; it never retries or caches by itself."""

    base_url: str  # as the user gave it (may hold credentials: never show it, use Endpoint.public_url)

    async def execute(self, request: ChatRequest, *, messages: list[dict[str, str]], use_schema: bool) -> StoredReply:
        """Send one request once and return the reply; raises Failure."""
        ...

    async def models(self) -> list[str]:
        """The names of the models the server offers; raises Failure."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
