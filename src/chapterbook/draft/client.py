"""Where the drafting client used to live; it is now the shared LLM seam, :mod:`chapterbook.llm`.

Kept so imports written against chapterbook.draft.client keep working.
"""

from chapterbook.llm.backend import ChatRequest
from chapterbook.llm.client import ChatClient, ChatResult, NotCached, ask, ask_many, chat_request, read_response
from chapterbook.llm.endpoint import DEFAULT_BASE_URL, KEY_VARIABLE, Endpoint, endpoint_from_env, redact
from chapterbook.llm.retry import RetryPolicy, retry_after_seconds

__all__ = [
    "DEFAULT_BASE_URL",
    "KEY_VARIABLE",
    "ChatClient",
    "ChatRequest",
    "ChatResult",
    "Endpoint",
    "NotCached",
    "RetryPolicy",
    "ask",
    "ask_many",
    "chat_request",
    "endpoint_from_env",
    "read_response",
    "redact",
    "retry_after_seconds",
]
