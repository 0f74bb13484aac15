"""How slow this (shared) machine is right now, for the benchmarks to print beside their figures."""

from __future__ import annotations

import time


def calibrate() -> float:
    """CPU seconds for a fixed pure-Python loop (about 0.3 s on an idle modern core)."""
    t = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.process_time() - t
