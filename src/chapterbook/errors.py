"""Errors a user can act on.

Every error that reaches the user is a :class:`ChapterbookError`: it says where
the problem is (file:line:col), which field, and what to do next. The command
line prints these without a traceback; anything else is a bug in chapterbook.
"""

from __future__ import annotations

import functools
import os
from enum import Enum
from pathlib import Path

import msgspec


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Location(msgspec.Struct, frozen=True):
    """Where in which file: 1-based line and column, as editors show them."""

    file: Path | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [display_path(self.file) if self.file else "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def display_path(path: Path) -> str:
    """A path relative to the working folder when it is inside it, so messages stay short."""
    try:
        here = os.getcwd()
        return str(_resolved(os.path.join(here, os.fspath(path))).relative_to(_resolved(here)))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=256)
def _resolved(folder: str) -> Path:
    # The working folder and the files messages name, each resolved once: a build with hundreds of warnings names them for each.
    return Path(folder).resolve()


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong (or worth a look) in a book, with the fix."""

    message: str
    where: Location = msgspec.field(default_factory=Location)
    path: str = ""  # the field path, e.g. "chapters[1].title"
    hint: str = ""  # what to do next, in plain words
    severity: Severity = Severity.ERROR
    code: str = ""  # a stable short name, for tests and --strict filters

    def format(self) -> str:
        located = self.where.file is not None or self.where.line is not None
        head = f"{self.where}: {self.severity.value}: " if located else f"{self.severity.value}: "
        if self.path:
            head += f"{self.path}: "
        text = head + self.message
        if self.hint:
            text += f"\n    → {self.hint}"
        return text


class ChapterbookError(Exception):
    """A problem the user caused and can fix. Printed without a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, where: Location | None = None, hint: str = "", path: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.path = path

    def problems(self) -> list[Problem]:
        return [Problem(self.message, self.where or Location(), self.path, self.hint, code=type(self).__name__)]

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems())


class UsageError(ChapterbookError):
    """The command was called wrongly (missing file, bad option): exit code 2."""

    exit_code = 2


class SpecError(ChapterbookError):
    """A story spec has one or more problems; all of them are reported at once."""

    def __init__(self, problems: list[Problem]):
        self._problems = list(problems)
        first = self._problems[0].message if self._problems else "invalid story spec"
        super().__init__(first)

    def problems(self) -> list[Problem]:
        return list(self._problems)


class RenderError(ChapterbookError):
    """The book could not be rendered (bad image, impossible layout)."""


class LLMError(ChapterbookError):
    """Talking to the language model failed in a way the user can act on."""


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup that runs for one runs for both."""

    exit_code = 143


# errno name -> (what happened, what to do). "{path}" is the file or folder the system named.
_OS_ERRORS: dict[str, tuple[str, str]] = {
    "ENOSPC": ("there is no space left on the disk", "free some space, or write somewhere else with --output DIR"),
    "EDQUOT": ("your disk quota is used up", "free some space, or write somewhere else with --output DIR"),
    "EROFS": ("the disk or folder is read-only", "write somewhere else with --output DIR, or make it writable"),
    "EACCES": ("permission denied", "check who may write there (ls -l), or write somewhere else with --output DIR"),
    "EPERM": ("the system does not allow this", "check the file's permissions and attributes (lsattr), or write somewhere else with --output DIR"),
    "ENOTDIR": ("this is a file, where a folder is needed", "move or rename that file, or choose another folder with --output DIR"),
    "EISDIR": ("this is a folder, where a file is needed", "move or rename that folder if chapterbook writes a file there, or give a file's path"),
    "EEXIST": ("something is already there", "move or rename it, then run again"),
    "EFBIG": ("the file would be larger than this system lets one file be (ulimit -f)", "raise the limit, e.g. ulimit -f unlimited, then run again"),
    "ENOENT": ("there is no such file or folder", "check the path"),
    "ENAMETOOLONG": ("the name is too long for this disk", "use a shorter folder name"),
    "ELOOP": ("this path goes round in a circle of links", "replace the links with real folders"),
    "EMFILE": ("too many files are open at once", "raise the limit, e.g. ulimit -n 4096, then run again"),
    "ENFILE": ("too many files are open on this computer", "close some programs, then run again"),
    "EIO": ("the disk reported a read or write error", "check the disk (and its cable or network), then run again"),
}


def os_error(exc: OSError) -> ChapterbookError:
    """The error to show for an OSError: one line naming the path and the fix."""
    import errno as errno_names
    import os

    name = errno_names.errorcode.get(exc.errno or 0, "")
    what, fix = _OS_ERRORS.get(name, (exc.strerror or str(exc), "run again with --debug for the details, and report it if it looks like a bug"))
    raw = exc.filename if exc.filename is not None else exc.filename2
    path = Path(os.fsdecode(raw)) if isinstance(raw, (str, bytes, os.PathLike)) else None
    if path is not None and name == "ENOTDIR":
        path = _first_file(path)
    where = f"{display_path(path)}: " if path is not None else ""
    return ChapterbookError(f"{where}{what} — {fix}")


def _first_file(path: Path) -> Path:
    """The part of `path` that is a file (so "out.txt/my-book" is reported as out.txt)."""
    for part in reversed(path.parents):
        if part.exists() and not part.is_dir():
            return part
    return path
