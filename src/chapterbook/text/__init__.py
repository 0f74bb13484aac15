"""Chapter text: one grammar parsed into typed blocks, the prose inside them, and its safe markup.

- :mod:`grammar` parses chapter Markdown once into typed blocks (paragraphs, headings, lists,
  quotes, scene breaks, illustration markers) with their positions, and finds what is outside it;
- :mod:`inline` holds the runs of text with emphasis inside a block, and their escaped markup;
- :mod:`prose` splits a block's text into sentences and words and scores readability;
- :mod:`typography` sets typographer's quotes, dashes and ellipses;
- :mod:`version` is the type for one version of a chapter (human, drafted, pasted).

Story text is data. Nothing here ever passes it to a template engine or to
ReportLab as markup without escaping it first.
"""

from chapterbook.text.grammar import (
    BlockBase,
    BlockKind,
    BlockQuote,
    BulletList,
    Finding,
    FlatBlock,
    Heading,
    IllustrationMarker,
    NumberedList,
    Paragraph,
    Parsed,
    SceneBreak,
    TextBlock,
    blocks,
    known_parses,
    marker,
    paragraphs,
    parse,
)
from chapterbook.text.inline import (
    Inline,
    Span,
    inline_markup,
    markup,
    parse_inline,
    typeset_spans,
)
from chapterbook.text.prose import (
    Sentence,
    flesch_kincaid_grade,
    line_col,
    plain,
    sentences,
    syllables,
    words,
)
from chapterbook.text.typography import (
    CURLY_QUOTES,
    TYPOGRAPHERS,
    smart_dashes,
    smart_quotes,
    typeset,
)
from chapterbook.text.version import ChapterVersion

Block = FlatBlock  # the name the flat view had before the grammar; compare/prose.py reads it

__all__ = [
    "known_parses",
    "CURLY_QUOTES",
    "TYPOGRAPHERS",
    "Block",
    "BlockBase",
    "BlockKind",
    "BlockQuote",
    "BulletList",
    "ChapterVersion",
    "Finding",
    "FlatBlock",
    "Heading",
    "IllustrationMarker",
    "Inline",
    "NumberedList",
    "Paragraph",
    "Parsed",
    "SceneBreak",
    "Sentence",
    "Span",
    "TextBlock",
    "blocks",
    "flesch_kincaid_grade",
    "inline_markup",
    "line_col",
    "marker",
    "markup",
    "paragraphs",
    "parse",
    "parse_inline",
    "plain",
    "sentences",
    "smart_dashes",
    "smart_quotes",
    "syllables",
    "typeset",
    "typeset_spans",
    "words",
]
