"""Terminal output: plain words on stdout, problems on stderr, rich progress bars."""

from __future__ import annotations

import sys

from rich.console import Console


def out_console() -> Console:
    # Built per call so tests that capture sys.stdout see the output.
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def err_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)
