"""Each chapter's Markdown, read from its `text_file:` or taken from `text:`, with where its lines sit."""

from __future__ import annotations

from chapterbook.errors import Problem
from chapterbook.spec.story import (
    CHAPTER_FILE,
    SourceText,
    Story,
    file_fault,
    format_path,
)

# A chapter of an early reader is a few thousand words; a file far larger is the wrong file.
MAX_CHAPTER_BYTES = 2 * 1024 * 1024


def chapter_texts(story: Story) -> tuple[list[SourceText | None], list[Problem]]:
    """Every chapter's text (None where there is none or it cannot be read), and the problems reading them."""
    problems: list[Problem] = []
    texts: list[SourceText | None] = []
    for i, chapter in enumerate(story.spec.chapters):
        if chapter.text is not None:
            texts.append(_inline_text(story, i, chapter.text))
            continue
        texts.append(None)
        if chapter.text_file is None:
            continue
        key = ("chapters", i, "text_file")

        def problem(message: str, hint: str, code: str, key: tuple = key) -> None:
            problems.append(Problem(message, story.where(*key), format_path(key), hint, code=code))

        found = story.file(chapter.text_file)
        if found.path is None:
            problem(*file_fault(CHAPTER_FILE, found))
            continue
        try:
            raw = found.path.read_bytes()
        except OSError as exc:
            problem(f"chapter file '{chapter.text_file}' cannot be read ({exc.strerror or exc})", "check the file's permissions", "unreadable-file")
            continue
        if len(raw) > MAX_CHAPTER_BYTES:
            problem(
                f"chapter file '{chapter.text_file}' is {len(raw) / 1_000_000:.1f} MB; a chapter is a few kB",
                "check this is the right file",
                "too-large",
            )
            continue
        try:
            texts[i] = SourceText(raw.decode("utf-8-sig"), found.path, 1, 0)
        except UnicodeDecodeError:
            problem(f"chapter file '{chapter.text_file}' is not UTF-8 text", "save it as UTF-8", "not-utf8")
    return texts, problems


def _inline_text(story: Story, index: int, text: str) -> SourceText:
    line, _ = story.positions.get(("chapters", index, "text"), (1, 1))
    # A block scalar ('text: |') starts on the next line; find its indentation
    # from the file so sentence locations land on the right column.
    try:
        lines = story.path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return SourceText(text, story.path, line, 0)
    first = text.strip().split("\n", 1)[0].strip()[:40]
    for n in range(line - 1, min(len(lines), line + 200)):
        column = lines[n].find(first) if first else -1
        if column >= 0:
            indent = column if n == line - 1 else len(lines[n]) - len(lines[n].lstrip(" "))
            return SourceText(text, story.path, n + 1, indent)
    return SourceText(text, story.path, line, 0)
