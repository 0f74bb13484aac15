"""Which server to talk to, with which key, and hiding secrets in everything written or printed.

The API key is read from OPENAI_API_KEY only. A base URL may also carry a
credential (``http://user:KEY@host/v1``, as some proxies want): it is used for
the requests and never shown. Everything chapterbook writes or prints about a
request goes through :func:`redact` (strings) or :func:`redact_data` (JSON-able
data) first, and names the server by :attr:`Endpoint.public_url`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from chapterbook.errors import UsageError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_VARIABLE = "OPENAI_API_KEY"
# Local servers (Ollama, llama.cpp, vLLM) ignore the key, but the openai client insists on one.
DUMMY_KEY = "no-key-needed"
HIDDEN = "[key hidden]"


def normalize_endpoint(base_url: str) -> str:
    """The base URL without a trailing slash, so 'http://x/v1/' and 'http://x/v1' share a cache."""
    return base_url.strip().rstrip("/")


def public_url(base_url: str) -> str:
    """`base_url` with any user name and password in it replaced by [key hidden]."""
    parts = urlsplit(base_url)
    if "@" not in parts.netloc:
        return base_url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"{HIDDEN}@{host}", parts.path, parts.query, parts.fragment))


def without_credentials(base_url: str) -> str:
    """`base_url` with any user name and password removed (the same server whoever logs in)."""
    parts = urlsplit(base_url)
    if "@" not in parts.netloc:
        return base_url
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


def url_secrets(base_url: str) -> tuple[str, ...]:
    """The user name and password written into a URL, as they appear and decoded (may be empty)."""
    parts = urlsplit(base_url)
    if "@" not in parts.netloc:
        return ()
    userinfo = parts.netloc.rsplit("@", 1)[0]
    found = [userinfo, *userinfo.split(":", 1)]
    return tuple(dict.fromkeys(s for v in found for s in (v, unquote(v)) if s))


def check_base_url(base_url: str) -> str:
    """`base_url` normalised; raises UsageError (exit 2) when it is not an http(s) address."""
    url = normalize_endpoint(base_url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--base-url '{public_url(url)}' is not a web address",
            hint="give the address of an OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama",
        )
    return url


@dataclass(frozen=True)
class Endpoint:
    """The server to talk to. The key is kept out of repr() so it cannot leak into logs."""

    base_url: str
    api_key: str = field(repr=False)
    key_from_env: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_endpoint(self.base_url))

    @property
    def public_url(self) -> str:
        """The base URL as it may be shown, stored and used in cache keys: no credentials."""
        return public_url(self.base_url)

    @property
    def server_url(self) -> str:
        """The base URL with no credentials at all: what names the server in cache keys."""
        return without_credentials(self.base_url)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret this endpoint holds: the key and any credential in the URL."""
        return (self.api_key, *url_secrets(self.base_url))

    def redact(self, text: str) -> str:
        """`text` with this endpoint's secrets (and key-shaped strings) hidden."""
        return redact(text, *self.secrets)


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
    return Endpoint(base_url=check_base_url(url) if url else DEFAULT_BASE_URL, api_key=key or DUMMY_KEY, key_from_env=bool(key))


_KEY_LIKE = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{6,}")
_URL_CREDENTIAL = re.compile(r"(?P<scheme>\bhttps?://)[^/\s@]+@", re.IGNORECASE)


def redact(text: str, *secrets: str) -> str:
    """`text` with the API key, URL credentials and anything shaped like an OpenAI key replaced by [key hidden]."""
    for secret in sorted({*secrets, os.environ.get(KEY_VARIABLE, "")}, key=len, reverse=True):
        if secret and len(secret) >= 4 and secret != DUMMY_KEY:
            text = text.replace(secret, HIDDEN)
    text = _URL_CREDENTIAL.sub(lambda m: f"{m['scheme']}{HIDDEN}@", text)
    return _KEY_LIKE.sub(HIDDEN, text)


def redact_data(data: Any, *secrets: str) -> Any:
    """A copy of JSON-able `data` with :func:`redact` applied to every string in it (keys included)."""
    if isinstance(data, str):
        return redact(data, *secrets)
    if isinstance(data, dict):
        return {redact_data(k, *secrets): redact_data(v, *secrets) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_data(v, *secrets) for v in data]
    return data
