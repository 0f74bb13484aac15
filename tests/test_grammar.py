"""The chapter-text grammar: typed blocks with their positions, tolerant markers, and warnings for the rest."""

from __future__ import annotations

import pytest

from chapterbook.draft.reply import ChapterReply, parse_plain_text
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story
from chapterbook.text import (
    BlockQuote,
    BulletList,
    Heading,
    IllustrationMarker,
    NumberedList,
    Paragraph,
    SceneBreak,
    Span,
    blocks,
    inline_markup,
    marker,
    parse,
)
from conftest import BROKEN

EVERY = """\
Maya had a *red* ball and a **big** cart.

## The Big Idea

- The ball rolled.
- It *stopped*.

3. Roll it.
4. Watch.

> A still thing stays still.
> A moving thing keeps moving.
>
> Newton said so.

* * *

[illustration: ball]
"""


def test_every_construct_becomes_its_typed_block_at_its_line_and_column():
    got = parse(EVERY)
    assert [type(b) for b in got.blocks] == [Paragraph, Heading, BulletList, NumberedList, BlockQuote, SceneBreak, IllustrationMarker]
    para, heading, bullets, numbered, quote, scene, mark = got.blocks
    assert para.text.spans == (Span("Maya had a "), Span("red", emphasis=True), Span(" ball and a "), Span("big", strong=True), Span(" cart."))
    assert (heading.level, heading.text.plain, heading.line) == (2, "The Big Idea", 2)
    assert [i.plain for i in bullets.items] == ["The ball rolled.", "It stopped."]
    assert (bullets.items[1].line, bullets.items[1].col) == (5, 2)  # after "- "
    assert (numbered.first, [i.plain for i in numbered.items]) == (3, ["Roll it.", "Watch."])
    assert [p.plain for p in quote.paragraphs] == ["A still thing stays still. A moving thing keeps moving.", "Newton said so."]
    assert (quote.paragraphs[0].line, quote.paragraphs[0].col) == (10, 2)
    assert (scene.line, mark.line, mark.ref) == (15, 17, "ball")
    assert EVERY[mark.start : mark.start + len(mark.source)] == "[illustration: ball]"
    assert got.findings == ()


def test_lists_are_no_longer_glued_into_a_paragraph_and_quotes_lose_their_marks():
    flat = blocks("Look:\n- Ice is a solid.\n- Water is a liquid.\n\n> Hello there.\n")
    assert [(b.kind, b.text) for b in flat] == [
        ("paragraph", "Look:"),
        ("paragraph", "Ice is a solid."),
        ("paragraph", "Water is a liquid."),
        ("paragraph", "Hello there."),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[illustration: ch1-cart]", ("ch1-cart", False)),
        ("  [ illustration :ch1-cart ]  ", ("ch1-cart", False)),
        ("[Illustration: a cart on sand]", ("a cart on sand", True)),
        ("[Picture: a cart]", ("a cart", True)),
        ("*[illustration: a cart]*", ("a cart", True)),
        ("**[Image - a cart]**", ("a cart", True)),
        ("[illustration: ]", None),
        ("She said [illustration: x] twice.", None),
        ("[note: x]", None),
    ],
)
def test_marker_spellings(line, expected):
    assert marker(line) == expected


def test_a_marker_line_inside_a_paragraph_still_stands_on_its_own():
    got = parse("One line.\n[Picture: a fish]\nAnother line.\n", tolerant=True)
    assert [type(b) for b in got.blocks] == [Paragraph, IllustrationMarker, Paragraph]
    assert got.findings == ()  # a draft or paste may spell markers any of these ways
    strict = parse("One line.\n[Picture: a fish]\nAnother line.\n")
    assert [(f.line, f.col, f.code) for f in strict.findings] == [(1, 0, "marker-spelling")]
    assert "[illustration: a fish]" in strict.findings[0].hint


OUTSIDE = """\
Start.

| a | b |
|---|---|
| 1 | 2 |

<div>box</div>

See ![Maya](maya.png) and <b>this</b> `x` [site](http://example.com).

    indented four spaces

A title
=======

[ref]: http://example.com
"""


def test_anything_outside_the_grammar_is_found_where_it_is_and_printed_as_typed():
    got = parse(OUTSIDE)
    found = [(f.line, f.col, f.construct) for f in got.findings]
    assert found == [
        (2, 0, "a table"),
        (6, 0, "HTML"),
        (8, 4, "a Markdown picture ![...](...)"),
        (8, 26, "HTML"),
        (8, 33, "HTML"),
        (8, 38, "`code`"),
        (8, 42, "a link [...](...)"),
        (10, 4, "an indented code block"),
        (12, 0, "a heading underlined with === or ---"),
        (15, 0, "a link reference definition"),
    ]
    printed = [b.text.plain for b in got.blocks if isinstance(b, (Paragraph, Heading))]
    assert printed == [
        "Start.",
        "| a | b | |---|---| | 1 | 2 |",
        "<div>box</div>",
        "See ![Maya](maya.png) and <b>this</b> `x` [site](http://example.com).",
        "indented four spaces",
        "A title",
        "[ref]: http://example.com",
    ]


def test_validate_warns_at_file_line_col_for_text_outside_the_grammar(tmp_path):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled a ball across the floor. It kept going!\n",
            "    text_file: chapters/one.md\n",
        )
    )
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "one.md").write_text("Maya rolled a ball.\n\n| a | b |\n|---|---|\n\nIt went <i>far</i>.\n")
    (tmp_path / "story.yaml").write_text(source)
    problems = [p for p in lint(load_story(tmp_path / "story.yaml")) if p.code == "outside-grammar"]
    assert [(p.where.file.name, p.where.line, p.where.column, p.severity.value) for p in problems] == [
        ("one.md", 3, 1, "warning"),
        ("one.md", 6, 9, "warning"),
        ("one.md", 6, 15, "warning"),
    ]
    assert "a table" in problems[0].message and "printed as typed" in problems[0].message and problems[0].hint


def test_inline_markup_follows_commonmark_and_still_escapes():
    assert inline_markup("snake_case_name and *a* __b__") == "snake_case_name and <i>a</i> <b>b</b>"
    assert inline_markup("5 * 3 * 2 <tag> &") == "5 * 3 * 2 &lt;tag&gt; &amp;"


def test_a_plain_text_reply_keeps_its_list_and_quote():
    reply = parse_plain_text("# The Ramp\n\nWe need:\n\n- a ramp\n- a ball\n\n> Go!\n\n## Later\n\nThe end.\n")
    assert reply.paragraphs == ["We need:", "- a ramp\n- a ball", "> Go!", "The end."]
    md = ChapterReply(title="T", paragraphs=reply.paragraphs, illustrations=[]).to_markdown()
    assert [type(b) for b in parse(md).blocks] == [Heading, Paragraph, BulletList, BlockQuote, Paragraph]


def test_html_or_code_inside_a_list_or_quote_is_printed_as_typed_and_reported():
    got = parse("- one\n- two\n\n  <div>x</div>\n\n> said:\n>\n>     indented\n")
    bullets, quote = got.blocks
    assert [i.plain for i in bullets.items] == ["one", "two", "<div>x</div>"]
    assert [p.plain for p in quote.paragraphs] == ["said:", "indented"]
    assert {f.construct for f in got.findings} >= {"HTML", "an indented code block"}


def test_windows_line_endings_keep_positions():
    text = "One.\r\n\r\n- a\r\n- b\r\n\r\n[illustration: x]\r\n"
    bullets, mark = parse(text).blocks[1:]
    assert text[bullets.items[1].start] == "b" and (bullets.items[1].line, bullets.items[1].col) == (3, 2)
    assert text[mark.start : mark.start + len(mark.source)] == "[illustration: x]"


def test_validate_says_a_chapter_of_only_headings_and_markers_has_no_text(tmp_path):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace("      Maya rolled a ball across the floor. It kept going!\n", "      ## Coming soon\n\n      * * *\n")
    )
    (tmp_path / "story.yaml").write_text(source)
    assert [p.code for p in lint(load_story(tmp_path / "story.yaml")) if p.code == "no-text"] == ["no-text"]


def test_the_tolerant_view_is_the_strict_parse_without_the_marker_spelling_findings():
    """One markdown-it pass serves both: a draft's blocks are the author's blocks, only its findings differ."""
    text = EVERY + "\n*[Picture: a fish]*\n\n<b>bold</b>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[Drawing - a crab]\n"
    strict, tolerant = parse(text), parse(text, tolerant=True)
    assert tolerant.blocks is strict.blocks
    assert [f.code for f in strict.findings].count("marker-spelling") == 2
    assert tolerant.findings == tuple(f for f in strict.findings if f.code != "marker-spelling")
    assert tolerant.findings and all(f.code == "outside-grammar" for f in tolerant.findings)
