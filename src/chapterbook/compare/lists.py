"""Word and phrase lists for the metrics: shipped with chapterbook, extendable per story.

A story may add to any list with a file of the same name in ``<story folder>/compare/``
(for example ``stories/my-book/compare/cliches.txt``). Its lines are added to the
shipped list; a line ``!entry`` takes one shipped entry out; if its first line is
``# replace`` it replaces the shipped list instead.
Nothing is ever downloaded: the shipped lists are package data.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from chapterbook.errors import ChapterbookError, Location

LIST_NAMES = ("easy_words.txt", "spache_revised.txt", "cliches.txt", "safety.txt", "synonyms.txt", "stopwords.txt", "myths.txt")
OVERRIDE_DIR = "compare"


@functools.cache
def _shipped(name: str) -> tuple[str, ...]:
    text = resources.files("chapterbook.compare").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(text.splitlines())


def _story_lines(name: str, story_root: Path | None) -> tuple[list[str], bool]:
    """(lines, replace) from the story's own copy of a list, if it has one."""
    if story_root is None:
        return [], False
    path = story_root / OVERRIDE_DIR / name
    if not path.is_file():
        return [], False
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ChapterbookError(
            f"the list {path.name} is not UTF-8 text",
            where=Location(path),
            hint="save it as UTF-8, one entry per line",
        ) from None
    first = next((ln.strip().lower() for ln in lines if ln.strip()), "")
    return lines, first == "# replace"


def raw_lines(name: str, story_root: Path | None = None) -> list[str]:
    """The lines of list `name` (comments and blanks kept), with the story's additions."""
    extra, replace = _story_lines(name, story_root)
    base = [] if replace else list(_shipped(name))
    return base + extra


def entries(name: str, story_root: Path | None = None) -> list[str]:
    """The entries of list `name`: stripped lines without comments or blanks.

    A story's line `!entry` takes that one entry out of the shipped list (case-insensitive),
    so a book about a kitchen can drop "stove" without replacing the whole list.
    """
    out = []
    dropped: set[str] = set()
    for line in raw_lines(name, story_root):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("[") else line.strip()
        if line.startswith("!") and len(line) > 1:
            dropped.add(line[1:].strip().lower())
        elif line:
            out.append(line)
    return [e for e in out if e.lower() not in dropped] if dropped else out


def overrides_used(story_root: Path | None) -> list[str]:
    """Names of the lists this story adds to or replaces (for the report)."""
    if story_root is None:
        return []
    return [n for n in LIST_NAMES if (story_root / OVERRIDE_DIR / n).is_file()]
