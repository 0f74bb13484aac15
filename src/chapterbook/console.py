"""Terminal output: plain words on stdout, problems on stderr, rich progress bars."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def out_console() -> Console:
    from rich.console import Console  # imported when first used: a build with nothing to do never needs it

    # Built per call so tests that capture sys.stdout see the output.
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def err_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)
