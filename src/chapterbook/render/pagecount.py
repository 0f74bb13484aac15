"""A quick estimate of a book's page count, to choose its gutter before any picture is resampled.

The inside margin grows with the page count (print_rules' gutter table), the text width
with it, and every picture's pixel size with that. A book not laid out before used to
be planned at the narrowest gutter; a book that turned out longer than 150 pages was
then planned again, its first pictures resampled for nothing, and laid out three
times (issue #20). This estimate comes from the text's length, the line length and
the pictures' shapes, in a few milliseconds. It only picks the first guess: the
layout still counts the real pages, and a wrong guess costs what it always did.

When the estimate is far from every step of the gutter table (:func:`gutter_settled`),
a cold build skips its trial layout and lays the book out for real at once; otherwise
a trial layout (which draws nothing and does not wait for the pictures) counts the pages
first. Either way the book is laid out again whenever the page count it found crosses
a step or a chapter ends on a runt page, so the PDF is the same: only the cost of a
wrong guess differs.
"""

from __future__ import annotations

import math

from chapterbook.print_rules import inside_inches
from chapterbook.render import checks
from chapterbook.render.geometry import PageGeometry
from chapterbook.spec.load import Story
from chapterbook.spec.memo import content_key
from chapterbook.text import blocks


def _text_lengths(story: Story, text: str) -> list[int]:
    """The length of each paragraph and heading of a chapter's text; kept in the story's memo by the text,
    so a rebuild after an edit parses only the edited chapter for its estimate."""
    return story.memo.cached("text-lengths", content_key(text), lambda: [len(b.text) for b in blocks(text) if b.kind in ("paragraph", "dialogue", "heading")])


# Average advance of a character of prose, in ems (Andika and similar book faces: 0.47-0.52),
# and the pages around the chapters (title, copyright, contents; back matter).
CHAR_EM = 0.5
FRONT_PAGES, BACK_PAGES = 4, 2
# How far a real page count may be from the estimate before a cold build keeps its trial layout. Measured
# (2026-11-30): generated books of 38, 126 and 448 pages estimated at 38, 126 and 442, the bench book at
# 54 of 54; a font much wider or narrower than Andika moves it most. A guess past this costs a second
# real layout and the pictures resampled at the narrower margin, not a different book.
ESTIMATE_SLACK = 0.15


def estimate_pages(story: Story, geo: PageGeometry) -> int:
    """About how many pages the interior will have at geometry `geo`."""
    from chapterbook.render.interior import SHARE  # the renderer's own proportions
    from chapterbook.render.styles import PARAGRAPH_SPACE

    layout = story.spec.layout
    leading, size = layout.line_height, layout.font_size
    per_line = max(10, int(geo.text_width / (size * CHAR_EM)))
    height = geo.text_height
    pages = FRONT_PAGES + BACK_PAGES
    for ci, chapter in enumerate(story.spec.chapters):
        source = story.chapter_text(ci)
        used = height * 0.3  # the chapter's heading
        for length in _text_lengths(story, source.text) if source is not None else []:
            used += (math.ceil(length / per_line) + PARAGRAPH_SPACE) * leading
        for ill in chapter.illustrations:
            share_w, share_h = SHARE[ill.placement]
            if share_h >= 1.0:
                used += height
                continue
            ratio = 0.62  # a diagram or a missing picture: a panel
            path = story.file(ill.image).path if ill.image else None
            if path is not None and path.is_file():
                try:
                    w, h = checks.picture_size(story, path, None, "")  # kept by the picture's content between builds
                    ratio = h / w
                except Exception:  # noqa: BLE001 - the real layout reports a bad picture; a guess only skips it
                    pass
            used += min(height * share_h, geo.text_width * share_w * ratio) + leading
        chapter_pages = math.ceil(used / height)
        pages += chapter_pages + (chapter_pages % 2)  # the next chapter starts on a recto
    return pages


def gutter_settled(estimate: int) -> bool:
    """Whether every page count within :data:`ESTIMATE_SLACK` of `estimate` gets the same inside margin.

    Then the trial layout (which only counts pages and finds runt chapters) would almost
    surely confirm the estimate, and laying the book out for real at once saves it: for a
    short book about a third of its build.
    """
    low, high = math.floor(estimate * (1 - ESTIMATE_SLACK)), math.ceil(estimate * (1 + ESTIMATE_SLACK))
    return inside_inches(low) == inside_inches(high)
