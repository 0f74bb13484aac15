"""Progress of long work, for whoever shows it: the library reports, the command line draws.

The stages of a build report here (``report("Laying out the pages")``, and
``report("Preparing pictures", done, total)`` as each picture is resampled, from
worker threads). Nothing is shown unless a caller is listening:

    with progress.reporting(lambda stage, done, total: print(stage, done, total)):
        build(story)

A process-wide listener rather than a callback passed down through every stage,
so the stages keep their plain signatures; the listener must be thread-safe
(rich's Progress is).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

Listener = Callable[[str, "int | None", "int | None"], None]

_listener: Listener | None = None


@contextlib.contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    """Send the progress of the work done inside the block to `listener(stage, done, total)`."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def report(stage: str, done: int | None = None, total: int | None = None) -> None:
    """Tell the listener, if any, what is being done now (and how many of how many, for counted work)."""
    listener = _listener
    if listener is not None:
        listener(stage, done, total)
