"""What `validate` says about chapter text outside the grammar, or set so print cannot lay it out well, at the file:line:col where it is."""

from __future__ import annotations

from collections.abc import Iterator

from chapterbook.errors import Problem, Severity
from chapterbook.spec.load import Story, format_path
from chapterbook.spec.memo import content_key
from chapterbook.text.grammar import BlockQuote, BulletList, Heading, NumberedList, Paragraph, SceneBreak, parse


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


def heading_at_end_problems(story: Story) -> Iterator[Problem]:
    """A warning for each chapter whose text ends on a heading: print keeps a heading with what follows it, and
    after the last one nothing follows, so it stands alone at the foot of the chapter's last page."""
    for i in range(len(story.spec.chapters)):
        source = story.chapter_text(i)
        if source is None or not _may_end_on_heading(source.text):
            continue
        text = source.text
        found = story.memo.cached("end-heading", content_key("end-heading", text), lambda: _heading_at_end(text))  # noqa: B023 - called at once
        if found:
            yield Problem(
                f"chapter {i + 1} ends with a heading: a heading needs text after it",
                source.location(found[0], found[1]),
                format_path(("chapters", i, "text")),
                "move the heading down to the text it introduces, or add text after it",
                Severity.WARNING,
                "heading-at-end",
            )


def _may_end_on_heading(text: str) -> bool:
    """Whether the last line written could end a heading ('# ...', a setext line of === or ---) or be a scene break.

    Only then is the chapter parsed: every other chapter is passed over without hashing its text.
    """
    last = text.rstrip().rpartition("\n")[2].strip()
    return last.startswith("#") or (last != "" and not last.strip(" =-*_"))


def _heading_at_end(text: str) -> list[int]:
    """[line, col] (0-based) of the heading that ends `text`, only scene breaks after it and some text before it; [] if none."""
    blocks = parse(text).blocks
    rest = [b for b in blocks if not isinstance(b, SceneBreak)]
    if not rest or not isinstance(rest[-1], Heading):
        return []
    if not any(isinstance(b, (Paragraph, BulletList, NumberedList, BlockQuote)) for b in rest):
        return []  # no text at all: lint's "has no text yet" says so
    line = text.splitlines()[rest[-1].line]
    return [rest[-1].line, len(line) - len(line.lstrip())]  # where the line starts ('#'), not its words
