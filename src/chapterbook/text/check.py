"""What `validate` says about chapter text outside the grammar, at the file:line:col where it is."""

from __future__ import annotations

from collections.abc import Iterator

from chapterbook.errors import Problem, Severity
from chapterbook.spec.load import Story, format_path
from chapterbook.spec.memo import content_key
from chapterbook.text.grammar import parse


def grammar_problems(story: Story) -> Iterator[Problem]:
    """A warning for every construct outside the chapter-text grammar (docs/grammar.md) in the book's chapters."""
    for i in range(len(story.spec.chapters)):
        source = story.chapter_text(i)
        if source is None:
            continue
        for message, line, col, hint, code in _findings(story, source.text):
            yield Problem(message, source.location(line, col), format_path(("chapters", i, "text")), hint, Severity.WARNING, code)


def _findings(story: Story, text: str) -> list[tuple[str, int, int, str, str]]:
    """What in `text` is outside the grammar, kept by the text (story.memo): validate re-parses only an edited chapter."""
    return story.memo.cached("grammar", content_key("grammar", text), lambda: [(f.message, f.line, f.col, f.hint, f.code) for f in parse(text).findings])
