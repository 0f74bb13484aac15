"""Optional pages from the spec: a dedication in the front; about the author, about the illustrator
and "also in this series" at the back. Each is printed only when the spec gives its text.

Which of them the book has, in what order and with what titles, chapterbook.book decides (BookView.front
and .back, for every format). The interior (render.interior.back) calls :func:`section` to build one;
:func:`dedication` gives the flowables of the front page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chapterbook.book import paragraphs

if TYPE_CHECKING:  # validate reads SECTIONS and back_sections without ReportLab
    from reportlab.platypus import Flowable

SECTIONS = {
    "about_author": "About the Author",
    "about_illustrator": "About the Illustrator",
    "series": "Also in This Series",
}


def back_sections(spec) -> list[tuple[str, str]]:
    """(key, title) of each optional back page the spec asks for, in print order (chapterbook.book decides)."""
    from chapterbook.book import back_sections as book_sections

    return [(s.key, s.title) for s in book_sections(spec, [], []) if s.key in SECTIONS]


def section(interior, key: str) -> list[Flowable]:
    """The body of one optional back page (its title is set by the caller), as paragraphs of the book's styles."""
    bm = interior.spec.back_matter
    if key == "series":
        out = []
        for i, title in enumerate(bm.also_in_series):
            p = interior.para(title, "bullet", interior.story.where("back_matter", "also_in_series", i), "the series list")
            p.bulletText = "•"
            out.append(p)
        return out
    field = "about_the_author" if key == "about_author" else "about_the_illustrator"
    where = interior.story.where("back_matter", field)
    return [interior.para(p, "body", where, SECTIONS[key].lower()) for p in paragraphs(getattr(bm, field))]


def dedication(interior, doc) -> list[Flowable]:
    """A page holding the dedication, a third of the way down, centred; nothing without one."""
    from reportlab.platypus import PageBreak, Spacer

    from chapterbook.render.pdf import Mark

    text = interior.spec.book.dedication
    if not text:
        return []
    where = interior.story.where("book", "dedication")
    return [
        PageBreak(),
        Mark(doc, "front"),
        Spacer(1, interior.geo.text_height * 0.3),
        interior.para(text, "subtitle", where, "the dedication", "book.dedication"),
    ]
