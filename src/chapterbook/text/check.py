"""What `validate` says about chapter text outside the grammar, at the file:line:col where it is."""

from __future__ import annotations

from collections.abc import Iterator

from chapterbook.errors import Problem, Severity
from chapterbook.spec.load import Story, format_path
from chapterbook.text.grammar import parse


def grammar_problems(story: Story) -> Iterator[Problem]:
    """A warning for every construct outside the chapter-text grammar (docs/grammar.md) in the book's chapters."""
    for i in range(len(story.spec.chapters)):
        source = story.chapter_text(i)
        if source is None:
            continue
        for f in parse(source.text).findings:
            yield Problem(f.message, source.location(f.line, f.col), format_path(("chapters", i, "text")), f.hint, Severity.WARNING, f.code)
