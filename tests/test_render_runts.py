"""Runt pages: a chapter that would end on a page of one or two lines is set with its paragraphs closer.

Each case is found by laying out chapters of one-line paragraphs with the check
switched off until one really does end on a one-line page; then the real build
must not, and a rebuild of the same book must lay it out only once.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from chapterbook.render import document, pdf
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story

LINE = "Cassie ran to the sea."  # one short line, so a page holds a known number of paragraphs


def _page_lines(pdf_path, page: int) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[1:-1]  # without the running head and the folio


def _chapter_pages(result) -> tuple[int, int]:
    first = result.section_pages["ch1"]
    after = min(p for k, p in result.section_pages.items() if p > first)
    last = after - 1
    while not _page_lines(result.pdf, last) and last > first:  # a blank page before the next part
        last -= 1
    return first, last


def _story(tmp_path, n: int):
    root = tmp_path / f"book-{n}"
    return load_story(make_story(root, chapters=["\n\n".join([LINE] * n)], illustrations="", extra_yaml=""))


@pytest.fixture(scope="module")
def runt_case(tmp_path_factory):
    """A paragraph count whose chapter ends on a page with a single line when nothing is done about it."""
    tmp = tmp_path_factory.mktemp("runts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(document, "RUNT_LINES", 0)  # nothing counts as a runt: the layout as it falls
        for n in range(30, 80):
            result = render_book(_story(tmp, n), tmp / f"plain-{n}.pdf", tmp / f"cache-plain-{n}")
            first, last = _chapter_pages(result)
            if last > first and _page_lines(result.pdf, last) == [LINE]:
                return tmp, n, result
    pytest.fail("no paragraph count between 30 and 80 ended a chapter on a one-line page")


def test_a_one_line_last_page_is_taken_in(runt_case):
    tmp, n, plain = runt_case
    story = _story(tmp, n)
    result = render_book(story, tmp / "set.pdf", tmp / "cache")
    first, last = _chapter_pages(result)
    _, plain_last = _chapter_pages(plain)
    assert last == plain_last - 1  # the chapter is a page shorter
    assert len(_page_lines(result.pdf, last)) > document.RUNT_LINES
    text = lambda r: subprocess.run(["pdftotext", str(r.pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: E731
    assert text(result).count(LINE) == text(plain).count(LINE) == n  # no text lost on the way
    memo = json.loads((tmp / "cache" / "layout.json").read_text())
    assert memo["tight"] == [0]


def test_a_rebuild_lays_the_book_out_once_and_gives_the_same_bytes(runt_case, monkeypatch):
    tmp, n, _ = runt_case
    story = _story(tmp, n)
    builds = []
    real_build = pdf.BookDoc.build
    monkeypatch.setattr(pdf.BookDoc, "build", lambda self, flowables: builds.append(1) or real_build(self, flowables))
    first = render_book(story, tmp / "first.pdf", tmp / "cache-again").pdf.read_bytes()
    assert len(builds) == 2  # laid out, found the runt, set closer
    second = render_book(story, tmp / "second.pdf", tmp / "cache-again").pdf.read_bytes()
    assert len(builds) == 3  # the rebuild knew
    assert first == second


def test_a_changed_book_is_not_given_the_old_choice(runt_case, monkeypatch):
    tmp, n, _ = runt_case
    render_book(_story(tmp, n), tmp / "a.pdf", tmp / "cache-shared")
    assert json.loads((tmp / "cache-shared" / "layout.json").read_text())["tight"] == [0]
    given = []
    real_init = pdf.Interior.__init__

    def spy(self, story, family, pictures, tight=frozenset()):
        given.append(tight)
        real_init(self, story, family, pictures, tight)

    monkeypatch.setattr(pdf.Interior, "__init__", spy)
    render_book(_story(tmp, n), tmp / "a2.pdf", tmp / "cache-shared")
    assert given == [frozenset({0})]  # the same book: the remembered choice, one layout
    given.clear()
    render_book(_story(tmp, n + 1), tmp / "b.pdf", tmp / "cache-shared")  # one paragraph more
    assert given[0] == frozenset()  # another book: laid out as it falls first


def test_a_long_book_gets_its_wider_gutter_and_a_rebuild_knows_it_at_once(tmp_path, monkeypatch):
    """151 pages and more need a 0.5 in gutter: the first build finds out, a rebuild starts with it."""
    from render_fixtures import write_image

    root = tmp_path / "long"
    write_image(root / "images" / "cart.png", (2000, 1500))
    chapters = ["\n\n".join([LINE] * 250) + "\n\n[illustration: cart]"] + ["\n\n".join([LINE] * 250)] * 9
    illustrations = "    illustrations:\n      - {id: cart, brief: The cart., image: images/cart.png, placement: half}\n"
    story = load_story(make_story(root, chapters=chapters, illustrations=illustrations))
    builds, planned = [], []
    real_build, real_plan = pdf.BookDoc.build, pdf.images.plan
    monkeypatch.setattr(pdf.BookDoc, "build", lambda self, flowables: builds.append(self.geo) or real_build(self, flowables))
    monkeypatch.setattr(pdf.images, "plan", lambda source, px, *a, **k: planned.append(px) or real_plan(source, px, *a, **k))
    first = render_book(story, tmp_path / "first.pdf", tmp_path / "cache")
    assert first.pages >= 151 and first.gutter_in == 0.5
    builds.clear(), planned.clear()
    second = render_book(story, tmp_path / "second.pdf", tmp_path / "cache")
    assert len(builds) == 1  # straight to the right gutter
    assert len(set(planned)) == 1  # and the picture planned only at the width it is printed at
    assert second.pdf.read_bytes() == first.pdf.read_bytes()
