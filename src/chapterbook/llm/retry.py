"""How hard to try: attempts, exponential backoff, the server's Retry-After, and the timeout per answer."""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try, how long to wait between tries and for each answer."""

    attempts: int = 5  # tries in all, the first included
    backoff: float = 1.0  # seconds before the second try; doubles each time
    max_wait: float = 60.0  # never wait longer than this between tries, whatever Retry-After says
    timeout: float = 120.0  # seconds to wait for one answer

    def __post_init__(self) -> None:
        # A NaN or infinite number here would silently switch waiting or timeouts off.
        for name in ("backoff", "max_wait", "timeout"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"RetryPolicy.{name} must be a finite number of seconds, not {value!r}")
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based).

        Never less than the backoff (1 s, 2 s, 4 s ... by default, jittered
        only upwards) nor than the server's Retry-After: a 'Retry-After: 0'
        must not turn backoff off and hammer a server that is already busy.
        """
        backoff = self.backoff * (2 ** (attempt - 1)) * random.uniform(1.0, 1.25)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_wait)


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date), or None."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return _seconds(float(ms) / 1000.0)
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return _seconds(float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return _seconds(when.timestamp() - time.time())


def _seconds(value: float) -> float | None:
    # 'Retry-After: nan' or 'inf' from a broken proxy means nothing usable.
    return max(value, 0.0) if math.isfinite(value) else None
