"""The command line's shared options, defined once: every command that has one spells it the same way.

- ``--output/-o DIR``: where output/<book>/ goes (:func:`add_output`);
- ``--chapters LIST``: which chapters, as ``3``, ``2-4`` or ``1,3,5-7`` (:func:`add_chapters`,
  :class:`Chapters`), kept as ranges and checked against the book before they are expanded
  (so ``1-99999999`` is a one-line error, not gigabytes of numbers);
- ``--strict``: warnings count as failures, as in mkdocs (:func:`add_strict`);
- numbers: :func:`number` checks bounds and refuses NaN and infinity, so a bad value is a
  usage error (exit 2) at once instead of a failure later;
- one-line text: :func:`one_line` (a title with a newline would break story.yaml);
- the exit codes, shown at the end of every ``--help`` (:func:`exit_codes_epilog`).

Kept light (argparse only): it is imported before the signal handlers are set.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec

EXIT_CODES = {
    0: "all good",
    1: "problems found in the book",
    2: "the command was used wrongly",
    130: "stopped with Ctrl-C",
    143: "stopped by SIGTERM",
}


def exit_codes_epilog(fails: str | None = None, own: dict[int, str | None] | None = None) -> str:
    """The 'exit codes' block for a --help; `fails` says what exit code 1 means for this command,
    `own` gives a command's own meanings (None: a code it never exits with)."""
    codes = {**EXIT_CODES, **({1: fails} if fails else {}), **(own or {})}
    return "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in sorted(codes.items()) if meaning)


def add_output(parser: argparse.ArgumentParser, what: str = "output/<book>/") -> None:
    """--output/-o DIR (a Path, default None: ./output)."""
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="DIR", help=f"where {what} goes (default: ./output)")


def add_strict(parser: argparse.ArgumentParser, what: str = "warnings") -> None:
    parser.add_argument("--strict", action="store_true", help=f"treat {what} as problems: exit 1 (as mkdocs --strict does)")


class Chapters(msgspec.Struct, frozen=True):
    """A chapter selection as typed: (first, last) ranges, 1-based, not expanded until the book is known."""

    ranges: tuple[tuple[int, int], ...]
    text: str

    def expand(self, count: int) -> list[int]:
        """The chapter numbers (1-based, in the order given), each checked against a book of `count` chapters."""
        from chapterbook.errors import UsageError

        wrong = [f"{a}" if a == b else f"{a}-{b}" for a, b in self.ranges if a < 1 or b > count]
        if wrong:
            raise UsageError(
                f"the book has {count} chapter{'s' if count != 1 else ''}; there is no chapter {', '.join(wrong)}",
                hint=f"use --chapters with numbers from 1 to {count}, e.g. --chapters 1,{count} or 1-{count}",
            )
        return list(dict.fromkeys(n for a, b in self.ranges for n in range(a, b + 1)))

    def single(self) -> int:
        """The one chapter given, for commands that take exactly one."""
        from chapterbook.errors import UsageError

        if len(self.ranges) != 1 or self.ranges[0][0] != self.ranges[0][1]:
            raise UsageError(f"--chapters {self.text}: give one chapter here, e.g. --chapters 2")
        return self.ranges[0][0]


# A pattern, compiled (and kept by re) when first used: every command imports this module, few take --chapters.
_RANGE = r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?"


def parse_chapters(text: str) -> Chapters:
    """'1,3,5-7' -> Chapters; raises argparse.ArgumentTypeError (exit 2) for anything else."""
    ranges = []
    for part in text.split(","):
        if not part.strip():
            continue
        m = re.fullmatch(_RANGE, part)
        if not m:
            raise argparse.ArgumentTypeError(f"'{text}' is not a list of chapter numbers like 3, 1,3 or 2-4")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        ranges.append((min(a, b), max(a, b)))  # not expanded: the book's length decides what is wrong (expand)
    if not ranges:
        raise argparse.ArgumentTypeError("no chapter given: use a list like 3, 1,3 or 2-4")
    return Chapters(tuple(ranges), text.strip())


def add_chapters(parser: argparse.ArgumentParser, help: str = "which chapters, e.g. 3, 1,3 or 2-4 (default: all)", old: tuple[str, ...] = ()) -> None:
    """--chapters LIST (a :class:`Chapters` or None); `old` spellings are kept working but hidden from --help."""
    parser.add_argument("--chapters", type=parse_chapters, default=None, metavar="LIST", help=help)
    for spelling in old:
        parser.add_argument(spelling, dest="chapters", type=parse_chapters, help=argparse.SUPPRESS)


def number(
    kind: type = float, *, low: float | None = None, high: float | None = None, above: float | None = None, none_words: bool = False
) -> Callable[[str], float | int | None]:
    """An argparse `type` for a number in bounds (low <= x <= high, x > above); NaN and infinity refused.

    With `none_words`, 'none', 'off' or 'unset' give None (for "do not send this setting").
    """
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str) -> float | int | None:
        if none_words and text.strip().lower() in ("none", "off", "unset"):
            return None
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {noun}" + (" (or 'none')" if none_words else "")) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"'{text}' is not {noun} chapterbook can use (NaN and infinity are not allowed)")
        if (low is not None and value < low) or (high is not None and value > high) or (above is not None and value <= above):
            raise argparse.ArgumentTypeError(f"{text} is out of range: {_bounds(low, high, above)}")
        return value

    return parse


def _bounds(low: float | None, high: float | None, above: float | None) -> str:
    parts = [f"above {above:g}" if above is not None else "", f"at least {low:g}" if low is not None else "", f"at most {high:g}" if high is not None else ""]
    return "it must be " + " and ".join(p for p in parts if p)


def one_line(max_chars: int = 200) -> Callable[[str], str]:
    """An argparse `type` for text that goes on one line of a file (a title): no line breaks or control characters."""

    def parse(text: str) -> str:
        if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):  # a line break, tab, NUL, U+2028...
            raise argparse.ArgumentTypeError("must be one line of text, with no line breaks or control characters")
        if not text.strip():
            raise argparse.ArgumentTypeError("must not be empty")
        if len(text) > max_chars:
            raise argparse.ArgumentTypeError(f"is {len(text)} characters long; keep it under {max_chars}")
        return text.strip()

    return parse


# Whether collector_paused freezes what start-up made: only in a process that runs one command and
# exits (set by chapterbook.__main__.run). A test calling main() again and again must not freeze its garbage.
_freeze = False


def one_command_process() -> None:
    """Say that this process runs one command and exits (see :func:`collector_paused`)."""
    global _freeze
    _freeze = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off within the block, and what it made set aside: for a command's start-up.

    Importing the spec's models and the renderers makes some hundred thousand objects that live
    as long as the process (modules, classes, validators), and the collector walked them again and
    again for nothing: about 30 ms of a warm ebook build (gc.callbacks). After the block they are
    frozen (gc.freeze: left out of every later collection; only in a one-command process) and the
    collector is back as it was, so the work itself, and a long build's memory, are as before.
    render.pdf then leaves its own freezing alone (a caller froze objects); counted under valgrind,
    a cold and a warm PDF build of the bench book still do 1% fewer instructions than without this.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freeze:
            gc.freeze()
        if was:
            gc.enable()
