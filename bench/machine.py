"""How slow this (shared) machine is right now, for the benchmarks to print beside their figures."""

from __future__ import annotations

import signal
import subprocess
import sys
import time


def calibrate() -> float:
    """CPU seconds for a fixed pure-Python loop (about 0.3 s on an idle modern core)."""
    t = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.process_time() - t


# A process that only sleeps in short naps and notes each nap that overran by far. On a virtual
# machine whose host pauses it (a CPU quota, an oversubscribed host), every overrun is a stretch when
# no code of the guest ran at all, and the two vCPUs pause together (checked with one busy loop
# pinned to each: 17.8 of 18.3 paused seconds coincided). The watcher costs almost no CPU itself, and
# a nap on an otherwise busy guest still wakes within a few milliseconds, far below the threshold.
_WATCHER = r"""
import sys, time
nap, threshold = 0.002, float(sys.argv[1])
last = time.monotonic()
try:
    while True:
        time.sleep(nap)
        now = time.monotonic()
        if now - last > threshold:
            print(f"{last!r} {now!r}", flush=True)
        last = now
except KeyboardInterrupt:
    pass
"""


class PauseWatch:
    """The stretches during which the host paused the whole machine, while the `with` block ran.

    The pauses are known only once the block has ended (the watcher reports them when stopped),
    so call `paused` and `running` after it. `running(t0, t1)` is the wall time of [t0, t1]
    (time.monotonic) minus the pauses that fall inside it: how long the work took while the
    machine was actually running it.
    """

    def __init__(self, threshold: float = 0.03):
        self.threshold = threshold
        self.pauses: list[tuple[float, float]] = []
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> PauseWatch:
        self._proc = subprocess.Popen([sys.executable, "-c", _WATCHER, str(self.threshold)], stdout=subprocess.PIPE, text=True)
        time.sleep(0.2)  # let it start before the work does
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
        time.sleep(0.05)
        self._proc.send_signal(signal.SIGINT)
        out, _ = self._proc.communicate()
        self.pauses = [(float(a), float(b)) for a, b in (line.split() for line in out.splitlines() if line.strip())]

    def paused(self, t0: float, t1: float) -> float:
        return sum(max(0.0, min(b, t1) - max(a, t0)) for a, b in self.pauses)

    def running(self, t0: float, t1: float) -> float:
        return (t1 - t0) - self.paused(t0, t1)
