"""The copyright page's text: rights, edition and date in words, publisher, hyphenated ISBN, the font line.

The ISBN is hyphenated from the ISBN agency's range data (python-stdnum ships it), so
979-8-88712-041-6 keeps its registration group and publisher prefix whole. Dates are
written out in the book's language from CLDR data that Babel ships (no network).
"""

from __future__ import annotations

import datetime as dt

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date

from chapterbook.render.barcode import hyphenated
from chapterbook.spec.models import StorySpec


def date_in_words(date: dt.date, language: str) -> str:
    """`date` as the book's language writes it in full: 'March 1, 2027' (en), '1 mars 2027' (fr)."""
    for tag in (language, language.split("-")[0], "en"):
        try:
            return format_date(date, format="long", locale=Locale.parse(tag, sep="-"))
        except (UnknownLocaleError, ValueError):
            continue
    return date.isoformat()


def copyright_lines(spec: StorySpec) -> list[str]:
    """The lines of the copyright page, in order, as plain text."""
    book = spec.book
    holder = book.copyright_holder or join_names(book.authors)
    year = f"{book.publication_date.year} " if book.publication_date else ""
    lines = [f"Text copyright © {year}{holder}. All rights reserved."]
    if book.illustrator:
        lines.append(f"Illustrations by {book.illustrator}.")
    when = date_in_words(book.publication_date, book.language) if book.publication_date else ""
    if book.edition:
        lines.append(book.edition + (f", {when}" if when else ""))
    elif when:
        lines.append(f"Published {when}")
    if book.publisher:
        lines.append(f"Published by {book.publisher}.")
    if book.isbn:
        lines.append(f"ISBN {hyphenated(book.isbn)}")
    lines.append(f"Set in {spec.layout.font}." + (" Made with chapterbook." if spec.layout.made_with_line else ""))
    return lines


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
