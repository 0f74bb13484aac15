"""A loaded book (:class:`Story`), where its values came from, and the one check on paths it names.

Every file a story names — chapter text, pictures, portraits, cover art, its
font, its own templates — is found through :func:`story_file`, so one rule
decides what a story may point at: a regular file inside the story folder,
reached through no link that leaves it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from chapterbook.errors import Location, Problem
from chapterbook.spec.memo import Memo

if TYPE_CHECKING:  # a type only: a thawed spec (spec/snapshot.py) is loaded without Pydantic
    from chapterbook.spec.models import StorySpec

PathKey = tuple[str | int, ...]


class SourceText(msgspec.Struct, frozen=True):
    """A chapter's Markdown text and where its first line sits in which file."""

    text: str
    file: Path
    first_line: int  # 1-based line of the text's first line in `file`
    indent: int = 0  # columns of YAML indentation before each line (inline text)

    def location(self, line_in_text: int, column_in_line: int = 0) -> Location:
        """The file location of a 0-based line/column inside the text."""
        return Location(self.file, self.first_line + line_in_text, self.indent + column_in_line + 1)


class Story(msgspec.Struct):
    """A loaded book: the validated spec, its folder and positions for messages."""

    spec: StorySpec
    path: Path
    positions: dict[PathKey, tuple[int, int]] = msgspec.field(default_factory=dict)
    texts: list[SourceText | None] = msgspec.field(default_factory=list)
    # Problems found while reading chapter files; lint reports them with the rest
    # so one run lists everything.
    problems: list[Problem] = msgspec.field(default_factory=list)
    # Results worked out from the book's content (lint's, the ebook cover's), kept between builds by content.
    memo: Memo = msgspec.field(default_factory=Memo)
    # What story_file found for each path the spec names, for this load of the story (see `file`).
    found: dict[str, StoryFile] = msgspec.field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def slug(self) -> str:
        """The folder name used under output/ (the story folder's name)."""
        resolved = self.path.resolve()
        name = resolved.parent.name if resolved.name == "story.yaml" else resolved.stem
        return name or "book"

    def file(self, relative: str) -> StoryFile:
        """story_file(self.root, relative), checked once per load of the story.

        Lint, the renderers, the memo and the records each ask for the same pictures, and each
        check resolves every folder on the path (a stat each): a 16-picture book asked 88 times.
        A story is loaded again for every build (watch too), so a file that changes between
        builds is seen.
        """
        found = self.found.get(relative)
        if found is None:
            found = self.found[relative] = story_file(self.root, relative)
        return found

    def where(self, *key: str | int) -> Location:
        """The location of a field path, or of its nearest parent that has one."""
        return locate(self.path, self.positions, key)

    def chapter_text(self, index: int) -> SourceText | None:
        return self.texts[index] if index < len(self.texts) else None

    def pictures(self) -> list[tuple[PathKey, str]]:
        """Every picture file the spec names, with the field that names it: illustrations, portraits, the cover's art.

        The one list of them: lint checks each is there and readable, the up-to-date check watches each.
        """
        spec = self.spec
        named: list[tuple[PathKey, str | None]] = [
            *((("chapters", i, "illustrations", j, "image"), ill.image) for i, ch in enumerate(spec.chapters) for j, ill in enumerate(ch.illustrations)),
            *((("scientists", i, "portrait"), s.portrait) for i, s in enumerate(spec.scientists)),
            (("layout", "cover_image"), spec.layout.cover_image),
            (("layout", "cover", "back_image"), spec.layout.cover.back_image),
        ]
        return [(key, rel) for key, rel in named if rel]


def locate(file: Path, positions: dict[PathKey, tuple[int, int]], key: PathKey) -> Location:
    """The location of `key` in `file`, or of its nearest parent that has one (else the first line)."""
    key = tuple(key)
    while key:
        if key in positions:
            line, col = positions[key]
            return Location(file, line, col)
        key = key[:-1]
    return Location(file, positions.get((), (1, 1))[0], 1)


def format_path(key: PathKey) -> str:
    """('chapters', 0, 'title') -> 'chapters[0].title'."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- the one check on paths a story names ----------------------------------------------------

OUTSIDE = "outside"  # leaves the story folder, by '..', an absolute path or a link
MISSING = "missing"
FOLDER = "folder"
NOT_REGULAR = "not-regular"  # a FIFO, socket or device: reading it could hang or never end
BAD_NAME = "bad-name"  # a name no file can have (a NUL byte) or a link loop


class StoryFile(msgspec.Struct, frozen=True):
    """What :func:`story_file` found: the resolved path when inside the folder, and what is wrong, if anything."""

    relative: str
    path: Path | None
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None


def story_file(root: Path, relative: str) -> StoryFile:
    """The file `relative` names in the story folder `root`, checked; `.path` is set only when `.ok`.

    Links are followed before the check, so a link pointing out of the folder
    counts as leaving it. Nothing is opened: a FIFO given as a chapter must not
    hang the run.
    """
    try:
        candidate = (root / relative).resolve()
        candidate.relative_to(root.resolve())
    except ValueError as exc:
        if "null" in str(exc):  # os.fspath refuses names with NUL
            return StoryFile(relative, None, BAD_NAME)
        return StoryFile(relative, None, OUTSIDE)
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return StoryFile(relative, None, BAD_NAME)
    try:
        mode = os.stat(candidate).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return StoryFile(relative, None, MISSING)
    except (OSError, ValueError):
        return StoryFile(relative, None, BAD_NAME)
    if stat.S_ISDIR(mode):
        return StoryFile(relative, None, FOLDER)
    if not stat.S_ISREG(mode):
        return StoryFile(relative, None, NOT_REGULAR)
    return StoryFile(relative, candidate)


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The regular file `relative` names inside the story folder, or None (see :func:`story_file` for why)."""
    return story_file(root, relative).path


class FileKind(msgspec.Struct, frozen=True):
    """How messages name one kind of file a story points at."""

    noun: str  # "chapter file"
    short: str  # "chapter file", "image": how a path that leaves the folder is named
    plural: str  # "chapter files"
    example: str  # "chapters/01.md"
    missing_hint: str  # what to do when it is not there


CHAPTER_FILE = FileKind(
    "chapter file", "chapter file", "chapter files", "chapters/01.md", "create the file, or fix the path: it is relative to the folder that holds story.yaml"
)
IMAGE_FILE = FileKind(
    "image file",
    "image",
    "images",
    "images/cart.png",
    "add the file under the story folder, fix the path, or remove 'image:' to get a placeholder with the brief",
)
# The picture files chapterbook reads, by name (their content is checked from the header when used).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"})
FONT_FILE = FileKind("font file", "font file", "fonts", "fonts/MyFont-Regular.ttf", "fix the path, or use a font that ships with chapterbook")
TEMPLATE_FILE = FileKind("template", "template", "templates", "templates/markdown/manuscript.md.j2", "delete the story's copy to use the shipped template")


def file_fault(kind: FileKind, found: StoryFile) -> tuple[str, str, str]:
    """(message, hint, code) saying what is wrong with a path a story names; only for a `found` that is not ok."""
    rel = found.relative
    if found.fault == OUTSIDE:
        return (f"{kind.short} path '{rel}' leaves the story folder", f"keep {kind.plural} inside the story folder, e.g. {kind.example}", "outside-story")
    if found.fault == FOLDER:
        return (f"{kind.noun} '{rel}' is a folder, not a file", f"give the path of a file, e.g. {kind.example}", "not-a-file")
    if found.fault == NOT_REGULAR:
        return (
            f"{kind.noun} '{rel}' is not a regular file (it is a pipe, socket or device)",
            f"give the path of an ordinary file, e.g. {kind.example}",
            "not-a-file",
        )
    if found.fault == BAD_NAME:
        return (f"{kind.noun} {rel!r} cannot be opened: the name is not usable", f"write a plain path, e.g. {kind.example}", "bad-path")
    return (f"{kind.noun} '{rel}' does not exist", kind.missing_hint, "missing-file")
