"""A content-addressed cache of chat requests and the replies they got.

The key is the sha256 of everything that shapes a reply: the endpoint, the
model, the messages, the sampling parameters, the JSON schema (and, for
drafts, which sample it is). The same request never goes over the wire twice
unless the caller asks for a fresh one. The API key is not part of the key and
is never stored: two people with different keys share answers.

Layout: ``<cache dir>/<first 2 hex>/<sha256>.json``, each written atomically,
so an interrupted run leaves either a whole entry or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from chapterbook.llm.endpoint import normalize_endpoint
from chapterbook.output import write_json

CACHE_FORMAT = 1


def canonical_json(obj: Any) -> str:
    """Stable JSON for hashing: sorted keys, no spaces, no ASCII escaping surprises."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(*, endpoint: str, model: str, messages: list[dict], params: dict, schema: dict | None, extra: dict | None = None) -> str:
    """The sha256 that names a request in the cache."""
    payload = {
        "format": CACHE_FORMAT,
        "endpoint": normalize_endpoint(endpoint),  # the public URL: credentials never shape (or enter) a key
        "model": model,
        "messages": messages,
        # None means "not sent", so it must not make a different key from leaving it out.
        "params": {k: v for k, v in sorted(params.items()) if v is not None},
        "schema": schema,
        "extra": extra or {},
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


class Cache:
    """Cached replies in a folder; get/put by request key."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored entry for `key`, or None (a damaged entry counts as missing)."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError):
            return None  # a damaged entry is refetched and overwritten
        if not isinstance(entry, dict) or entry.get("key") != key or "response" not in entry:
            return None
        return entry

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, request: dict, response: dict) -> Path:
        """Store a reply (atomically); returns the file written."""
        return write_json(self.path(key), {"format": CACHE_FORMAT, "key": key, "request": request, "response": response})
