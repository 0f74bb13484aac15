"""Terminal output: plain words on stdout, problems on stderr, rich progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def out_console() -> Console:
    from rich.console import Console  # imported when first used: a build with nothing to do never needs it

    # Built per call so tests that capture sys.stdout see the output.
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def err_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def line_printer(stream: IO[str]) -> Callable[..., None]:
    """print(text, style=None) to `stream`: through rich on a terminal (colours), else plain.

    For lines that are text, not markup. rich writes plain text when not on a terminal
    anyway, and importing it (with its console) cost a warm ebook build or a build with
    nothing to do a tenth of their time. Plain text is also printed as given: rich would
    turn a ":name:" in a chapter title into an emoji.
    """
    if stream.isatty():
        from rich.console import Console

        console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
        return lambda text, style=None: console.print(text, style=style, markup=False)
    return lambda text, style=None: print(text, file=stream, flush=True)  # in order with the other stream in a log
