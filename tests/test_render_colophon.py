"""The copyright page: ISBN hyphenated from the range data, dates in words in the book's language, an optional credit line."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from chapterbook.render.colophon import copyright_lines, date_in_words
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story


@pytest.mark.parametrize(
    "isbn, printed",
    [
        ("9798887120416", "979-8-88712-041-6"),  # the group 979-8 (US), a 5-digit publisher prefix
        ("9780306406157", "978-0-306-40615-7"),  # English group 0, a 3-digit prefix
        ("9782070612758", "978-2-07-061275-8"),  # French group 2, a 2-digit prefix
    ],
)
def test_isbn_gets_the_hyphens_of_its_registration_group(isbn, printed, tmp_path):
    root = tmp_path / "s"
    path = make_story(root, illustrations="")
    path.write_text(path.read_text().replace('isbn: "978-0-306-40615-7"', f'isbn: "{isbn}"'))
    assert f"ISBN {printed}" in copyright_lines(load_story(path).spec)


@pytest.mark.parametrize(
    "language, words",
    [("en", "June 1, 2025"), ("en-GB", "1 June 2025"), ("fr", "1 juin 2025"), ("de", "1. Juni 2025"), ("es", "1 de junio de 2025"), ("xx", "June 1, 2025")],
)
def test_dates_are_written_in_words_in_the_books_language(language, words):
    assert date_in_words(dt.date(2025, 6, 1), language) == words


def test_the_copyright_page_prints_them_and_the_credit_line_can_be_turned_off(tmp_path):
    root = tmp_path / "s"
    path = make_story(root, illustrations="", layout="layout:\n  made_with_line: false\n")
    result = render_book(load_story(path), tmp_path / "book.pdf", tmp_path / "cache")
    text = subprocess.run(["pdftotext", "-f", "4", "-l", "4", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "First edition, June 1, 2025" in text and "ISBN 978-0-306-40615-7" in text
    assert "Set in Andika." in text and "chapterbook" not in text
    on = make_story(tmp_path / "t", illustrations="")
    assert copyright_lines(load_story(on).spec)[-1] == "Set in Andika. Made with chapterbook."


def test_the_copyright_lines_sit_at_the_foot_of_their_page(tmp_path):
    """As a designer sets a copyright page: the block of small lines at the foot of the text block, not
    floating at mid-page."""
    import subprocess

    from chapterbook.render.geometry import PageGeometry
    from chapterbook.render.pdf import render_book
    from test_render_holes import _words

    story = load_story(make_story(tmp_path / "s", illustrations=""))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    page = next(
        p
        for p in range(1, 8)
        if "All rights reserved" in subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(result.pdf), "-"], capture_output=True, text=True).stdout
    )
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    _, y, _, _ = geo.text_block(page % 2 == 1)
    foot = geo.page_size[1] - y
    last = max(bottom for _, bottom, _ in _words(result.pdf)[page - 1])
    assert foot - story.spec.layout.font_size <= last <= foot + 1, (last, foot)
